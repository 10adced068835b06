import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKeys, decodeTimes, decodeValues, encodeKeys, encodeTimes, encodeValues, valueCodecName } from '../../../src/instrument/codec/index.js';
import { INSTRUMENT_TYPES, type InstrumentType } from '../../../src/instrument/instrument-types.js';
import { KeeprError } from '../../../src/errors.js';
import { codeOf } from '../../helpers/error-code.js';
import { anyColumn, sortedKeys } from './codec-arbitraries.js';

/** Runs a decode on untrusted bytes: a value or CHUNK_MALFORMED, nothing else. */
function decodesOrMalformed(decode: () => unknown): void {
  try {
    decode();
  } catch (err) {
    if (!(err instanceof KeeprError) || err.code !== 'CHUNK_MALFORMED') throw err;
  }
}

const anyType = fc.constantFrom(...INSTRUMENT_TYPES);
const codecIds = fc.integer({ min: 0, max: 255 });

/** Random bytes, often starting with a real codec id so the decoders get past the first byte. */
const junk = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.integer({ min: 0, max: 11 }), fc.boolean(), fc.uint8Array({ maxLength: 200 })).map(([id, na, rest]) => Uint8Array.of(id | (na ? 0x80 : 0), ...rest)),
  fc.tuple(codecIds, fc.array(fc.constantFrom(0, 1, 2, 3, 9, 10, 0x7f, 0x80, 0xff), { maxLength: 40 })).map(([id, rest]) => Uint8Array.of(id, ...rest)),
);

/** Damages an encoding: cut it short, flip a bit, or both. */
function damage(bytes: Uint8Array, cut: number, flip: number, mode: number): Uint8Array {
  const out = bytes.slice();
  if (mode !== 1 && out.length > 0) out[flip % out.length]! ^= 1 << (flip % 8);
  return mode === 0 ? out : out.subarray(0, cut % (out.length + 1));
}

describe('instrument codecs: untrusted bytes give a value or CHUNK_MALFORMED', () => {
  it('random bytes, any type, any count', () => {
    fc.assert(
      fc.property(anyType, junk, fc.nat({ max: 3000 }), (type: InstrumentType, bytes, count) => {
        decodesOrMalformed(() => decodeValues(type, bytes, count));
        decodesOrMalformed(() => decodeTimes(bytes, count));
        decodesOrMalformed(() => decodeKeys(bytes, count));
      }),
      { numRuns: 3000 },
    );
  });

  it('truncated and bit-flipped encodings of valid columns', () => {
    fc.assert(
      fc.property(anyColumn, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: -2, max: 2 }), ({ type, values }, cut, flip, mode, dn) => {
        const bytes = encodeValues(type, values);
        const count = Math.max(0, values.length + dn);
        decodesOrMalformed(() => decodeValues(type, damage(bytes, cut, flip, mode), values.length));
        decodesOrMalformed(() => decodeValues(type, bytes, count));
      }),
      { numRuns: 1500 },
    );
  });

  it('truncated and bit-flipped times and keys', () => {
    fc.assert(
      fc.property(anyColumn, sortedKeys, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 }), (column, keys, cut, flip, mode) => {
        if (column.values instanceof BigInt64Array) {
          const t = encodeTimes(column.values);
          decodesOrMalformed(() => decodeTimes(damage(t, cut, flip, mode), column.values.length));
        }
        const k = encodeKeys(keys);
        decodesOrMalformed(() => decodeKeys(damage(k, cut, flip, mode), keys.length));
      }),
      { numRuns: 1000 },
    );
  });

  it('every bit flip of small encodings', () => {
    const columns: [InstrumentType, unknown][] = [
      ['float64', Float64Array.from([1.5, 2.25, NaN, -0, 3.125, 1e300])],
      ['float64', Float64Array.from({ length: 40 }, (_, i) => Math.sin(i))],
      ['float32', Float32Array.from([1.5, 2.5, 3.5, Infinity])],
      ['int32', Int32Array.from([1, 5, 9, -0x80000000, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2])],
      ['int64', BigInt64Array.from([2n ** 62n, -(2n ** 63n), 5n, 9n])],
      ['time', BigInt64Array.from({ length: 30 }, (_, i) => BigInt(i * i) * 1000n)],
      ['bool', Uint8Array.from([0, 1, 255, 1, 1, 1, 1, 0, 0, 0, 0, 0])],
      ['string', ['a', null, '', 'é', 'a', 'a']],
      ['int16', Int16Array.from({ length: 64 }, (_, i) => (i % 7 === 0 ? 300 : 0))],
    ];
    for (const [type, values] of columns) {
      const bytes = encodeValues(type, values as never);
      const count = (values as { length: number }).length;
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const bad = bytes.slice();
        bad[bit >>> 3]! ^= 1 << (bit & 7);
        decodesOrMalformed(() => decodeValues(type, bad, count));
      }
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(codeOf(() => decodeValues(type, bytes.subarray(0, cut), count)), `${type} ${valueCodecName(bytes)} cut ${cut}`).toBe('CHUNK_MALFORMED');
      }
    }
  });

  it('counts out of range are CHUNK_MALFORMED before anything is allocated', () => {
    const bytes = encodeValues('float64', new Float64Array(4));
    for (const count of [-1, 1.5, NaN, Infinity, 2 ** 24 + 1, 2 ** 40]) {
      expect(codeOf(() => decodeValues('float64', bytes, count))).toBe('CHUNK_MALFORMED');
      expect(codeOf(() => decodeTimes(bytes, count))).toBe('CHUNK_MALFORMED');
      expect(codeOf(() => decodeKeys(bytes, count))).toBe('CHUNK_MALFORMED');
    }
    // A huge count against a few bytes of a bit-packed or XOR stream is refused by size.
    expect(codeOf(() => decodeValues('float64', Uint8Array.of(6, 1, 2, 3, 4, 5, 6, 7, 8, 9), 2 ** 24))).toBe('CHUNK_MALFORMED');
    expect(codeOf(() => decodeValues('int32', Uint8Array.of(1, 0, 7, 1), 2 ** 24))).toBe('CHUNK_MALFORMED');
    expect(codeOf(() => valueCodecName(new Uint8Array(0)))).toBe('CHUNK_MALFORMED');
    expect(codeOf(() => valueCodecName(Uint8Array.of(200)))).toBe('CHUNK_MALFORMED');
  });
});
