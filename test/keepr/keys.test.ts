import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyBytes, keyFromText, keyId, keyIdBytes, keyOut, keyToText } from '../../src/keepr/keys.js';
import { codeOf } from '../helpers/error-code.js';

const keyBytesArb = fc.uint8Array({ minLength: 1, maxLength: 512 });
// Valid string keys (no lone surrogates), and short bytes so they often meet the strings' bytes.
const stringKey = fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom('a', 'é', '中', '😀') });
const shortBytes = fc.uint8Array({ minLength: 1, maxLength: 4, min: 0x61, max: 0x62 });
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('keyBytes', () => {
  it('gives the UTF-8 bytes of a string key, as TextEncoder does (short ASCII keys take a faster path)', () => {
    const encoder = new TextEncoder();
    const unit = fc.constantFrom('a', 'Z', '/', '~', '\u007f', 'é', '中', '😀');
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 1, maxLength: 80, unit }), fc.string({ minLength: 1, maxLength: 80 })), (text) => {
        const bytes = keyBytes(text);
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(hex(bytes)).toBe(hex(encoder.encode(text)));
      }),
    );
    // A fresh array each time, not a shared scratch.
    const a = keyBytes('same');
    expect(keyBytes('same') === a).toBe(false);
  });
});

describe('key text encodings', () => {
  it('hex and base64url round-trip any key', () => {
    fc.assert(
      fc.property(keyBytesArb, fc.constantFrom('hex' as const, 'base64url' as const), (bytes, encoding) => {
        expect(hex(keyBytes(keyFromText(keyToText(bytes, encoding), encoding)))).toBe(hex(bytes));
      }),
    );
  });

  it('any text either reads as the one canonical text of its bytes or is KEY_INVALID', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 16, unit: fc.constantFrom(...'0189afAF_-=+/xZ'.split('')) }), fc.constantFrom('hex' as const, 'base64url' as const), (text, encoding) => {
        let key: Uint8Array;
        try {
          key = keyFromText(text, encoding) as Uint8Array;
        } catch (err) {
          expect((err as { code?: string }).code).toBe('KEY_INVALID');
          return;
        }
        expect(keyToText(key, encoding)).toBe(encoding === 'hex' ? text.toLowerCase() : text);
      }),
    );
  });

  it('utf8 text is a string key; keys that are not UTF-8 have no utf8 text (KEY_NOT_UTF8)', () => {
    expect(keyFromText('a/b', 'utf8')).toBe('a/b');
    expect(keyToText(Uint8Array.of(0x61), 'utf8')).toBe('a');
    expect(codeOf(() => keyToText(Uint8Array.of(0xc3), 'utf8'))).toBe('KEY_NOT_UTF8');
    expect(codeOf(() => keyOut(Uint8Array.of(0xed, 0xa0, 0x80), 'utf8'))).toBe('KEY_NOT_UTF8');
    expect(keyFromText('', 'hex', 'prefix', true)).toEqual(new Uint8Array(0));
    expect(codeOf(() => keyFromText('', 'hex'))).toBe('KEY_INVALID');
  });
});

describe('key ids and cursors', () => {
  it('two keys share an id exactly when their bytes are equal, and the id gives the bytes back', () => {
    fc.assert(
      fc.property(fc.oneof(shortBytes, stringKey), fc.oneof(shortBytes, stringKey), (a, b) => {
        expect(keyId(a) === keyId(b)).toBe(hex(keyBytes(a)) === hex(keyBytes(b)));
        expect(hex(keyIdBytes(keyId(a)))).toBe(hex(keyBytes(a)));
      }),
    );
  });
});
