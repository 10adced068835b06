/**
 * Naming rules for sources, volatile containers and block keys (docs/keeprs.md). Names are
 * checked before anything touches the engine; a bad one is `NAME_INVALID` with the rule broken.
 */
import { KeeprError } from '../errors.js';

/** Source and container names: a letter or digit, then letters, digits, `.`, `_` or `-`; 1 to 64 characters. */
export const NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Largest block key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 512;

// Lone surrogates cannot be encoded as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` holds a C0 or C1 control character or DEL. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

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
 * Checks a block key: 1 to 512 UTF-8 bytes, no control characters, and `/`-separated segments
 * that are neither empty nor `.` or `..` (so keys map to URL paths without surprises).
 */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw bad('key', key, 'must be a non-empty string');
  if (hasControl(key)) throw bad('key', key, 'must not contain control characters');
  if (LONE_SURROGATE.test(key)) throw bad('key', key, 'must not contain lone UTF-16 surrogates');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw bad('key', key, `must be at most ${MAX_KEY_BYTES} UTF-8 bytes`);
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw bad('key', key, 'segments between / must be non-empty and not . or ..');
  }
}

/** Checks a key prefix used for listing: like a key, but may be empty and may end with `/`. */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') throw bad('prefix', prefix, 'must be a string');
  if (prefix === '') return;
  if (prefix === '/') throw bad('prefix', prefix, 'keys never start with /');
  assertKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
