/**
 * Naming rules for sources, volatile containers and block keys (docs/keeprs.md). Names are
 * checked before anything touches the engine; a bad one is `NAME_INVALID` with the rule broken.
 */
import { KeeprError } from '../errors.js';

/** Source and container names: a letter or digit, then letters, digits, `.`, `_` or `-`; 1 to 64 characters. */
export const NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Largest block key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 512;

function bad(kind: string, name: unknown, rule: string): KeeprError {
  return new KeeprError('NAME_INVALID', `${kind} ${JSON.stringify(typeof name === 'string' ? name : String(name))}: ${rule}`, {
    details: { kind, name: typeof name === 'string' ? name : String(name), rule },
  });
}

/** Checks a source or volatile container name. */
export function assertName(name: unknown, kind = 'name'): asserts name is string {
  if (typeof name !== 'string' || !NAME_RULE.test(name)) {
    throw bad(kind, name, 'use 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit');
  }
}

/**
 * Checks a block key: 1 to 512 UTF-8 bytes, no control characters or lone surrogates, and
 * `/`-separated segments that are neither empty nor `.` or `..` (so keys map to URL paths
 * without surprises). One pass over the characters, no allocation: this runs on every read.
 */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw bad('key', key, 'must be a non-empty string');
  // Every UTF-16 unit encodes to at least one byte, so a longer string is too long.
  if (key.length > MAX_KEY_BYTES) throw bad('key', key, `must be at most ${MAX_KEY_BYTES} UTF-8 bytes`);
  const n = key.length;
  let segmentStart = 0;
  let ascii = true;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? key.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segmentStart;
      const dots = len <= 2 && key.charCodeAt(segmentStart) === 0x2e && (len === 1 || key.charCodeAt(segmentStart + 1) === 0x2e);
      if (len === 0 || dots) throw bad('key', key, 'segments between / must be non-empty and not . or ..');
      segmentStart = i + 1;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      throw bad('key', key, 'must not contain control characters');
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? key.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || next < 0xdc00 || next > 0xdfff) throw bad('key', key, 'must not contain lone UTF-16 surrogates');
      i++;
      ascii = false;
    } else if (c >= 0x80) {
      ascii = false;
    }
  }
  if (!ascii && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw bad('key', key, `must be at most ${MAX_KEY_BYTES} UTF-8 bytes`);
}

/** Checks a key prefix used for listing: like a key, but may be empty and may end with `/`. */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') throw bad('prefix', prefix, 'must be a string');
  if (prefix === '') return;
  if (prefix === '/') throw bad('prefix', prefix, 'keys never start with /');
  assertKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
