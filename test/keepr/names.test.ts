import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, assertKey, assertName } from '../../src/keepr/index.js';

/** The key rules, written plainly (regexes and split) as a model for the one-pass checker. */
function modelKeyOk(key: string): boolean {
  if (key.length === 0) return false;
  // eslint-disable-next-line no-control-regex -- the model spells the rule out as a regex on purpose
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key)) return false;
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(key)) return false;
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return false;
  return key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function accepts(check: (v: unknown) => void, value: unknown): boolean {
  try {
    check(value);
    return true;
  } catch (err) {
    expect((err as { code?: string }).code).toBe('NAME_INVALID');
    return false;
  }
}

const keyChars = fc.oneof(
  fc.constantFrom('/', '.', 'a', 'é', '\u0000', '\u007f', '\u0085', '\ud800', '\udc00', '😀', ' '),
  fc.string({ unit: 'binary', maxLength: 3 }),
);

describe('names and keys', () => {
  it('the one-pass key check agrees with the plain model on random keys', () => {
    fc.assert(
      fc.property(fc.array(keyChars, { maxLength: 20 }).map((parts) => parts.join('')), (key) => {
        expect(accepts(assertKey, key)).toBe(modelKeyOk(key));
      }),
      { numRuns: 5000 },
    );
  });

  it('counts the key limit in UTF-8 bytes', () => {
    expect(accepts(assertKey, 'a'.repeat(512))).toBe(true);
    expect(accepts(assertKey, 'a'.repeat(513))).toBe(false);
    expect(accepts(assertKey, 'é'.repeat(256))).toBe(true);
    expect(accepts(assertKey, 'é'.repeat(257))).toBe(false);
    expect(accepts(assertKey, '😀'.repeat(128))).toBe(true);
    expect(accepts(assertKey, '😀'.repeat(129))).toBe(false);
  });

  it('accepts URL-like keys and rejects traversal-like ones', () => {
    for (const ok of ['a', 'docs/index.html', '2024-05-01T10:00Z', 'a..b', '.hidden', 'x/...', 'ключ']) expect(accepts(assertKey, ok)).toBe(true);
    for (const no of ['', '/', '/a', 'a/', 'a//b', '.', '..', 'a/../b', 'a/./b', 42, null]) expect(accepts(assertKey, no)).toBe(false);
  });

  it('checks source and container names', () => {
    for (const ok of ['a', 'A9', 'model.v2', 'x_y-z', 'a'.repeat(64)]) expect(accepts(assertName, ok)).toBe(true);
    for (const no of ['', '_a', '.a', '-a', 'a b', 'a/b', 'é', 'a'.repeat(65), undefined]) expect(accepts(assertName, no)).toBe(false);
  });
});
