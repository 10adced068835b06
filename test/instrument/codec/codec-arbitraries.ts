// fast-check arbitraries and bit-exact comparisons for the instrument codec tests.
import fc from 'fast-check';
import type { InstrumentType, InstrumentValuesMap } from '../../../src/instrument/instrument-types.js';

/** R's NA_real_ as float64 bits. */
export const NA_F64_BITS = 0x7ff00000000007a2n;

/** A double with the given bit pattern. */
export function f64FromBits(bits: bigint): number {
  return new Float64Array(new BigUint64Array([bits]).buffer)[0]!;
}

/** A Float64Array holding the NA payload at index i (set through bits so the payload survives). */
export function withNA(values: Float64Array, at: readonly number[]): Float64Array {
  const out = values.slice();
  const bits = new BigUint64Array(out.buffer);
  for (const i of at) bits[i] = NA_F64_BITS;
  return out;
}

/** The bytes of a typed array (for bit-exact comparison: NaN payloads and −0 count). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Whether two decoded columns are equal bit for bit (typed arrays) or item for item (strings). */
export function sameColumn(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor) return false;
    return Buffer.from(bytesOf(a)).equals(Buffer.from(bytesOf(b)));
  }
  return false;
}

/** Doubles of every kind: NaN (with payloads), ±0, ±Inf, subnormals, extremes. */
export const anyDouble = fc.oneof(
  fc.double(),
  fc.bigUint64Array({ minLength: 1, maxLength: 1 }).map((a) => f64FromBits(a[0]!)),
  fc.constantFrom(0, -0, Infinity, -Infinity, NaN, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, f64FromBits(NA_F64_BITS)),
);

/** Decimals with up to 4 digits after the point, the ALP case. */
export const decimal = fc.tuple(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 4 })).map(([n, e]) => n / 10 ** e);

/** Float64 columns: raw bit patterns mixed with decimals, runs and NA. */
export const float64Column = fc.oneof(
  fc.array(anyDouble, { maxLength: 300 }).map((a) => {
    // Keep NaN payloads: write bits, not values.
    const out = new Float64Array(a.length);
    a.forEach((x, i) => (out[i] = x));
    return out;
  }),
  fc.bigUint64Array({ maxLength: 300 }).map((b) => new Float64Array(b.buffer)),
  fc.array(decimal, { maxLength: 400 }).map((a) => Float64Array.from(a)),
  fc.tuple(fc.array(decimal, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 20 })).map(([a, na]) => withNA(Float64Array.from(a), na.filter((i) => i < a.length))),
  fc.tuple(decimal, fc.nat({ max: 2000 })).map(([x, n]) => new Float64Array(n).fill(x)),
  fc.array(fc.tuple(decimal, fc.integer({ min: 1, max: 50 })), { maxLength: 30 }).map((runs) => Float64Array.from(runs.flatMap(([x, k]) => Array<number>(k).fill(x)))),
);

/** Float32 columns, raw bit patterns included (NaN payloads, −0). */
export const float32Column = fc.oneof(
  fc.array(fc.float(), { maxLength: 300 }).map((a) => Float32Array.from(a)),
  fc.uint32Array({ maxLength: 300 }).map((u) => new Float32Array(u.buffer)),
  fc.array(decimal, { maxLength: 300 }).map((a) => Float32Array.from(a)),
);

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const smallStep = fc.bigInt({ min: -1_000_000n, max: 1_000_000n });

/** int64 / time columns: sorted, regular, random, extremes, NA. */
export const int64Column = fc.oneof(
  fc.array(int64, { maxLength: 200 }),
  fc.array(int64, { maxLength: 200 }).map((a) => a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))),
  fc.tuple(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), fc.bigInt({ min: 0n, max: 10n ** 10n }), fc.nat({ max: 2000 })).map(([start, step, n]) => Array.from({ length: n }, (_, i) => start + BigInt(i) * step)),
  fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 52n }), fc.array(smallStep, { maxLength: 300 })).map(([start, steps]) => {
    let t = start;
    return steps.map((s) => (t += s));
  }),
  fc.array(fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n), { maxLength: 50 }),
).map((a) => BigInt64Array.from(a));

/** Columns of every fixed-width integer type with their extremes and NA sentinels. */
export function intColumn(type: 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32'): fc.Arbitrary<InstrumentValuesMap[typeof type]> {
  const bits = Number(type.replace(/\D/g, ''));
  const signed = type.startsWith('int');
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const ctor = { int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array }[type];
  const item = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, 0), fc.integer({ min: -3, max: 3 }).map((x) => Math.max(min, x)));
  return fc
    .oneof(
      fc.array(item, { maxLength: 300 }),
      fc.tuple(item, fc.nat({ max: 1500 })).map(([x, n]) => Array<number>(n).fill(x)),
      fc.array(fc.tuple(item, fc.integer({ min: 1, max: 40 })), { maxLength: 30 }).map((runs) => runs.flatMap(([x, k]) => Array<number>(k).fill(x))),
    )
    .map((a) => ctor.from(a));
}

/** Strings, '' and NA (null). */
export const stringColumn = fc.oneof(
  fc.array(fc.oneof(fc.string(), fc.constant(null), fc.constant('')), { maxLength: 200 }),
  fc.array(fc.constantFrom('red', 'green', 'blue', null, '', 'héllo', '日本', '🎉'), { maxLength: 500 }),
  fc.tuple(fc.string(), fc.nat({ max: 1000 })).map(([s, n]) => Array<string | null>(n).fill(s)),
);

/** Bool columns: 0, 1 and NA (0xFF); sometimes other bytes. */
export const boolColumn = fc.oneof(
  fc.array(fc.constantFrom(0, 1, 0xff), { maxLength: 1500 }).map((a) => Uint8Array.from(a)),
  fc.array(fc.constantFrom(0, 1), { maxLength: 1500 }).map((a) => Uint8Array.from(a)),
  fc.uint8Array({ maxLength: 100 }),
);

/** A column of any type, paired with the type. */
export const anyColumn: fc.Arbitrary<{ type: InstrumentType; values: InstrumentValuesMap[InstrumentType] }> = fc.oneof(
  float64Column.map((values) => ({ type: 'float64' as const, values })),
  float32Column.map((values) => ({ type: 'float32' as const, values })),
  int64Column.map((values) => ({ type: 'int64' as const, values })),
  int64Column.map((values) => ({ type: 'time' as const, values })),
  int64Column.map((values) => ({ type: 'uint64' as const, values: new BigUint64Array(values.buffer) })),
  intColumn('int8').map((values) => ({ type: 'int8' as const, values })),
  intColumn('int16').map((values) => ({ type: 'int16' as const, values })),
  intColumn('int32').map((values) => ({ type: 'int32' as const, values })),
  intColumn('uint8').map((values) => ({ type: 'uint8' as const, values })),
  intColumn('uint16').map((values) => ({ type: 'uint16' as const, values })),
  intColumn('uint32').map((values) => ({ type: 'uint32' as const, values })),
  boolColumn.map((values) => ({ type: 'bool' as const, values })),
  stringColumn.map((values) => ({ type: 'string' as const, values })),
  stringColumn.map((values) => ({ type: 'factor' as const, values })),
);

/** Sorted distinct binary keys. */
export const sortedKeys = fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 100 }).map((keys) => {
  const sorted = keys.sort((a, b) => Buffer.compare(a, b));
  return sorted.filter((k, i) => i === 0 || Buffer.compare(sorted[i - 1]!, k) !== 0);
});
