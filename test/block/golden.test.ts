import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Block, blockInitFromJSON, blockToJSON, type BlockJSON } from '../../src/block/index.js';
import { referenceRead, type ReferenceBlock } from './reference-reader.js';

interface Vector {
  name: string;
  input: BlockJSON;
  hex: string;
  hash: string;
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/blocks.json', import.meta.url), 'utf8')) as Vector[];

/** The implementation's view of a block in the reference reader's terms. */
function implementationView(block: Block): Omit<ReferenceBlock, 'hashOk'> {
  const attributes: Record<number, string> = {};
  for (const [code, value] of block.attributes) attributes[code] = value;
  const base = { type: block.type, shape: block.shape, hasNA: block.hasNA, ordered: block.ordered, attributes };
  if (block.is('tuple')) {
    return { ...base, cells: [], items: [...block.items()].map(([name, item]) => ({ name, block: { ...implementationView(item), hashOk: true } })) };
  }
  const cells = block.is('string') || block.is('factor') ? block.strings() : Array.from({ length: block.size }, (_, i) => block.get(i));
  return { ...base, cells, ...(block.is('factor') ? { levels: block.levels() } : {}) };
}

describe('golden block vectors', () => {
  it('has a dozen or more vectors covering every cell type', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(12);
    const types = new Set(vectors.map((v) => v.input.type));
    for (const t of ['bool', 'int8', 'int32', 'uint8', 'uint64', 'float32', 'float64', 'time', 'string', 'factor', 'bytes', 'tuple']) {
      expect(types).toContain(t);
    }
  });

  for (const vector of vectors) {
    it(`encodes "${vector.name}" to the pinned bytes and hash`, () => {
      const block = Block.create(blockInitFromJSON(vector.input));
      expect(Buffer.from(block.bytes).toString('hex')).toBe(vector.hex);
      expect(block.hashHex).toBe(vector.hash);
    });

    it(`decodes "${vector.name}" and the reference reader agrees`, () => {
      const bytes = new Uint8Array(Buffer.from(vector.hex, 'hex'));
      const block = Block.decode(bytes);
      const ref = referenceRead(bytes);
      expect(ref.hashOk).toBe(true);
      const { hashOk: _hashOk, ...rest } = ref;
      expect(rest).toEqual(implementationView(block));
      const json = blockToJSON(block);
      expect(json.type).toBe(vector.input.type);
      expect(Block.create(blockInitFromJSON(json)).equals(block)).toBe(true);
    });
  }
});
