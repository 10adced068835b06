/**
 * State range and listing options, their normal form (bounds as `[gte, lt)`), key encodings and
 * pages: the one vocabulary shared by the embedded state and the client.
 */
import { KeeprError } from '../errors.js';
import { compareBytes } from '../util/bytes.js';
import { decodeKeyCursor, encodeKeyCursor } from '../util/cursor.js';
import { MAX_STATE_KEY_BYTES } from './state-records.js';
import type { StateValue } from './state-view.js';
import type { KeyBounds } from '../util/range.js';

const utf8 = new TextEncoder();

/** Key bytes of a string or byte key. */
export function keyBytes(key: Uint8Array | string): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
}

/**
 * Options of {@link StateView.range}: string or byte bounds over the original keys, the same
 * names as every other range (`prefix`, `gt`, `gte`, `lt`, `lte`, `reverse`, `limit`); all given
 * bounds apply together.
 */
export interface StateRangeOptions extends KeyBounds<Uint8Array | string> {
  /** Keys come back as bytes (`binary`, the default) or as strings (`utf8`; `KEY_NOT_UTF8` for a key that is not). */
  readonly keyEncoding?: StateKeyEncoding;
}

/** Options of a paged listing (`list()`): a range plus the cursor of the page before. */
export interface StateListOptions extends StateRangeOptions {
  /** Continue after the page that returned this cursor (same other options). */
  readonly cursor?: string;
}

/** How reads that return keys give them: as Uint8Array (`binary`) or as strings (`utf8`). */
export type StateKeyEncoding = 'utf8' | 'binary';

/** The key type a read with options `O` returns: strings for `keyEncoding: 'utf8'`, else bytes. */
export type StateKeyOf<O> = O extends { readonly keyEncoding: 'utf8' } ? string : Uint8Array;

/** One key and its value. */
export interface StateEntry<K extends Uint8Array | string = Uint8Array> {
  readonly key: K;
  readonly value: StateValue;
}

/** One page of a listing; `cursor` is absent on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

/** Default and largest page sizes of `list()`. */
export const LIST_DEFAULT_LIMIT = 1000;
/** The largest page size of `list()`. */
export const LIST_MAX_LIMIT = 10_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The `keyEncoding` option, checked (`binary` when absent). */
export function stateKeyEncoding(value: unknown): StateKeyEncoding {
  if (value === undefined || value === 'binary') return 'binary';
  if (value === 'utf8') return 'utf8';
  throw new KeeprError('ARGUMENT_INVALID', "keyEncoding must be 'utf8' or 'binary'", { details: { argument: 'keyEncoding' } });
}

/** A key as a read returns it: the bytes, or for `utf8` their text (`KEY_NOT_UTF8` when they are not UTF-8). */
export function keyOut(key: Uint8Array, encoding: StateKeyEncoding): Uint8Array | string {
  if (encoding === 'binary') return key;
  try {
    return strictUtf8.decode(key);
  } catch {
    const hex = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
    throw new KeeprError('KEY_NOT_UTF8', `key ${hex} (hex) is not valid UTF-8; read it with keyEncoding 'binary'`, { details: { keyHex: hex } });
  }
}

/** A range `limit` (a non-negative integer, or none). */
export function rangeLimit(limit: unknown): number {
  if (limit === undefined) return Infinity;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
  return limit;
}

/** A page `limit`: 1 to {@link LIST_MAX_LIMIT}, default {@link LIST_DEFAULT_LIMIT}. */
export function pageLimit(limit: unknown): number {
  if (limit === undefined) return LIST_DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw new KeeprError('ARGUMENT_INVALID', `limit must be an integer from 1 to ${LIST_MAX_LIMIT}`);
  }
  return limit;
}

/**
 * The range one page of a listing reads, in `[gte, lt)` form: the options' bounds, narrowed past
 * the cursor's key (after it, or before it with `reverse`), without a limit.
 */
export function pageRange(options: StateListOptions): StateRangeOptions {
  const { cursor, limit: _limit, ...rest } = options;
  const range = halfOpenRange(rest);
  if (cursor === undefined) return range;
  const last = decodeKeyCursor(cursor, MAX_STATE_KEY_BYTES);
  if (options.reverse === true) {
    return range.lt === undefined || compareBytes(last, keyBytes(range.lt)) < 0 ? { ...range, lt: last } : range;
  }
  const next = successor(last);
  return range.gte === undefined || compareBytes(next, keyBytes(range.gte)) > 0 ? { ...range, gte: next } : range;
}

/** The first `limit` entries of a walk as a page (one more is read to know whether a cursor is due). */
export async function takePage(walk: AsyncIterable<readonly [Uint8Array, StateValue]>, limit: number, encoding: StateKeyEncoding): Promise<Page<StateEntry<Uint8Array | string>>> {
  const items: StateEntry<Uint8Array | string>[] = [];
  let last: Uint8Array | undefined;
  for await (const [key, value] of walk) {
    if (items.length === limit) return { items, cursor: encodeKeyCursor(last!) };
    items.push({ key: keyOut(key, encoding), value });
    last = key;
  }
  return { items };
}


/** The next key after `key` in byte order: `key` followed by a zero byte. */
function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

/**
 * The same range with `gt` and `lte` folded into `gte` and `lt` (keys are byte strings, so
 * `gt k` is `gte k‖0x00` and `lte k` is `lt k‖0x00`), the tighter bound winning.
 */
export function halfOpenRange(options: StateRangeOptions): StateRangeOptions {
  const { gt, lte, ...rest } = options;
  if (gt === undefined && lte === undefined) return options;
  let { gte, lt } = rest;
  if (gt !== undefined) {
    const bound = successor(keyBytes(gt));
    if (gte === undefined || compareBytes(bound, keyBytes(gte)) > 0) gte = bound;
  }
  if (lte !== undefined) {
    const bound = successor(keyBytes(lte));
    if (lt === undefined || compareBytes(bound, keyBytes(lt)) < 0) lt = bound;
  }
  return { ...rest, ...(gte === undefined ? {} : { gte }), ...(lt === undefined ? {} : { lt }) };
}
