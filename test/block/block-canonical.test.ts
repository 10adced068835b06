import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block, HEADER_BYTES, blockInitFromJSON, blockToJSON } from '../../src/block/index.js';
import { computeHash } from '../../src/block/layout.js';
import { codeOf } from '../helpers/error-code.js';

const fromJSON = (json: unknown): Block => Block.create(blockInitFromJSON(json));

/** A float64 cell's bits, from the block's data section. */
function bits64(block: Block, cell: number): bigint {
  return new DataView(block.bytes.buffer, block.bytes.byteOffset + HEADER_BYTES + 8 * cell, 8).getBigUint64(0, true);
}

/** Puts raw float64 bits into cell 0 of a one-cell float64 block and re-hashes it. */
function withBits64(bits: bigint): Uint8Array {
  const bytes = Block.create({ type: 'float64', data: [1] }).bytes.slice();
  new DataView(bytes.buffer).setBigUint64(HEADER_BYTES, bits, true);
  if (bits === 0x7ff00000000007a2n) bytes[7] = 1; // HAS_NA
  bytes.set(computeHash(bytes), 64);
  return bytes;
}

describe('canonical NaN and negative zero', () => {
  it('stores every non-NA NaN as the one quiet NaN', () => {
    const raw = new Float64Array(3);
    const v = new DataView(raw.buffer);
    v.setBigUint64(0, 0xfff8000000000000n, true); // negative quiet NaN
    v.setBigUint64(8, 0x7ff0000000000001n, true); // signalling NaN
    v.setBigUint64(16, 0x7ff80000000007a2n, true); // R's NA_real_ as often seen (quiet): not keepr's NA
    const b = Block.create({ type: 'float64', data: raw });
    expect([bits64(b, 0), bits64(b, 1), bits64(b, 2)]).toEqual([0x7ff8000000000000n, 0x7ff8000000000000n, 0x7ff8000000000000n]);
    expect(b.hasNA).toBe(false);
    const f = Block.create({ type: 'float32', data: new Float32Array(new Uint32Array([0xffc00000, 0x7f800001, 0x7f8007a2]).buffer) });
    expect(Array.from(new Uint32Array(f.bytes.slice(HEADER_BYTES, HEADER_BYTES + 12).buffer))).toEqual([0x7fc00000, 0x7fc00000, 0x7f8007a2]);
    expect(f.hasNA).toBe(true);
  });

  it('refuses non-canonical NaN bytes and accepts the canonical NaN and NA', () => {
    expect(Block.decode(withBits64(0x7ff8000000000000n)).hasNA).toBe(false);
    expect(Block.decode(withBits64(0x7ff00000000007a2n)).hasNA).toBe(true);
    for (const bad of [0xfff8000000000000n, 0x7ff0000000000001n, 0xfff00000000007a2n, 0x7ff80000000007a2n]) {
      expect(codeOf(() => Block.decode(withBits64(bad)))).toBe('BLOCK_MALFORMED');
    }
  });

  it('any float64 bit pattern builds a block that decodes back byte for byte', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (bits) => {
        const raw = new Float64Array(1);
        new DataView(raw.buffer).setBigUint64(0, bits, true);
        const b = Block.create({ type: 'float64', data: raw });
        expect(Block.decode(b.bytes.slice()).equals(b)).toBe(true);
        expect(fromJSON(JSON.parse(JSON.stringify(b))).equals(b)).toBe(true);
      }),
    );
  });

  it('keeps -0 and writes it as "-0" in the JSON view', () => {
    const b = Block.create({ type: 'float64', data: [-0, 0] });
    expect(bits64(b, 0)).toBe(0x8000000000000000n);
    expect(blockToJSON(b).data).toEqual(['-0', 0]);
    const again = fromJSON(JSON.parse(JSON.stringify(b)));
    expect(again.hashHex).toBe(b.hashHex);
    expect(Object.is(fromJSON({ type: 'float32', data: ['-0'] }).get(0), -0)).toBe(true);
  });
});

describe('JSON input rules', () => {
  it('refuses a wrong hash and accepts the right one in either case', () => {
    const json = blockToJSON(Block.create({ type: 'int32', data: [1, 2] }));
    expect(fromJSON(json).hashHex).toBe(json.hash);
    expect(fromJSON({ ...json, hash: json.hash?.toUpperCase() }).hashHex).toBe(json.hash);
    expect(codeOf(() => fromJSON({ ...json, hash: '0'.repeat(64) }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ ...json, hash: 'abc' }))).toBe('BLOCK_JSON_INVALID');
    const tuple = blockToJSON(Block.tuple({ a: Block.from([1]) }));
    const tampered = { ...tuple, items: tuple.items?.map((i) => ({ ...i, block: { ...i.block, data: [2] } })) };
    expect(codeOf(() => fromJSON(tampered))).toBe('BLOCK_JSON_INVALID');
  });

  it('refuses NA sentinels given as data', () => {
    expect(codeOf(() => fromJSON({ type: 'int32', data: [-2147483648] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int16', data: [-32768] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int8', data: [-128] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int64', data: ['-9223372036854775808'] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => fromJSON({ type: 'time', data: ['-9223372036854775808'] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => fromJSON({ type: 'factor', levels: ['a'], data: [-2147483648] }))).toBe('BLOCK_INVALID');
    expect(fromJSON({ type: 'int64', data: ['-9223372036854775807'] }).hasNA).toBe(false);
  });

  it('refuses float32 overflow but keeps explicit infinities', () => {
    expect(codeOf(() => fromJSON({ type: 'float32', data: [1e39] }))).toBe('BLOCK_INVALID');
    expect(fromJSON({ type: 'float32', data: ['Infinity', 3.4028234663852886e38] }).toJS()).toEqual([Infinity, 3.4028234663852886e38]);
  });

  it('refuses times with more than 6 fractional digits', () => {
    expect(codeOf(() => fromJSON({ type: 'time', data: ['2024-01-01T00:00:00.0000001Z'] }))).toBe('BLOCK_JSON_INVALID');
    expect(fromJSON({ type: 'time', data: ['2024-01-01T00:00:00.000001Z', 5] }).toJS()).toEqual([1704067200000001n, 5n]);
  });

  it('accepts only canonical padded base64 for bytes', () => {
    expect(Array.from(fromJSON({ type: 'bytes', data: 'QQ==' }).data())).toEqual([65]);
    for (const bad of ['QQ', 'QR==', '-_8=', 'Q Q==']) expect(codeOf(() => fromJSON({ type: 'bytes', data: bad }))).toBe('BLOCK_JSON_INVALID');
  });

  it('orders inferred factor levels by UTF-8 bytes', () => {
    // U+FF5E sorts before U+1F600 in UTF-16 code units but after it as bytes / code points.
    expect(fromJSON({ type: 'factor', data: ['😀', '～', 'a'] }).levels()).toEqual(['a', '～', '😀']);
  });

  it('keeps the two documented leniencies', () => {
    expect(fromJSON({ type: 'int32', shape: [2, 2], data: [1, 2, 3, 4] }).toJS()).toEqual([[1, 2], [3, 4]]);
    expect(fromJSON({ type: 'factor', data: ['b', null, 'a'] }).levels()).toEqual(['a', 'b']);
  });

  it('refuses a bare null and untyped all-NA arrays, and reads typed all-NA columns', () => {
    expect(codeOf(() => fromJSON(null))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON([null, null]))).toBe('BLOCK_INVALID');
    expect(fromJSON({ type: 'float64', data: [null, null] }).toJS()).toEqual([null, null]);
  });
});

describe('what a reader does not know', () => {
  it('accepts may-ignore flag bits 4-7 and keeps them, refuses must-understand bits 2-3', () => {
    const base = Block.create({ type: 'int32', data: [1] }).bytes;
    for (const bit of [4, 5, 6, 7]) {
      const bytes = base.slice();
      bytes[7] = 1 << bit;
      bytes.set(computeHash(bytes), 64);
      const b = Block.decode(bytes);
      expect(b.toJS()).toEqual([1]);
      expect(b.bytes[7]).toBe(1 << bit);
    }
    for (const bit of [2, 3]) {
      const bytes = base.slice();
      bytes[7] = 1 << bit;
      bytes.set(computeHash(bytes), 64);
      expect(codeOf(() => Block.decode(bytes))).toBe('BLOCK_MALFORMED');
    }
  });

  it('keeps attribute codes it has no name for', () => {
    const b = Block.decode(Block.create({ type: 'int8', data: [1], attributes: { '6': 'x', '999': 'y' } }).bytes.slice());
    expect([...b.attributes]).toEqual([[6, 'x'], [999, 'y']]);
  });
});
