import { describe, expect, it } from 'vitest';
import { Block, blockInitFromJSON, blockToJSON, formatTime, parseTime } from '../../src/block/index.js';
import { codeOf } from '../helpers/error-code.js';

const fromJSON = (json: unknown): Block => Block.create(blockInitFromJSON(json));

describe('block JSON view', () => {
  it('infers blocks from bare JSON values', () => {
    expect(fromJSON([1, 2.5]).type).toBe('float64');
    expect(fromJSON([[true], [null]]).shape).toEqual([2, 1]);
    expect(fromJSON('hi').toJS()).toBe('hi');
  });

  it('reads the explicit form with shape given or nested', () => {
    const flat = fromJSON({ type: 'int32', shape: [2, 2], data: [1, 2, 3, 4] });
    const nested = fromJSON({ type: 'int32', data: [[1, 2], [3, 4]] });
    expect(flat.equals(nested)).toBe(true);
  });

  it('carries 64-bit integers as decimal strings and floats losslessly', () => {
    const b = fromJSON({ type: 'int64', data: ['-9223372036854775807', '9223372036854775807', null] });
    expect(blockToJSON(b).data).toEqual(['-9223372036854775807', '9223372036854775807', null]);
    const f = fromJSON({ type: 'float64', data: ['NaN', 'Infinity', '-Infinity', 5e-324, null] });
    expect(blockToJSON(f).data).toEqual(['NaN', 'Infinity', '-Infinity', 5e-324, null]);
  });

  it('writes times as ISO-8601 with microseconds and reads offsets', () => {
    expect(formatTime(1n)).toBe('1970-01-01T00:00:00.000001Z');
    expect(formatTime(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(parseTime('2024-01-01T02:00:00.5+02:00')).toBe(BigInt(Date.UTC(2024, 0, 1)) * 1000n + 500_000n);
    const year99 = new Date(0);
    year99.setUTCFullYear(99, 0, 1);
    expect(parseTime('0099-01-01T00:00:00Z')).toBe(BigInt(year99.getTime()) * 1000n);
    expect(formatTime(parseTime('0099-01-01T00:00:00Z'))).toBe('0099-01-01T00:00:00.000000Z');
    expect(formatTime(-(2n ** 62n))).toBe((-(2n ** 62n)).toString());
    expect(codeOf(() => parseTime('2024-02-30T00:00:00Z'))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => parseTime('yesterday'))).toBe('BLOCK_JSON_INVALID');
  });

  it('round-trips factors, files and tuples', () => {
    const t = Block.tuple({
      f: Block.create({ type: 'factor', data: ['a', null], ordered: true }),
      file: Block.file(new Uint8Array([0, 1, 2, 255]), 'application/octet-stream', { filename: 'x.bin' }),
    });
    const again = fromJSON(JSON.parse(JSON.stringify(blockToJSON(t))));
    expect(again.equals(t)).toBe(true);
  });

  it('rejects documents that do not describe a block', () => {
    expect(codeOf(() => fromJSON({ type: 'int32', data: [1], extra: 1 }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int33', data: [1] }))).toBe('BLOCK_TYPE_UNKNOWN');
    expect(codeOf(() => fromJSON({ type: 'int32' }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ type: 'bytes', data: '***' }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int64', data: ['1.5'] }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ type: 'tuple', items: [{ block: {} }] }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int32', data: [1], attributes: { mime: 5 } }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ a: 1 }))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON(null))).toBe('BLOCK_JSON_INVALID');
    expect(codeOf(() => fromJSON({ type: 'int32', shape: 'x', data: [] }))).toBe('BLOCK_JSON_INVALID');
  });
});
