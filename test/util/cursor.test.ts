// The cursors of the one pagination scheme: k1. + base64url of a key's bytes, h1. + a height.
// Whatever text comes back from a client either is exactly a cursor the codec writes or is
// CURSOR_INVALID, never another error and never a second spelling of the same position.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHeightCursor, decodeKeyCursor, encodeHeightCursor, encodeKeyCursor } from '../../src/util/cursor.js';
import { codeOf } from '../helpers/error-code.js';

describe('listing cursors', () => {
  it('round-trip any key bytes and any height', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), (key) => {
      expect(decodeKeyCursor(encodeKeyCursor(key), 500)).toEqual(key);
    }));
    fc.assert(fc.property(fc.nat(0xffffffff), (h) => {
      expect(decodeHeightCursor(encodeHeightCursor(h), 0xffffffff)).toBe(h);
    }));
    expect(encodeKeyCursor(Uint8Array.of(0xff, 0))).toBe('k1._wA');
    expect(encodeHeightCursor(12)).toBe('h1.12');
  });

  it('refuse anything else with CURSOR_INVALID, truncated and mutated cursors included', () => {
    const bad = ['', 'k1.', 'k1.YQ=', 'k1.YR', 'k1.Y', 'k2.YQ', 'h1.YQ', 'K1.YQ', 'h1.', 'h1.01', 'h1.-1', 'h1.1e3', 'h1.4294967296', 'k1.' + 'A'.repeat(700)];
    for (const text of bad) expect(codeOf(() => (text.startsWith('h') ? decodeHeightCursor(text, 0xffffffff) : decodeKeyCursor(text, 500))), text).toBe('CURSOR_INVALID');
    expect(codeOf(() => decodeKeyCursor(42, 500))).toBe('CURSOR_INVALID');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.string(), fc.nat(60), (key, noise, cut) => {
        const cursor = encodeKeyCursor(key);
        for (const text of [cursor.slice(0, cut), cursor + noise, noise]) {
          try {
            expect(encodeKeyCursor(decodeKeyCursor(text, 500))).toBe(text);
          } catch (err) {
            expect((err as { code?: string }).code).toBe('CURSOR_INVALID');
          }
          expect([undefined, 'CURSOR_INVALID']).toContain(codeOf(() => decodeHeightCursor(text, 0xffffffff)));
        }
      }),
    );
  });
});
