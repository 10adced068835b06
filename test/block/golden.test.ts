import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Block, blockInitFromJSON, blockToJSON, type BlockJSON } from '../../src/block/index.js';
import { codeOf } from '../helpers/error-code.js';
import { referenceRead, type ReferenceBlock } from './reference-reader.js';

interface Vector {
  name: string;
  input: BlockJSON;
  hex: string;
  hash: string;
  /** The JSON view keepr writes for these bytes. */
  json: unknown;
}

interface RejectVector {
  name: string;
  hex: string;
  code: string;
  reason: string;
}

interface JsonRejectVector {
  name: string;
  input: unknown;
  code: string;
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const vectors = fixture('blocks.json') as Vector[];
const rejects = fixture('blocks-reject.json') as RejectVector[];
const jsonRejects = fixture('blocks-json-reject.json') as JsonRejectVector[];

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
    for (const t of ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'time', 'string', 'factor', 'bytes', 'tuple']) {
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
      const json = JSON.parse(JSON.stringify(blockToJSON(block))) as unknown;
      expect(json).toEqual(vector.json);
      expect(Block.create(blockInitFromJSON(json)).equals(block)).toBe(true);
    });
  }
});

describe('must-reject block vectors', () => {
  it('covers every byte-level rule with its own vector', () => {
    expect(rejects.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rejects.map((r) => r.name)).size).toBe(rejects.length);
  });

  for (const vector of rejects) {
    it(`refuses "${vector.name}" in the implementation and the reference reader`, () => {
      const bytes = new Uint8Array(Buffer.from(vector.hex, 'hex'));
      let reason: unknown;
      try {
        Block.decode(bytes);
      } catch (err) {
        reason = (err as { details?: Record<string, unknown> }).details?.['reason'];
      }
      expect(codeOf(() => Block.decode(bytes))).toBe(vector.code);
      expect(reason).toBe(vector.reason);
      let refError: string | undefined;
      try {
        if (!referenceRead(bytes).hashOk) refError = 'integrity hash does not match the contents';
      } catch (err) {
        refError = (err as Error).message;
      }
      expect(refError).toBeDefined();
      expect(vector.reason).toContain(refError);
    });
  }
});

describe('must-reject JSON descriptions', () => {
  for (const vector of jsonRejects) {
    it(`refuses "${vector.name}" with ${vector.code}`, () => {
      expect(codeOf(() => Block.create(blockInitFromJSON(vector.input)))).toBe(vector.code);
    });
  }
});
