/**
 * Block keys over HTTP: the `keyEncoding` query parameter (`utf8`, `hex`, `base64url`) says how
 * the key in a path, the range bounds and the keys answered are written; the range query both
 * source listings (`/blocks`, `/entries`) take; and block URLs for string and binary keys.
 */
import { KEY_TEXT_ENCODINGS, LIST_MAX_LIMIT, assertAnyKey, keyFromText, keyTextEncodingOf, type EntriesOptions, type Key, type KeyTextEncoding } from '../keepr/index.js';
import type { KeyBounds } from '../util/range.js';

/** Schema of the `keyEncoding` query parameter. */
export const keyEncodingQuery = {
  type: 'string',
  enum: KEY_TEXT_ENCODINGS,
  description: 'How keys in the path, the bounds and the answer are written: utf8 (default), hex or base64url',
} as const;

/** Query string of a source listing. */
export interface RangeQuery extends KeyBounds<string> {
  readonly cursor?: string;
  readonly keyEncoding?: string;
}

/** Properties of the range query of a source listing (`defaultLimit` for its documentation). */
export function rangeQueryProperties(defaultLimit: number) {
  return {
    prefix: { type: 'string', description: 'Only keys starting with this (in keyEncoding)' },
    gt: { type: 'string', description: 'Only keys after this' },
    gte: { type: 'string', description: 'Only keys from this on' },
    lt: { type: 'string', description: 'Only keys before this' },
    lte: { type: 'string', description: 'Only keys up to this' },
    reverse: { type: 'boolean', description: 'Descending key order' },
    limit: { type: 'integer', minimum: 1, maximum: LIST_MAX_LIMIT, description: `Most items in this page (default ${defaultLimit})` },
    cursor: { type: 'string', description: 'Continue after the page that answered this cursor (send the same other parameters)' },
    keyEncoding: keyEncodingQuery,
  } as const;
}

/** The key text encoding of a request (400 `HTTP_REQUEST_INVALID` for an unknown one). */
export function keyEncodingOfQuery(query: { readonly keyEncoding?: string | undefined }): KeyTextEncoding {
  return keyTextEncodingOf(query.keyEncoding, 'HTTP_REQUEST_INVALID');
}

/** The Source range of a listing query: bounds decoded from their key encoding, keys asked for as bytes unless utf8. */
export function rangeOfQuery(query: RangeQuery): EntriesOptions {
  const encoding = keyEncodingOfQuery(query);
  const bound = (name: 'prefix' | 'gt' | 'gte' | 'lt' | 'lte'): Partial<Record<typeof name, Key>> => {
    const text = query[name];
    return text === undefined ? {} : { [name]: keyFromText(text, encoding, name, true) };
  };
  return {
    ...bound('prefix'),
    ...bound('gt'),
    ...bound('gte'),
    ...bound('lt'),
    ...bound('lte'),
    ...(query.reverse === undefined ? {} : { reverse: query.reverse }),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    keyEncoding: encoding === 'utf8' ? 'utf8' : 'binary',
  };
}

/** The key in a block path, read in the request's key encoding and checked. */
export function pathKey(text: string, encoding: KeyTextEncoding): Key {
  const key = keyFromText(text, encoding);
  assertAnyKey(key);
  return key;
}

/** The URL path of a block (each key segment escaped; a binary key as hex with `?keyEncoding=hex`). */
export function blockPath(source: string, key: Key): string {
  const base = `/v1/sources/${encodeURIComponent(source)}/blocks/`;
  if (typeof key === 'string') return base + key.split('/').map(encodeURIComponent).join('/');
  return `${base}${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}?keyEncoding=hex`;
}
