/**
 * Block keys as byte strings. A key is a string (meaning its UTF-8 bytes, under the naming rules
 * of names.ts) or a Uint8Array of 1 to 512 arbitrary bytes; both name the same keyspace, ordered
 * bytewise. Also the text forms keys take over HTTP and on the command line (utf8, hex,
 * base64url). Imports no engine, so the client may load it.
 */
import { isUtf8 } from 'node:buffer';
import { KeeprError } from '../errors.js';
import { MAX_KEY_BYTES, assertKey, assertPrefix } from './names.js';

/** A block key: a string (its UTF-8 bytes) or the bytes themselves. */
export type Key = string | Uint8Array;

/** How reads that return keys give them: strings (`utf8`, the default) or `Uint8Array` (`binary`). */
export type KeyEncoding = 'utf8' | 'binary';

/** The key type a {@link KeyEncoding} gives. */
export type KeyOf<E extends KeyEncoding | undefined> = E extends 'binary' ? Uint8Array : string;

/** How keys are written as text over HTTP and on the command line. */
export type KeyTextEncoding = 'utf8' | 'hex' | 'base64url';

/** Every key text encoding, the default first. */
export const KEY_TEXT_ENCODINGS: readonly KeyTextEncoding[] = ['utf8', 'hex', 'base64url'];

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// A decoded UTF-8 string never holds a lone surrogate, so ids of other keys cannot clash with it.
const NOT_UTF8_MARK = '\udc00';

function binaryInvalid(length: number): KeeprError {
  return new KeeprError('KEY_INVALID', `a binary key is 1 to ${MAX_KEY_BYTES} bytes, not ${length}`, { details: { byteLength: length } });
}

/** Checks a key: a string under the naming rules (`NAME_INVALID`) or 1 to 512 bytes (`KEY_INVALID`). */
export function assertAnyKey(key: unknown): asserts key is Key {
  if (key instanceof Uint8Array) {
    if (key.length === 0 || key.length > MAX_KEY_BYTES) throw binaryInvalid(key.length);
    return;
  }
  assertKey(key);
}

/** The bytes of a checked key (a string's UTF-8; a Uint8Array as it is, not copied). */
export function keyBytes(key: Key): Uint8Array {
  return typeof key === 'string' ? utf8Bytes(key) : key;
}

// Short ASCII keys (the usual case) are copied in a loop: TextEncoder's call into C++ costs
// more than the copy for a few dozen characters.
const ASCII_LOOP_MAX = 64;

function utf8Bytes(text: string): Uint8Array {
  const n = text.length;
  if (n > ASCII_LOOP_MAX) return encoder.encode(text);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(text);
    out[i] = c;
  }
  return out;
}

/** Checks a key and gives its bytes. */
export function checkedKeyBytes(key: unknown): Uint8Array {
  assertAnyKey(key);
  return keyBytes(key);
}

/**
 * One string per distinct key (for caches and maps): a string key itself, a binary key that is
 * UTF-8 its decoding (so `"a"` and `Uint8Array.of(0x61)` share an id), any other a marked latin1 form.
 */
export function keyId(key: Key): string {
  if (typeof key === 'string') return key;
  try {
    return strictUtf8.decode(key);
  } catch {
    return NOT_UTF8_MARK + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  }
}

/** The bytes of a {@link keyId}. */
export function keyIdBytes(id: string): Uint8Array {
  return id.startsWith(NOT_UTF8_MARK) ? new Uint8Array(Buffer.from(id.slice(1), 'latin1')) : encoder.encode(id);
}

/** A key for messages: the string, or `0x` and hex for bytes that are not UTF-8. */
export function keyLabel(key: Key): string {
  if (typeof key === 'string') return key;
  try {
    return strictUtf8.decode(key);
  } catch {
    return `0x${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`;
  }
}

/** Checks a listing prefix: a string under the prefix rules, or at most 512 bytes. Empty means none. */
export function prefixBytes(prefix: unknown): Uint8Array {
  if (prefix instanceof Uint8Array) {
    if (prefix.length > MAX_KEY_BYTES) throw new KeeprError('KEY_INVALID', `a binary prefix is at most ${MAX_KEY_BYTES} bytes, not ${prefix.length}`, { details: { byteLength: prefix.length } });
    return prefix;
  }
  assertPrefix(prefix);
  return encoder.encode(prefix);
}

/** Checks a range bound (`gt`, `gte`, `lt`, `lte`): a string or bytes, at most 512 bytes. */
export function boundBytes(value: unknown, name: string): Uint8Array {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_KEY_BYTES) {
    throw new KeeprError('ARGUMENT_INVALID', `${name} must be a string or Uint8Array of at most ${MAX_KEY_BYTES} bytes`, { details: { argument: name } });
  }
  return bytes;
}

/** Reads a `keyEncoding` option (default `utf8`). */
export function keyEncodingOption(value: unknown): KeyEncoding {
  if (value === undefined || value === 'utf8') return 'utf8';
  if (value === 'binary') return 'binary';
  throw new KeeprError('ARGUMENT_INVALID', 'keyEncoding must be utf8 or binary', { details: { argument: 'keyEncoding' } });
}

/** `KEY_NOT_UTF8`: a key asked for as a string whose bytes are not UTF-8. */
export function keyNotUtf8(bytes: Uint8Array): KeeprError {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return new KeeprError('KEY_NOT_UTF8', `key 0x${hex} is not UTF-8, so it has no string form; read keys with keyEncoding 'binary' (over HTTP and the CLI: hex or base64url)`, {
    details: { key: hex, keyEncoding: 'utf8' },
  });
}

/** A stored key as the caller asked for it: a copy of the bytes, or their strict UTF-8 decoding. */
export function keyOut<E extends KeyEncoding>(bytes: Uint8Array, encoding: E): KeyOf<E> {
  if (encoding === 'binary') return new Uint8Array(bytes) as KeyOf<E>;
  // Scans run this per entry: a native check and Buffer's decoder beat a fatal TextDecoder on short keys.
  if (!isUtf8(bytes)) throw keyNotUtf8(bytes);
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('utf8') as KeyOf<E>;
}

/** Reads a key text encoding (default `utf8`); `code` for anything else. */
export function keyTextEncodingOf(value: unknown, code: 'ARGUMENT_INVALID' | 'HTTP_REQUEST_INVALID' = 'ARGUMENT_INVALID'): KeyTextEncoding {
  if (value === undefined) return 'utf8';
  if (typeof value === 'string' && (KEY_TEXT_ENCODINGS as readonly string[]).includes(value)) return value as KeyTextEncoding;
  throw new KeeprError(code, `keyEncoding must be one of ${KEY_TEXT_ENCODINGS.join(', ')}`, { details: { argument: 'keyEncoding' } });
}

/** Bytes of hex or canonical unpadded base64url text; undefined when the text is not that. */
function textBytes(text: string, encoding: 'hex' | 'base64url'): Uint8Array | undefined {
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})*$/.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined;
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Trailing bits that decoding drops would let two texts stand for one key.
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined;
}

/**
 * A key given as text: `utf8` text is a string key (checked by the naming rules), `hex` and
 * `base64url` text a binary key (`KEY_INVALID` when the text is not that encoding or the bytes
 * are not 1 to 512). With `bound`, the text is a prefix or range bound: it may be empty.
 */
export function keyFromText(text: string, encoding: KeyTextEncoding, what = 'key', bound = false): Key {
  if (encoding === 'utf8') return text;
  const bytes = textBytes(text, encoding);
  if (bytes === undefined) throw new KeeprError('KEY_INVALID', `${what} is not ${encoding} text`, { details: { argument: what, keyEncoding: encoding } });
  if ((!bound && bytes.length === 0) || bytes.length > MAX_KEY_BYTES) {
    throw new KeeprError('KEY_INVALID', `${what}: a binary key is ${bound ? 0 : 1} to ${MAX_KEY_BYTES} bytes, not ${bytes.length}`, { details: { argument: what, byteLength: bytes.length } });
  }
  return bytes;
}

/** A stored key as text: hex, base64url, or (`KEY_NOT_UTF8` unless valid) UTF-8. */
export function keyToText(key: Key, encoding: KeyTextEncoding): string {
  if (encoding === 'utf8') return typeof key === 'string' ? key : keyOut(key, 'utf8');
  const bytes = keyBytes(key);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
}
