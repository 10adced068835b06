import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block, blockInitFromJSON, blockToJSON, type CellValue, type NestedCells } from '../../src/block/index.js';
import { isKeeprError } from '../../src/errors.js';
import { blockArb, blockInitArb, tensorInitArb, touchEverything } from './arbitraries.js';

/** Decoding must give a valid block or BLOCK_MALFORMED, nothing else. */
function decodeOrMalformed(bytes: Uint8Array, verifyHash = true): Block | undefined {
  try {
    return Block.decode(bytes, { verifyHash });
  } catch (err) {
    if (isKeeprError(err, 'BLOCK_MALFORMED')) return undefined;
    throw err;
  }
}

/** Nests row-major cells by a shape of rank 1 or more (the test's own, independent of Block). */
function nestCells(flat: readonly CellValue[], shape: readonly number[]): NestedCells {
  const [n = 0, ...rest] = shape;
  if (rest.length === 0) return flat.slice(0, n);
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => nestCells(flat.slice(i * stride, (i + 1) * stride), rest));
}

describe('block format properties', () => {
  it('encode then decode is the identity, byte for byte and value for value', () => {
    fc.assert(
      fc.property(blockInitArb, (init) => {
        const block = Block.create(init);
        const decoded = Block.decode(block.bytes);
        expect(decoded.equals(block)).toBe(true);
        expect(decoded.toJS()).toEqual(block.toJS());
        expect(decoded.verify()).toBe(true);
        touchEverything(decoded);
      }),
      { numRuns: 400 },
    );
  });

  it('nested data of any shape builds the same block as the flat data with its shape', () => {
    fc.assert(
      fc.property(tensorInitArb, (init) => {
        const shape = init.shape ?? [];
        fc.pre(shape.length > 0);
        const flat = Block.create(init);
        const nested = nestCells(Array.from(init.data as ArrayLike<CellValue>), shape);
        expect(Block.create({ ...init, data: nested }).equals(flat)).toBe(true);
        // Without a shape the nesting gives it, unless an empty array hides the deeper dimensions.
        if (shape.slice(0, -1).every((d) => d > 0)) {
          const { shape: _shape, ...noShape } = init;
          expect(Block.create({ ...noShape, data: nested }).equals(flat)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the same content always gives the same bytes (canonical)', () => {
    fc.assert(
      fc.property(blockArb, (block) => {
        const again = Block.create(blockInitFromJSON(JSON.parse(JSON.stringify(blockToJSON(block)))));
        expect(Buffer.from(again.bytes).equals(Buffer.from(block.bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('random buffers only ever decode to BLOCK_MALFORMED or a valid block', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, verifyHash) => {
        const b = decodeOrMalformed(bytes, verifyHash);
        if (b !== undefined) touchEverything(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a valid block is BLOCK_MALFORMED', () => {
    fc.assert(
      fc.property(blockArb, fc.nat(), (block, cut) => {
        const at = cut % block.byteLength;
        expect(decodeOrMalformed(block.bytes.subarray(0, at), false)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('mutated blocks decode to BLOCK_MALFORMED or a block whose every accessor works', () => {
    fc.assert(
      fc.property(
        blockArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (block, edits, verifyHash) => {
          const bytes = block.bytes.slice();
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          const b = decodeOrMalformed(bytes, verifyHash);
          if (b !== undefined) touchEverything(b);
          if (verifyHash && b !== undefined) expect(Buffer.from(bytes).equals(Buffer.from(block.bytes))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('header fields set to edge values never escape validation', () => {
    const edges = [0, 1, 2, 7, 8, 96, 0x7fffffff, 0x80000000, 0xffffffff];
    fc.assert(
      fc.property(blockArb, fc.integer({ min: 0, max: 15 }), fc.constantFrom(...edges), fc.integer({ min: -9, max: 9 }), (block, field, edge, delta) => {
        const bytes = block.bytes.slice();
        const view = new DataView(bytes.buffer);
        const value = field < 15 ? (edge + delta) >>> 0 : (bytes.length + delta) >>> 0;
        view.setUint32(4 * (field % 15) + 4, value, true);
        const b = decodeOrMalformed(bytes, false);
        if (b !== undefined) touchEverything(b);
      }),
      { numRuns: 3000 },
    );
  });
});
