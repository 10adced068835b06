/**
 * The listing cursors of the one pagination scheme: `k1.` + base64url (no padding) of the last
 * key returned for key listings, `h1.` + the decimal last height for height listings. Opaque to
 * callers, documented in docs/http-api.md; anything else is `CURSOR_INVALID`.
 */
import { KeeprError } from '../errors.js';

const KEY_PREFIX = 'k1.';
const HEIGHT_PREFIX = 'h1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function invalid(what: string): KeeprError {
  return new KeeprError('CURSOR_INVALID', `the cursor was not issued by a ${what} listing of this store`);
}

/** The cursor after a key listing page whose last key is `key`. */
export function encodeKeyCursor(key: Uint8Array): string {
  return KEY_PREFIX + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64url');
}

/** The last key of the page a key cursor continues; `CURSOR_INVALID` unless it is canonical and 1 to `maxBytes` bytes. */
export function decodeKeyCursor(cursor: unknown, maxBytes: number): Uint8Array {
  if (typeof cursor !== 'string' || !cursor.startsWith(KEY_PREFIX)) throw invalid('key');
  const text = cursor.slice(KEY_PREFIX.length);
  if (!BASE64URL.test(text)) throw invalid('key');
  const bytes = Buffer.from(text, 'base64url');
  // Only the text this codec writes counts, so one key has one cursor.
  if (bytes.length === 0 || bytes.length > maxBytes || bytes.toString('base64url') !== text) throw invalid('key');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The cursor after a height listing page whose last height is `height`. */
export function encodeHeightCursor(height: number): string {
  return HEIGHT_PREFIX + String(height);
}

/** The last height of the page a height cursor continues; `CURSOR_INVALID` unless it is canonical and at most `maxHeight`. */
export function decodeHeightCursor(cursor: unknown, maxHeight: number): number {
  if (typeof cursor !== 'string' || !cursor.startsWith(HEIGHT_PREFIX)) throw invalid('height');
  const text = cursor.slice(HEIGHT_PREFIX.length);
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(text)) throw invalid('height');
  const height = Number(text);
  if (height > maxHeight) throw invalid('height');
  return height;
}
