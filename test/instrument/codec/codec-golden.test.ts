import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODEC_NAMES } from '../../../src/instrument/codec/int-stream.js';
import { decodeKeys, decodeTimes, decodeValues, encodeKeys, encodeTimes, encodeValues, valueCodecName } from '../../../src/instrument/codec/index.js';
import { sameColumn } from './codec-arbitraries.js';
import { inputColumn, type CodecVector } from './codec-vectors.js';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/instrument-codecs.json', import.meta.url), 'utf8')) as CodecVector[];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

describe('instrument codecs: golden vectors (test/fixtures/instrument-codecs.json)', () => {
  it('cover every codec id', () => {
    expect(new Set(vectors.map((v) => v.codec).filter((c) => c !== undefined))).toEqual(new Set(CODEC_NAMES));
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: encodes to the committed bytes and decodes back', (_, v) => {
    const column = inputColumn(v);
    const count = v.input.length;
    if (v.kind === 'keys') {
      const keys = column as Uint8Array[];
      expect(hex(encodeKeys(keys))).toBe(v.hex);
      expect(decodeKeys(unhex(v.hex), count).map(hex)).toEqual(keys.map(hex));
      return;
    }
    if (v.kind === 'times') {
      expect(hex(encodeTimes(column as BigInt64Array))).toBe(v.hex);
      expect(sameColumn(decodeTimes(unhex(v.hex), count), column)).toBe(true);
    } else {
      const type = v.type!;
      expect(hex(encodeValues(type, column as never))).toBe(v.hex);
      expect(sameColumn(decodeValues(type, unhex(v.hex), count), column)).toBe(true);
    }
    expect(valueCodecName(unhex(v.hex))).toBe(v.codec);
  });
});
