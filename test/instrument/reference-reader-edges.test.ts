import { describe, expect, it } from 'vitest';
import { decodeKeys, decodeTimes, decodeValues } from '../../src/instrument/codec/index.js';
import type { InstrumentType } from '../../src/instrument/instrument-types.js';
import { RefMalformed, fromTypedColumn, refDecodeKeys, refDecodeTimes, refDecodeValues } from './reference-reader.js';

// Hand-made streams at the corners the docs spell out (docs/instrument-codecs.md,
// docs/instruments.md "Chunk format"): both decoders must give the stated outcome.

const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/ /g, ''), 'hex'));
const show = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

/** 'malformed', or the decoded column shown as JSON (floats as bit patterns, NA as null). */
function outcome(f: () => unknown): string {
  try {
    return show(f());
  } catch (e) {
    if (e instanceof RefMalformed || (e as { code?: string }).code === 'CHUNK_MALFORMED') return 'malformed';
    throw e;
  }
}

// [what, type ('times' and 'keys' for those streams), hex, count, expected: 'malformed' or 'decodes']
const CASES: readonly (readonly [string, string, string, number, 'malformed' | 'decodes'])[] = [
  ['non-minimal uvarint (80 00)', 'int32', '03 00 80 00', 1, 'decodes'],
  ['non-minimal svarint continuation', 'int32', '01 80 00 00', 1, 'decodes'],
  ['uvarint of 2^53', 'int32', '03 00 80 80 80 80 80 80 80 10', 1, 'malformed'],
  ['svarint magnitude 2^53', 'int32', '01 80 80 80 80 80 80 80 80 02 00', 1, 'malformed'],
  ['svarint64 of 9 groups', 'int64', '04 80 80 80 80 80 80 80 80 80 01 00', 1, 'decodes'],
  ['svarint64 of 10 groups', 'int64', '04 80 80 80 80 80 80 80 80 80 80 00 00', 1, 'malformed'],
  ['svarint64 magnitude 2^64', 'int64', '04 80 80 80 80 80 80 80 80 80 04 00', 1, 'malformed'],
  ['svarint64 negative zero', 'int64', '04 01 00', 1, 'malformed'],
  ['for-bitpack-64 on uint64', 'uint64', '04 00 00', 1, 'decodes'],
  ['for-bitpack-64 on int32', 'int32', '04 02 00', 1, 'malformed'],
  ['NA flag on uint64', 'uint64', '84 01 00 00 00', 1, 'malformed'],
  ['NA flag with an empty list', 'int32', '81 00 00 00', 1, 'malformed'],
  ['NA flag on a times stream', 'times', '81 01 00 00 00', 1, 'decodes'],
  ['raw times stream', 'times', '00 0100000000000000', 1, 'decodes'],
  ['rle with no runs for no values', 'int32', '09 00', 0, 'malformed'],
  ['for-bitpack with no values', 'int32', '01 00 00', 0, 'decodes'],
  ['rle nesting rle', 'int32', '09 01 09 01 01 02 00 01 02 00 01 02 00', 1, 'malformed'],
  ['rle nesting huffman', 'int32', '09 02 0a 00 02 01 00 01 02 01 02 00 01 02 01 02 00', 2, 'decodes'],
  ['huffman nesting huffman', 'int32', '0a 00 02 0a 00 02 01 00 01 02 01 02 00 01 02 01 02 00 01 02', 2, 'malformed'],
  ['huffman with repeated symbols', 'int32', '0a 00 02 01 00 00 01 02 00 01 02', 2, 'decodes'],
  ['huffman incomplete code, unused bits pattern', 'int32', '0a 00 02 01 00 01 02 01 04 00 01 03', 2, 'malformed'],
  ['huffman Kraft over-subscribed', 'int32', '0a 00 03 01 00 02 24 01 02 00 01 00', 3, 'malformed'],
  ['huffman payload one byte too long', 'int32', '0a 00 02 01 00 01 02 01 02 00 02 02 00', 2, 'malformed'],
  ['alp with huffman integers', 'float64', '05 00 00 0a 00 02 01 00 01 02 01 02 00 01 02', 2, 'decodes'],
  ['alp with for-bitpack-64 integers', 'float64', '05 00 00 04 02 00', 1, 'malformed'],
  ['alp with NA-flagged integers', 'float64', '05 00 00 81 01 00 00 00', 1, 'malformed'],
  ['alp e = 22', 'float64', '05 2c 00 01 0e 00', 1, 'decodes'],
  ['alp e = -22', 'float64', '05 2d 00 01 06 00', 1, 'decodes'],
  ['alp e = 23', 'float64', '05 2e 00 01 02 00', 1, 'malformed'],
  ['alp on float32, 4-byte exception', 'float32', '05 00 01 00 0000c07f 01 00 00', 1, 'decodes'],
  ['alp-float32 on float32', 'float32', '0b 00 00 01 00 00', 1, 'malformed'],
  ['alp-float32, 8-byte exception', 'float64', '0b 00 01 00 01000000 0000f87f 01 00 00', 1, 'decodes'],
  ['xor with no values and a byte', 'float64', '06 00', 0, 'malformed'],
  ['xor centre length 0', 'float64', '06 0000000000000000 01 00', 2, 'malformed'],
  ['bool codes by rle', 'bool', '07 09 01 01 02 00 01 02 00', 1, 'decodes'],
  ['bool code 3', 'bool', '07 01 06 00', 1, 'malformed'],
  ['raw bool byte 7', 'bool', '00 07', 1, 'decodes'],
  ['dict codes by huffman', 'string', '08 04 01 61 01 62 0a 00 02 01 00 01 02 01 02 00 01 02', 2, 'decodes'],
  ['dict codes by for-bitpack-64', 'string', '08 02 01 61 04 00 00', 1, 'malformed'],
  ['dict negative code', 'string', '08 00 01 fd 00 00', 1, 'malformed'],
  ['dict NA code without the NA bit', 'string', '08 02 01 61 01 02 00', 1, 'malformed'],
  ['dict repeated entries', 'string', '08 04 01 61 01 61 01 00 00', 1, 'decodes'],
  ['dict entry with a byte order mark', 'string', '08 02 03 efbbbf 01 00 00', 1, 'decodes'],
  ['dict entry with an encoded surrogate', 'string', '08 02 03 eda080 01 00 00', 1, 'malformed'],
  ['empty first key', 'keys', '00 00', 1, 'decodes'],
  ['empty second key', 'keys', '00 01 61 01 00', 2, 'malformed'],
  ['count 2^24 + 1', 'int32', '01 00 00', 2 ** 24 + 1, 'malformed'],
];

describe('reference reader: documented corner cases, both decoders alike', () => {
  it.each(CASES.map((c) => [c[0], c] as const))('%s', (_, [, type, h, n, expected]) => {
    const bytes = unhex(h);
    let ref: string;
    let real: string;
    if (type === 'times') {
      ref = outcome(() => refDecodeTimes(bytes, n));
      real = outcome(() => [...decodeTimes(bytes, n)]);
    } else if (type === 'keys') {
      ref = outcome(() => refDecodeKeys(bytes, n).map((k) => Buffer.from(k).toString('hex')));
      real = outcome(() => decodeKeys(bytes, n).map((k) => Buffer.from(k).toString('hex')));
    } else {
      ref = outcome(() => refDecodeValues(type, bytes, n));
      real = outcome(() => fromTypedColumn(type, decodeValues(type as InstrumentType, bytes, n)));
    }
    expect(ref === 'malformed' ? 'malformed' : 'decodes').toBe(expected);
    expect(real).toBe(ref);
  });
});
