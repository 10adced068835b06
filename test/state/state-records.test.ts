import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeeprError } from '../../src/errors.js';
import { valueHash } from '../../src/state/state-hash.js';
import {
  STORED_HASH_FROM,
  decodeEntry,
  decodeGroup,
  encodeGroup,
  encodeEntry,
  entryHash,
  entryKey,
  entryRange,
  keyIndexKey,
  keyOfIndexRecord,
  keyPathOfEntry,
  versionOf,
} from '../../src/state/state-records.js';
import { compareBytes } from '../../src/util/bytes.js';
import { readMeta } from '../../src/state/state-meta.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isKeeprError(err) ? err.code : 'not a KeeprError';
  }
};

describe('state records', () => {
  it('stores the value hash from STORED_HASH_FROM bytes on, and rehashes below', () => {
    for (const size of [0, 1, STORED_HASH_FROM - 1, STORED_HASH_FROM, STORED_HASH_FROM + 7]) {
      for (const kind of ['bytes', 'block'] as const) {
        const value = new Uint8Array(size).fill(size & 0xff);
        const vh = valueHash(kind, value);
        const raw = encodeEntry(kind, vh, value);
        const e = decodeEntry(raw);
        expect(e.kind).toBe(kind);
        expect(Buffer.from(e.value!).equals(Buffer.from(value))).toBe(true);
        expect(e.storedHash !== undefined).toBe(size >= STORED_HASH_FROM);
        expect(Buffer.from(entryHash(raw)!).equals(Buffer.from(vh))).toBe(true);
      }
    }
    expect(decodeEntry(encodeEntry('deleted', undefined, undefined)).kind).toBe('deleted');
    expect(entryHash(encodeEntry('deleted', undefined, undefined))).toBeUndefined();
  });

  it('refuses a meta record of format 1 (keepr 0.1, untagged key paths)', () => {
    const v1 = Buffer.from(JSON.stringify({ version: 1, latest: 0, prunedBefore: 0, trees: { t: 1 } }));
    expect(code(() => readMeta(v1))).toBe('STATE_CORRUPT');
    expect(readMeta(Buffer.from(JSON.stringify({ version: 2, latest: 0, prunedBefore: 0, trees: { t: 1 } })))).toMatchObject({ version: 2, latest: 0 });
  });

  it('rejects corrupt entry values with STATE_CORRUPT', () => {
    expect(code(() => decodeEntry(new Uint8Array(0)))).toBe('STATE_CORRUPT');
    expect(code(() => decodeEntry(Uint8Array.of(4, 1, 2)))).toBe('STATE_CORRUPT');
    // A hash-carrying kind on a small value, and a small kind on a large one, are both corrupt.
    expect(code(() => decodeEntry(new Uint8Array(40).fill(2, 0, 1)))).toBe('STATE_CORRUPT');
    expect(code(() => decodeEntry(new Uint8Array(STORED_HASH_FROM + 1)))).toBe('STATE_CORRUPT');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const c = code(() => decodeEntry(raw));
        return c === undefined || c === 'STATE_CORRUPT';
      }),
    );
  });

  it('orders entry keys by key path, newest version first', () => {
    const kh = new Uint8Array(32).fill(7);
    const k5 = entryKey(3, kh, 5);
    const k6 = entryKey(3, kh, 6);
    expect(compareBytes(k6, k5)).toBeLessThan(0);
    expect(versionOf(k5)).toBe(5);
    expect(Buffer.from(keyPathOfEntry(k5)).equals(Buffer.from(kh))).toBe(true);
    expect(code(() => keyPathOfEntry(k5.subarray(1)))).toBe('STATE_CORRUPT');
  });

  it('bounds the entries of a subtree exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 65534 }), (kh, bits, tree) => {
        const path = ((kh[0]! << 8) | kh[1]!) >>> (16 - bits);
        const key = entryKey(tree, kh, 9);
        const { gte, lt } = entryRange(tree, path, bits);
        const inside = compareBytes(key, gte) >= 0 && compareBytes(key, lt) < 0;
        const other = entryRange(tree, path ^ 1, bits);
        const inOther = compareBytes(key, other.gte) >= 0 && compareBytes(key, other.lt) < 0;
        return inside && !inOther;
      }),
    );
  });

  it('round-trips keys through the key index, zero bytes included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (key) => Buffer.from(keyOfIndexRecord(keyIndexKey(1, key))).equals(Buffer.from(key))),
    );
    expect(code(() => keyOfIndexRecord(Uint8Array.of(0x4b, 0, 1, 5, 0, 2)))).toBe('STATE_CORRUPT');
  });

  it('encodes group records sparsely and canonically', () => {
    const zero = new Uint8Array(32);
    const hashes = Array.from({ length: 16 }, (_, j) => (j % 5 === 0 ? new Uint8Array(32).fill(j + 1) : zero));
    const raw = encodeGroup(hashes);
    expect(raw.length).toBe(2 + 4 * 32);
    expect(decodeGroup(raw).map((h) => h[0])).toEqual(hashes.map((h) => h[0]));
    expect(encodeGroup(new Array<Uint8Array>(16).fill(zero)).length).toBe(0);
    expect(decodeGroup(new Uint8Array(0)).every((h) => h.every((b) => b === 0))).toBe(true);
    // A set bit with a zero hash, a zero bitmap with hashes, and a wrong length are all corrupt.
    const zeroHash = new Uint8Array(34);
    zeroHash[1] = 1;
    expect(code(() => decodeGroup(zeroHash))).toBe('STATE_CORRUPT');
    expect(code(() => decodeGroup(new Uint8Array(34).fill(7, 2)))).toBe('STATE_CORRUPT');
    expect(code(() => decodeGroup(raw.subarray(0, raw.length - 1)))).toBe('STATE_CORRUPT');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const c = code(() => decodeGroup(bytes));
        return c === undefined || c === 'STATE_CORRUPT';
      }),
    );
  });
});
