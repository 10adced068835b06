/**
 * How versioned-state keys, proofs and heights travel as text over HTTP. Shared by the server
 * and the client, so it imports nothing from Fastify, the engines or the store: keys are
 * arbitrary bytes, so a request names their text encoding (`utf8` by default, `hex`,
 * `base64url`); proofs are base64url; roots and hashes are hex.
 */
import { KeeprError, type ErrorCode } from '../errors.js';
import { MAX_HEIGHT, MAX_STATE_KEY_BYTES } from '../state/state-records.js';

/** Text encodings of a state key in paths, queries and bodies. */
export type KeyEncoding = 'utf8' | 'hex' | 'base64url';

/** Every key encoding, the default first. */
export const KEY_ENCODINGS: readonly KeyEncoding[] = ['utf8', 'hex', 'base64url'];

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Reads a `keyEncoding` field or query value (default `utf8`). */
export function keyEncodingOf(value: unknown, code: ErrorCode = 'ARGUMENT_INVALID'): KeyEncoding {
  if (value === undefined) return 'utf8';
  if (typeof value === 'string' && (KEY_ENCODINGS as readonly string[]).includes(value)) return value as KeyEncoding;
  throw new KeeprError(code, `keyEncoding must be one of ${KEY_ENCODINGS.join(', ')}`, { details: { argument: 'keyEncoding' } });
}

/** Bytes of base64url text without padding; undefined when the text is not canonical base64url. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Trailing bits that decoding drops would let two texts stand for one key.
  return bytes.toString('base64url') === text ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
}

/** Base64url text (no padding) of bytes. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of 64 hex digits (a root or hash); undefined otherwise. */
export function hashFromHex(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[0-9a-fA-F]{64}$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** The bytes of a key given as text in `encoding`: 1 to 500 of them, else `STATE_KEY_INVALID`. */
export function decodeKeyText(text: unknown, encoding: KeyEncoding, what = 'key'): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (typeof text === 'string') {
    if (encoding === 'utf8') bytes = utf8.encode(text);
    else if (encoding === 'hex') bytes = HEX.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined;
    else bytes = fromBase64Url(text);
  }
  if (bytes === undefined) throw new KeeprError('STATE_KEY_INVALID', `${what} is not ${encoding} text`, { details: { argument: what, keyEncoding: encoding } });
  if (bytes.length === 0 || bytes.length > MAX_STATE_KEY_BYTES) {
    throw new KeeprError('STATE_KEY_INVALID', `${what}: state keys are 1 to ${MAX_STATE_KEY_BYTES} bytes, not ${bytes.length}`, { details: { argument: what, byteLength: bytes.length } });
  }
  return bytes;
}

/** A key as text in `encoding`; undefined for `utf8` when the bytes are not UTF-8. */
export function encodeKeyText(key: Uint8Array, encoding: KeyEncoding): string | undefined {
  if (encoding === 'hex') return toHex(key);
  if (encoding === 'base64url') return toBase64Url(key);
  try {
    return strictUtf8.decode(key);
  } catch {
    return undefined;
  }
}

/** A height in a path: `latest` or a decimal height (`STATE_HEIGHT_INVALID` otherwise). */
export function parseHeightText(text: string): number | 'latest' {
  if (text === 'latest') return 'latest';
  const height = /^(?:0|[1-9][0-9]{0,9})$/.test(text) ? Number(text) : NaN;
  if (!(height <= MAX_HEIGHT)) throw new KeeprError('STATE_HEIGHT_INVALID', `a height is latest or 0 to ${MAX_HEIGHT}, not ${JSON.stringify(text.slice(0, 20))}`, { details: { height: text.slice(0, 20) } });
  return height;
}

/** The URL path of a state, or of something under it. */
export function statePath(state: string, rest = ''): string {
  return `/v1/states/${encodeURIComponent(state)}${rest}`;
}

/** The URL path of a tree at a height. */
export function treePath(state: string, height: number | 'latest', tree: string, rest = ''): string {
  return statePath(state, `/heights/${height}/trees/${encodeURIComponent(tree)}${rest}`);
}
