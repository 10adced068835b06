/**
 * The Gorilla reference encoder of W7 (bench/lib/gorilla.ts): its streams decode back to the
 * input bit for bit, so the sizes the bench reports are those of real, decodable encodings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, gorillaTimes, gorillaValues, ungorillaTimes, ungorillaValues } from '../../bench/lib/gorilla.js';

/** The bytes of a float64 array, so NaN payloads and −0 compare exactly. */
function bytesOf(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

const NA = new Float64Array(new BigUint64Array([0x7ff00000000007a2n]).buffer)[0]!;

describe('Gorilla reference encoder (W7)', () => {
  it('bit writer and reader agree on any sequence of 0- to 32-bit fields', () => {
    const field = fc.integer({ min: 0, max: 32 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: 2 ** 32 - 1 })));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 200 }), (fields) => {
        const out = new BitWriter();
        for (const [n, v] of fields) out.write(v, n);
        expect(out.bits).toBe(fields.reduce((a, [n]) => a + n, 0));
        const input = new BitReader(out.finish());
        for (const [n, v] of fields) expect(input.read(n)).toBe(n === 0 ? 0 : v % 2 ** n);
      }),
    );
  });

  it('values round-trip bit for bit (NaN payloads, NA, −0, ±Inf, extremes)', () => {
    const special = fc.constantFrom(NA, NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE);
    const value = fc.oneof(fc.double(), special, fc.integer({ min: -1000, max: 1000 }).map((c) => c / 100));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), (list) => {
        const values = Float64Array.from(list);
        const { bits, words } = gorillaValues(values);
        expect(words.length).toBe(Math.ceil(bits / 32));
        expect(bytesOf(ungorillaValues(words, values.length))).toEqual(bytesOf(values));
      }),
    );
  });

  it('random 64-bit patterns (any NaN payload) round-trip', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 200 }), (patterns) => {
        const values = new Float64Array(BigUint64Array.from(patterns).buffer);
        expect(bytesOf(ungorillaValues(gorillaValues(values).words, values.length))).toEqual(bytesOf(values));
      }),
    );
  });

  it('follows the paper on known inputs: one bit per repeated value, the window reused', () => {
    expect(gorillaValues(new Float64Array(0)).bits).toBe(0);
    expect(gorillaValues(new Float64Array(1000).fill(12.5)).bits).toBe(64 + 999);
    // 1 → 2 flips bits 52 and 62 (first XOR: `11` + 5 + 6 + 11 meaningful bits); 2 → 1 flips
    // the same bits, inside that window: `10` + 11 bits.
    expect(gorillaValues(Float64Array.from([1, 2, 1])).bits).toBe(64 + (2 + 5 + 6 + 11) + (2 + 11));
  });

  it('times round-trip bit for bit (sorted, random, negative, int64 extremes)', () => {
    const time = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    const small = fc.bigInt({ min: -5_000_000n, max: 5_000_000n });
    fc.assert(
      fc.property(fc.array(fc.oneof(time, small), { maxLength: 200 }), fc.boolean(), (list, sorted) => {
        const times = BigInt64Array.from(list);
        if (sorted) times.sort();
        expect(ungorillaTimes(gorillaTimes(times).words, times.length)).toEqual(times);
      }),
    );
  });

  it('costs one bit per time of a regular series after the first two', () => {
    const times = BigInt64Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000_000n + BigInt(i) * 1_000_000n);
    // First time raw; first delta (1 s = 1e6 µs) fits the 32-bit bucket; then dod 0 each.
    expect(gorillaTimes(times).bits).toBe(64 + 5 + 32 + 998);
    const bucketEdges = BigInt64Array.from([0n, 64n, 1n, 257n, 2n, 2050n, -1_000_000_000_000n]);
    expect(ungorillaTimes(gorillaTimes(bucketEdges).words, bucketEdges.length)).toEqual(bucketEdges);
  });
});
