/**
 * Block keys in the console. Keys are bytes (docs/http-api.md#block-keys-and-keyencoding): the
 * console lists them as hex, shows a key as text when it is a valid string key and as hex with a
 * marker otherwise, and links to binary keys as `#/sources/<s>/blocks/<hex>?keyEncoding=hex`,
 * the way the API addresses them, so every key round-trips through the URL.
 */
import { fromHex, hex } from './format.js';

// As api.ts's pathOf and router.ts's link, which this file does not import: the Node tests load
// it, and those two need DOM types.
const pathOf = (key: string): string => key.split('/').map(encodeURIComponent).join('/');
const link = (...segments: string[]): string => `#/${segments.map(pathOf).join('/')}`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A key as the console handles it: its hex, and its text when it is a valid string key. */
export interface KeyRef {
  readonly hex: string;
  /** The key as a string, when its bytes are UTF-8 and it keeps the string key rules. */
  readonly text: string | undefined;
}

/** True when `key` keeps the string key rules (no control characters or lone surrogates, no empty, `.` or `..` segments). */
export function isStringKey(key: string): boolean {
  if (key.length === 0 || /\p{Cs}/u.test(key)) return false; // lone surrogates
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** The key of `hexText` (as the listing with `keyEncoding=hex` answers it). */
export function keyOfHex(hexText: string): KeyRef {
  let text: string | undefined;
  try {
    text = utf8.decode(fromHex(hexText));
  } catch {
    text = undefined;
  }
  return { hex: hexText.toLowerCase(), text: text !== undefined && isStringKey(text) ? text : undefined };
}

/** The key of a string. */
export function keyOfText(text: string): KeyRef {
  return { hex: hex(new TextEncoder().encode(text)), text };
}

/** The key a block route names: `*key`, as hex when the hash query says `keyEncoding=hex`. */
export function keyOfRoute(key: string, query: URLSearchParams): KeyRef {
  return query.get('keyEncoding') === 'hex' ? keyOfHex(key) : keyOfText(key);
}

/** How a key reads: its text, or `0x` and its hex for keys that are not string keys. */
export function keyLabel(key: KeyRef): string {
  return key.text ?? `0x${key.hex}`;
}

/** The console link to a block. */
export function blockLink(source: string, key: KeyRef): string {
  return key.text !== undefined ? link('sources', source, 'blocks', key.text) : `${link('sources', source, 'blocks', key.hex)}?keyEncoding=hex`;
}

/** The API path of a block (with `keyEncoding=hex` for binary keys); `query` adds parameters. */
export function blockPath(source: string, key: KeyRef, query = ''): string {
  const base = `/v1/sources/${pathOf(source)}/blocks/`;
  if (key.text !== undefined) return `${base}${pathOf(key.text)}${query === '' ? '' : `?${query}`}`;
  return `${base}${key.hex}?keyEncoding=hex${query === '' ? '' : `&${query}`}`;
}

/**
 * A prefix typed into the search box as hex for the listing: text is its UTF-8, and text that
 * starts with `0x` is hex digits (binary prefixes). Throws on bad hex.
 */
export function prefixHex(prefix: string): string {
  if (prefix.startsWith('0x')) return hex(fromHex(prefix.slice(2)));
  return hex(new TextEncoder().encode(prefix));
}
