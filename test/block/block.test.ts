import { describe, expect, it } from 'vitest';
import { ATTR, Block, HEADER_BYTES, NA_INT32, NA_INT64, type BlockInit } from '../../src/block/index.js';
import { codeOf } from '../helpers/error-code.js';

describe('Block', () => {
  it('holds every numeric cell type with its own typed array and NA', () => {
    const cases: [BlockInit['type'], (number | bigint | null)[], unknown][] = [
      ['int8', [1, -127, null], Int8Array],
      ['int16', [1, -300, null], Int16Array],
      ['int32', [1, -70000, null], Int32Array],
      ['int64', [1n, -(2n ** 62n), null], BigInt64Array],
      ['uint8', [0, 255], Uint8Array],
      ['uint16', [0, 65535], Uint16Array],
      ['uint32', [0, 0xffffffff], Uint32Array],
      ['uint64', [0n, 2n ** 64n - 1n], BigUint64Array],
      ['float32', [1.5, -2.25, null], Float32Array],
      ['float64', [Math.PI, -0, null], Float64Array],
      ['time', [0n, 1_700_000_000_000_000n, null], BigInt64Array],
    ];
    for (const [type, data, ctor] of cases) {
      const b = Block.create({ type, data });
      expect(b.type).toBe(type);
      expect(b.values()).toBeInstanceOf(ctor);
      expect(b.toJS()).toEqual(data);
      expect(b.hasNA).toBe(data.includes(null));
      expect(Block.decode(b.bytes).equals(b)).toBe(true);
    }
  });

  it('gives zero-copy views over the block bytes', () => {
    const b = Block.from(new Float64Array([1, 2, 3]));
    const v = b.values();
    expect(v.buffer).toBe(b.bytes.buffer);
    expect(v.byteOffset).toBe(b.bytes.byteOffset + HEADER_BYTES);
  });

  it('copies once when the bytes sit at an unaligned offset', () => {
    const b = Block.from(new Float64Array([1, 2, 3]));
    const shifted = new Uint8Array(b.byteLength + 1).subarray(1);
    shifted.set(b.bytes);
    const moved = Block.decode(shifted);
    expect(Array.from(moved.values() as Float64Array)).toEqual([1, 2, 3]);
  });

  it('copies unaligned Node Buffers correctly (Buffer#slice is a view)', () => {
    const b = Block.from(new Float64Array([1.5, -2, 3]));
    const pool = Buffer.alloc(b.byteLength + 3);
    const shifted = pool.subarray(3);
    shifted.set(b.bytes);
    expect(Array.from(Block.fromTrusted(shifted).values() as Float64Array)).toEqual([1.5, -2, 3]);
    expect(Array.from(Block.decode(shifted).values() as Float64Array)).toEqual([1.5, -2, 3]);
  });

  it('refuses stored bytes that are not a block', () => {
    expect(codeOf(() => Block.fromTrusted(new Uint8Array(200)))).toBe('BLOCK_MALFORMED');
    expect(codeOf(() => Block.fromTrusted(Block.from(1).bytes.subarray(0, 100)))).toBe('BLOCK_MALFORMED');
  });

  it('keeps the float64 NA distinct from other NaNs', () => {
    const b = Block.create({ type: 'float64', data: [NaN, null, 1] });
    expect(b.isNA(0)).toBe(false);
    expect(b.isNA(1)).toBe(true);
    expect(Number.isNaN(b.get(0))).toBe(true);
    expect(b.get(1)).toBeNull();
    const view = new DataView(b.bytes.buffer, b.bytes.byteOffset + HEADER_BYTES + 8, 8);
    expect(view.getBigUint64(0, true)).toBe(0x7ff00000000007a2n);
  });

  it('treats the integer sentinels in typed arrays as NA and refuses them as plain values', () => {
    const b = Block.from(new Int32Array([NA_INT32, 5]));
    expect(b.hasNA).toBe(true);
    expect(b.toJS()).toEqual([null, 5]);
    expect(Block.create({ type: 'int64', data: new BigInt64Array([NA_INT64]) }).toJS()).toEqual([null]);
    expect(codeOf(() => Block.create({ type: 'int64', data: [NA_INT64] }))).toBe('BLOCK_INVALID');
  });

  it('keeps NA strings distinct from empty strings', () => {
    const b = Block.from(['', null, 'ü', '']);
    expect(b.strings()).toEqual(['', null, 'ü', '']);
    expect(b.isNA(0)).toBe(false);
    expect(b.isNA(1)).toBe(true);
  });

  it('holds ordered and unordered factors with level labels', () => {
    const f = Block.create({ type: 'factor', data: ['b', 'a', null, 'b'] });
    expect(f.levels()).toEqual(['a', 'b']);
    expect(Array.from(f.values())).toEqual([1, 0, NA_INT32, 1]);
    expect(f.ordered).toBe(false);
    const g = Block.create({ type: 'factor', data: [2, 0], levels: ['low', 'mid', 'high'], ordered: true });
    expect(g.ordered).toBe(true);
    expect(g.strings()).toEqual(['high', 'low']);
    expect(codeOf(() => Block.create({ type: 'factor', data: ['x'], levels: ['a'] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'factor', data: [3], levels: ['a'] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'factor', data: [], levels: ['a', 'a'] }))).toBe('BLOCK_INVALID');
  });

  it('stores shapes of rank 0 to 6 in row-major order', () => {
    expect(Block.from(7).shape).toEqual([]);
    expect(Block.from(7).toJS()).toBe(7);
    const m = Block.from([[1, 2, 3], [4, 5, 6]], { type: 'int32' });
    expect(m.shape).toEqual([2, 3]);
    expect(m.is('int32') && Array.from(m.values())).toEqual([1, 2, 3, 4, 5, 6]);
    const six = Block.create({ type: 'uint8', shape: [1, 2, 1, 2, 1, 2], data: new Uint8Array(8) });
    expect(six.rank).toBe(6);
    expect(codeOf(() => Block.create({ type: 'uint8', shape: [1, 1, 1, 1, 1, 1, 1], data: [0] }))).toBe('BLOCK_RANK_EXCEEDED');
    expect(codeOf(() => Block.from([[1, 2], [3]]))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', shape: [2, 2], data: [1, 2, 3] }))).toBe('BLOCK_INVALID');
    expect(Block.create({ type: 'int32', shape: [3, 0], data: [] }).toJS()).toEqual([[], [], []]);
  });

  it('stores files with a MIME type, URL and language', () => {
    const html = new TextEncoder().encode('<p>hello</p>');
    const f = Block.file(html, 'text/html; charset=utf-8', { url: '/index.html', language: 'en' });
    expect(f.type).toBe('bytes');
    expect(f.mime).toBe('text/html; charset=utf-8');
    expect(f.url).toBe('/index.html');
    expect(f.language).toBe('en');
    expect(f.attribute(ATTR.URL)).toBe('/index.html');
    expect(Buffer.from(f.data()).equals(Buffer.from(html))).toBe(true);
  });

  it('orders attributes by code and rejects bad ones', () => {
    const b = Block.create({ type: 'bool', data: [true], attributes: { 5000: 'user', mime: 'x/y', 1000: 'first' } });
    expect([...b.attributes.keys()]).toEqual([ATTR.MIME, 1000, 5000]);
    expect(b.attribute(1000)).toBe('first');
    expect(codeOf(() => Block.create({ type: 'bool', data: [], attributes: { nope: 'x' } }))).toBe('BLOCK_ATTRIBUTE_INVALID');
    expect(codeOf(() => Block.create({ type: 'bool', data: [], attributes: { 0: 'x' } }))).toBe('BLOCK_ATTRIBUTE_INVALID');
    expect(codeOf(() => Block.create({ type: 'bool', data: [], attributes: { mime: 'a', 2: 'b' } }))).toBe('BLOCK_ATTRIBUTE_INVALID');
  });

  it('nests named blocks in tuples and reads them back', () => {
    const t = Block.tuple([
      ['x', Block.from([1, 2])],
      ['label', Block.from(['a', 'b'])],
    ]);
    const items = Block.decode(t.bytes).items();
    expect([...items.keys()]).toEqual(['x', 'label']);
    expect(items.get('label')?.strings()).toEqual(['a', 'b']);
    expect(t.toJS()).toEqual({ x: [1, 2], label: ['a', 'b'] });
    expect(codeOf(() => Block.tuple([['a', Block.from(1)], ['a', Block.from(2)]]))).toBe('BLOCK_INVALID');
  });

  it('rejects values a cell type cannot hold', () => {
    expect(codeOf(() => Block.create({ type: 'uint8', data: [256] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'uint8', data: [null] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', data: [1.5] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'bool', data: new Uint8Array([2]) }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'string', data: ['\ud800'] }))).toBe('BLOCK_STRING_INVALID');
    expect(codeOf(() => Block.create({ type: 'nope' as 'bool', data: [] }))).toBe('BLOCK_TYPE_UNKNOWN');
    expect(codeOf(() => Block.from([1, 'a']))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.from([null]))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', shape: [100000, 0], data: [] }))).toBe('BLOCK_INVALID');
  });

  it('refuses typed reads that do not fit the cell type', () => {
    expect(codeOf(() => Block.from(['a']).values())).toBe('BLOCK_TYPE_MISMATCH');
    expect(codeOf(() => Block.from([1]).levels())).toBe('BLOCK_TYPE_MISMATCH');
    expect(codeOf(() => Block.from([1]).items())).toBe('BLOCK_TYPE_MISMATCH');
    expect(codeOf(() => Block.from([1]).get(1))).toBe('ARGUMENT_INVALID');
  });

  it('detects a tampered byte through its hash', () => {
    const b = Block.from([1, 2, 3]);
    const bad = b.bytes.slice();
    bad[HEADER_BYTES] = bad[HEADER_BYTES]! ^ 1;
    expect(Block.fromTrusted(bad).verify()).toBe(false);
    expect(codeOf(() => Block.decode(bad))).toBe('BLOCK_MALFORMED');
    expect(Block.decode(bad, { verifyHash: false }).toJS()).not.toEqual(b.toJS());
  });

  it('converts Dates to microsecond times', () => {
    const t = Block.create({ type: 'time', data: [new Date('2024-05-06T07:08:09.010Z')] });
    expect(t.get(0)).toBe(BigInt(Date.UTC(2024, 4, 6, 7, 8, 9, 10)) * 1000n);
  });

  it('gives time cells back as Dates and ISO-8601 text', () => {
    const at = Date.UTC(2024, 1, 29, 12, 0, 0, 5);
    const t = Block.create({ type: 'time', shape: [2, 2], data: [BigInt(at) * 1000n + 999n, null, -1n, 0n] });
    expect(t.dates()).toEqual([new Date(at), null, new Date(-1), new Date(0)]);
    expect(t.isoTimes()).toEqual(['2024-02-29T12:00:00.005999Z', null, '1969-12-31T23:59:59.999999Z', '1970-01-01T00:00:00.000000Z']);
    const far = Block.create({ type: 'time', data: [2n ** 63n - 1n] });
    expect(Number.isNaN(far.dates()[0]?.getTime())).toBe(true);
    expect(far.isoTimes()).toEqual([(2n ** 63n - 1n).toString()]);
    expect(Block.create({ type: 'time', data: [] }).dates()).toEqual([]);
    expect(codeOf(() => Block.from([1n]).dates())).toBe('BLOCK_TYPE_MISMATCH');
    expect(codeOf(() => Block.from(['2024-01-01']).isoTimes())).toBe('BLOCK_TYPE_MISMATCH');
  });

  it('creates blocks from nested arrays, the nesting giving the shape', () => {
    const nested = Block.create({ type: 'int32', data: [[1, 2], [3, null]] });
    expect(nested.shape).toEqual([2, 2]);
    expect(nested.equals(Block.create({ type: 'int32', shape: [2, 2], data: [1, 2, 3, null] }))).toBe(true);
    expect(nested.equals(Block.from([[1, 2], [3, null]], { type: 'int32' }))).toBe(true);
    expect(Block.create({ type: 'int32', shape: [2, 2], data: [[1, 2], [3, 4]] }).shape).toEqual([2, 2]);
    expect(Block.create({ type: 'string', data: [['a'], [null]] }).toJS()).toEqual([['a'], [null]]);
    expect(Block.create({ type: 'factor', data: [['x', 'y']], levels: ['y', 'x'] }).strings()).toEqual(['x', 'y']);
    expect(Block.create({ type: 'float64', shape: [2, 0, 3], data: [[], []] }).shape).toEqual([2, 0, 3]);
    expect(Block.create({ type: 'float64', data: [[], []] }).shape).toEqual([2, 0]);
    expect(codeOf(() => Block.create({ type: 'int32', data: [[1, 2], [3]] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', data: [[1, 2], 3] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', data: [1, [2]] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', shape: [4], data: [[1, 2], [3, 4]] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', shape: [1, 2, 2], data: [[1, 2], [3, 4]] }))).toBe('BLOCK_INVALID');
    expect(codeOf(() => Block.create({ type: 'int32', data: [[[[[[[1]]]]]]] }))).toBe('BLOCK_RANK_EXCEEDED');
  });
});
