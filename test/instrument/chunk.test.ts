// The chunk format: round trips, header facts, and damaged or hostile bytes that must give
// CHUNK_MALFORMED (never another error, never a crash).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, readChunkHead, summarize } from '../../src/instrument/chunk.js';
import { KeeprError } from '../../src/errors.js';
import { bitsOf, NA_F64 } from './instrument-suite.js';
import { CHUNK_VECTORS, chunkHex } from './chunk-vectors.js';

function sampleChunk(): Uint8Array {
  const times = BigInt64Array.from([10n, 20n, 30n, 45n]);
  return encodeChunk('float64', 'time', times, Float64Array.from([1.5, NA_F64, -2, 7.25]));
}

/** Decodes bytes as a float64 time chunk; returns 'ok' or the error code. */
function attempt(bytes: Uint8Array): string {
  try {
    const head = readChunkHead(bytes, 'time');
    decodeChunk('float64', 'time', bytes, head);
    return 'ok';
  } catch (err) {
    if (err instanceof KeeprError) return err.code;
    throw err;
  }
}

describe('instrument chunks', () => {
  it('round-trip times, values and a summary that skips NA', () => {
    const bytes = sampleChunk();
    const head = readChunkHead(bytes, 'time');
    expect(head).toMatchObject({ count: 4, first: 10n, last: 45n });
    expect(head.summary).toEqual({ values: 3, min: -2, max: 7.25, sum: 6.75, first: 1.5, last: 7.25, minAt: 30n, maxAt: 45n, firstAt: 10n, lastAt: 45n });
    const { index, values } = decodeChunk('float64', 'time', bytes, head);
    expect([...(index as BigInt64Array)]).toEqual([10n, 20n, 30n, 45n]);
    expect(bitsOf(values as Float64Array)).toBe(bitsOf([1.5, NA_F64, -2, 7.25]));
  });

  it('keyed chunks carry no summary and refuse to be read as time chunks', () => {
    const keys = [Uint8Array.of(1), Uint8Array.of(1, 2), Uint8Array.of(9)];
    const bytes = encodeChunk('string', 'key', keys, ['a', null, '']);
    const head = readChunkHead(bytes, 'key');
    expect(head.summary).toBeUndefined();
    expect(decodeChunk('string', 'key', bytes, head).values).toEqual(['a', null, '']);
    expect(attempt(bytes)).toBe('CHUNK_MALFORMED');
  });

  it('summaries of an all-NA chunk count nothing', () => {
    expect(summarize('float64', BigInt64Array.of(1n), Float64Array.of(NA_F64))?.values).toBe(0);
    expect(summarize('string', BigInt64Array.of(1n), ['x'])).toBeUndefined();
  });

  it('truncated, bit-flipped and random bytes give CHUNK_MALFORMED or a valid decode, nothing else', () => {
    const good = sampleChunk();
    for (let n = 0; n < good.length; n++) expect(attempt(good.subarray(0, n))).toBe('CHUNK_MALFORMED');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const bad = good.slice();
        bad[at]! ^= 1 << bit;
        expect(['ok', 'CHUNK_MALFORMED']).toContain(attempt(bad));
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(['ok', 'CHUNK_MALFORMED']).toContain(attempt(Uint8Array.of(0x4b, 0x49, 1, 2, ...bytes)));
        expect(['ok', 'CHUNK_MALFORMED']).toContain(attempt(bytes));
      }),
      { numRuns: 400 },
    );
  });
});

describe('golden chunks', () => {
  it('encode to the committed bytes and decode back to their inputs', () => {
    const golden = JSON.parse(readFileSync(new URL('../fixtures/instrument-chunks.json', import.meta.url), 'utf8')) as { name: string; hex: string }[];
    expect(golden.map((g) => g.name)).toEqual(CHUNK_VECTORS.map((v) => v.name));
    for (const [i, v] of CHUNK_VECTORS.entries()) {
      expect(chunkHex(v), v.name).toBe(golden[i]!.hex);
      const { index, values } = decodeChunk(v.type, v.kind, Buffer.from(golden[i]!.hex, 'hex'));
      expect(index, v.name).toEqual(v.index);
      expect(values instanceof Float64Array ? bitsOf(values) : values, v.name).toEqual(v.values instanceof Float64Array ? bitsOf(v.values) : v.values);
    }
  });
});
