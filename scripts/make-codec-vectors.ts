/**
 * Writes test/fixtures/instrument-codecs.json: golden vectors that pin the instrument codec
 * formats (docs/instrument-codecs.md), one or more per codec id. Run it only when a format
 * changes on purpose: the test suite compares fresh encodings with the committed file.
 */
import { writeFileSync } from 'node:fs';
import { encodeKeys, encodeTimes, encodeValues, valueCodecName } from '../src/instrument/codec/index.js';
import type { InstrumentType } from '../src/instrument/instrument-types.js';
import { inputJSON, type CodecVector } from '../test/instrument/codec/codec-vectors.js';

const f64 = (bits: bigint): number => new Float64Array(BigUint64Array.of(bits).buffer)[0]!;
const NA = 0x7ff00000000007a2n;
const withNA = (values: number[], at: number[]): Float64Array => {
  const out = Float64Array.from(values);
  const bits = new BigUint64Array(out.buffer);
  for (const i of at) bits[i] = NA;
  return out;
};
/** A fixed pseudo-random sequence (LCG), so the file never depends on Math.random. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}
const r = lcg(1);

const values: [string, InstrumentType, unknown][] = [
  ['float64 empty', 'float64', new Float64Array(0)],
  ['float64 raw (random bits)', 'float64', new Float64Array(BigUint64Array.of(0x0123456789abcdefn, 0xfedcba9876543210n, 0x7ff8dead0000beefn).buffer)],
  ['float64 alp two decimals', 'float64', Float64Array.from([12.34, 12.35, 12.31, 12.4, 12.42, 12.38, 12.5, 12.49])],
  ['float64 alp with NA, NaN payload, -0, ±Inf', 'float64', withNA([1.5, -0, 2.25, Infinity, -Infinity, f64(0x7ff80000deadbeefn), 3.75, 0, 4.5, 5, 5.25, 5.5, 5.75, 6, 6.25, 6.5, 6.75, 7, 7.25, 7.5], [2])],
  ['float64 alp negative exponent', 'float64', Float64Array.from([120000, 130000, 90000, 1000000, 110000])],
  ['float64 xor', 'float64', Float64Array.from({ length: 12 }, (_, i) => Math.sin(i) * 1000 + r())],
  ['float64 alp-float32', 'float64', Float64Array.from({ length: 24 }, (_, i) => Math.fround(Math.floor(i / 3) / 60))],
  ['float64 alp rle', 'float64', Float64Array.from({ length: 40 }, (_, i) => Math.floor(i / 10) * 0.5)],
  ['float32 alp', 'float32', Float32Array.from([0.1, 0.2, 0.3, 0.25, 1.5, -2.75])],
  ['float32 xor', 'float32', Float32Array.from({ length: 16 }, (_, i) => Math.exp(Math.floor(i / 4) / 3))],
  ['int32 for-bitpack', 'int32', Int32Array.from([7, 3, 9, 1, 4, 8, 2, 6, 5, 0])],
  ['int32 delta-bitpack', 'int32', Int32Array.from({ length: 12 }, (_, i) => 1000 + 7 * i + (i % 2))],
  ['int32 delta-runs', 'int32', Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 5 * i : 45 + 2 * (i - 9)))],
  ['int32 with NA', 'int32', Int32Array.from([4, -0x80000000, 6, 7, -0x80000000, 9])],
  ['int16 rle', 'int16', Int16Array.from({ length: 48 }, (_, i) => [3, -200, 17][Math.floor(i / 16)]!)],
  ['int16 huffman values', 'int16', Int16Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 250 + i : i % 4 === 0 ? 3 : 0))],
  ['int8 extremes', 'int8', Int8Array.from([-128, 127, 0, -1, 1])],
  ['uint8', 'uint8', Uint8Array.from([0, 255, 128, 1])],
  ['uint16', 'uint16', Uint16Array.from([65535, 0, 12345])],
  ['uint32', 'uint32', Uint32Array.from([4294967295, 0, 1, 2147483648])],
  ['int64 for-bitpack-64 with NA', 'int64', BigInt64Array.from({ length: 12 }, (_, i) => (i === 3 ? -(2n ** 63n) : 2n ** 62n + BigInt(i * i)))],
  ['uint64 for-bitpack-64', 'uint64', BigUint64Array.from({ length: 8 }, (_, i) => 2n ** 64n - 1n - BigInt(i))],
  ['int64 small', 'int64', BigInt64Array.from([-5n, 0n, 5n, 10n, 15n, 20n, 25n, 30n])],
  ['uint64 extremes', 'uint64', BigUint64Array.from([2n ** 64n - 1n, 0n, 2n ** 53n])],
  ['time column', 'time', BigInt64Array.from({ length: 6 }, (_, i) => 1_700_000_000_000_000n + BigInt(i) * 60_000_000n)],
  ['bool with NA', 'bool', Uint8Array.from({ length: 40 }, (_, i) => [0, 1, 255, 1][i % 4]!)],
  ['bool raw (a byte other than 0, 1, 255)', 'bool', Uint8Array.from([0, 1, 2])],
  ['string dict with NA and empty', 'string', ['red', null, '', 'green', 'red', 'héllo', null, '日本']],
  ['factor dict', 'factor', Array.from({ length: 20 }, (_, i) => (i < 12 ? 'low' : 'high'))],
  ['string empty', 'string', []],
];

const times: [string, BigInt64Array][] = [
  ['times empty', new BigInt64Array(0)],
  ['times regular hourly', BigInt64Array.from({ length: 24 }, (_, i) => 1_600_000_000_000_000n + BigInt(i) * 3_600_000_000n)],
  ['times with a gap', BigInt64Array.from({ length: 20 }, (_, i) => BigInt(i < 10 ? i : i + 5) * 60_000_000n)],
  ['times monthly (huffman deltas)', BigInt64Array.from({ length: 24 }, (_, i) => BigInt(Date.UTC(2000, i, 1)) * 1000n)],
  ['times irregular negative', BigInt64Array.from([-5_000_000n, -4_100_000n, -3_000_000n, -2_950_000n, 10n])],
  ['times int64 extremes', BigInt64Array.from([-(2n ** 63n) + 1n, 0n, 2n ** 63n - 1n])],
];

const keys: [string, Uint8Array[]][] = [
  ['keys empty', []],
  ['keys front-coded', ['apple', 'apricot', 'banana', 'band', 'bandana'].map((k) => Uint8Array.from(Buffer.from(k)))],
  ['keys binary', [Uint8Array.of(), Uint8Array.of(0), Uint8Array.of(0, 0), Uint8Array.of(0, 255), Uint8Array.of(1)]],
];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const vectors: CodecVector[] = [
  ...values.map(([name, type, column]): CodecVector => {
    const bytes = encodeValues(type, column as never);
    return { name, kind: 'values', type, input: inputJSON('values', type, column), codec: valueCodecName(bytes), hex: hex(bytes) };
  }),
  ...times.map(([name, t]): CodecVector => {
    const bytes = encodeTimes(t);
    return { name, kind: 'times', input: inputJSON('times', undefined, t), codec: valueCodecName(bytes), hex: hex(bytes) };
  }),
  ...keys.map(([name, k]): CodecVector => ({ name, kind: 'keys', input: inputJSON('keys', undefined, k), hex: hex(encodeKeys(k)) })),
];

writeFileSync(new URL('../test/fixtures/instrument-codecs.json', import.meta.url), `${JSON.stringify(vectors, null, 1)}\n`);
console.log(`wrote ${vectors.length} vectors: ${[...new Set(vectors.map((v) => v.codec).filter(Boolean))].join(', ')}`);
