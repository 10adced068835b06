/**
 * Key ranges and pages of the volatile containers (a map's keys, a tree's children): the range
 * options every listing takes (`prefix`, `gt`, `gte`, `lt`, `lte`, `reverse`, `limit`) and the
 * `k1.` cursors of the one pagination scheme, over keys in JavaScript string order.
 */
import { KeeprError } from '../errors.js';
import { fromUtf8, utf8 } from '../util/bytes.js';
import { decodeKeyCursor, encodeKeyCursor } from '../util/cursor.js';
import { isObject } from '../util/guards.js';
import { MAX_KEY_BYTES, assertKey, assertPrefix } from './names.js';
import type { KeyBounds } from '../util/range.js';

/** Options of a full key scan: all given bounds apply. */
export type VolatileRangeOptions = KeyBounds<string>;

/** Options of a paged key listing: a range and the cursor of the page before. */
export interface VolatileListOptions extends VolatileRangeOptions {
  /** Continue after the page that returned this cursor (same other options). */
  readonly cursor?: string;
}

/** One page of keys; `cursor` is absent on the last page. */
export interface KeyPage {
  readonly items: string[];
  readonly cursor?: string;
}

/** Default and largest page sizes of a volatile `list()`. */
export const VOLATILE_LIST_DEFAULT_LIMIT = 1000;
/** The largest page size of a volatile `list()`. */
export const VOLATILE_LIST_MAX_LIMIT = 10_000;

/** Checked bounds of a key walk. */
export interface KeyWalk {
  readonly prefix: string;
  readonly lower: string | undefined;
  readonly lowerOpen: boolean;
  readonly upper: string | undefined;
  readonly upperOpen: boolean;
  readonly reverse: boolean;
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

/** The bounds of `options` (checked: `ARGUMENT_INVALID`, `NAME_INVALID`), narrowed past a cursor's key. */
export function keyBounds(options: VolatileListOptions): KeyWalk {
  if (!isObject(options)) throw new KeeprError('ARGUMENT_INVALID', 'options must be an object');
  const { prefix = '', reverse = false, cursor } = options;
  assertPrefix(prefix);
  if (typeof reverse !== 'boolean') throw new KeeprError('ARGUMENT_INVALID', 'reverse must be a boolean');
  for (const name of BOUNDS) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== 'string') throw new KeeprError('ARGUMENT_INVALID', `${name} must be a string`, { details: { argument: name } });
  }
  let lower = options.gte;
  let lowerOpen = false;
  if (options.gt !== undefined && (lower === undefined || options.gt >= lower)) [lower, lowerOpen] = [options.gt, true];
  let upper = options.lt;
  let upperOpen = true;
  if (options.lte !== undefined && (upper === undefined || options.lte < upper)) [upper, upperOpen] = [options.lte, false];
  if (cursor !== undefined) {
    const last = cursorKey(cursor);
    if (reverse && (upper === undefined || last <= upper)) [upper, upperOpen] = [last, true];
    if (!reverse && (lower === undefined || last >= lower)) [lower, lowerOpen] = [last, true];
  }
  return { prefix, lower, lowerOpen, upper, upperOpen, reverse };
}

/** The key a `k1.` cursor names; `CURSOR_INVALID` unless it is a valid key's. */
function cursorKey(cursor: unknown): string {
  const bytes = decodeKeyCursor(cursor, MAX_KEY_BYTES);
  try {
    const key = fromUtf8(bytes);
    assertKey(key);
    return key;
  } catch {
    throw new KeeprError('CURSOR_INVALID', 'the cursor was not issued by a key listing of this store');
  }
}

/** A range `limit`: a non-negative integer or Infinity (the default). */
export function keyRangeLimit(limit: unknown): number {
  if (limit === undefined || limit === Infinity) return Infinity;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
  return limit;
}

/** A page `limit`: 1 to 10,000, default 1,000. */
export function keyPageLimit(limit: unknown): number {
  if (limit === undefined) return VOLATILE_LIST_DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > VOLATILE_LIST_MAX_LIMIT) {
    throw new KeeprError('ARGUMENT_INVALID', `limit must be an integer from 1 to ${VOLATILE_LIST_MAX_LIMIT}`);
  }
  return limit;
}

/**
 * The keys of `ordered` (in the walk's direction, from wherever it starts) within `bounds`:
 * keys before the range are skipped, the first one past it ends the walk.
 */
export function* keysWithin(ordered: Iterable<string>, bounds: KeyWalk): Generator<string> {
  const { prefix, lower, lowerOpen, upper, upperOpen, reverse } = bounds;
  const belowLower = (k: string): boolean => lower !== undefined && (lowerOpen ? k <= lower : k < lower);
  const aboveUpper = (k: string): boolean => upper !== undefined && (upperOpen ? k >= upper : k > upper);
  for (const key of ordered) {
    if (reverse ? belowLower(key) : aboveUpper(key)) return;
    if (reverse ? aboveUpper(key) : belowLower(key)) continue;
    if (!key.startsWith(prefix)) {
      // Keys with the prefix are one run: past it (either way) nothing more can match.
      if (reverse ? key < prefix : key > prefix) return;
      continue;
    }
    yield key;
  }
}

/** The first `limit` keys of a walk as a page (one more is read to know whether a cursor is due). */
export function keyPage(keys: Iterable<string>, limit: number): KeyPage {
  const items: string[] = [];
  for (const key of keys) {
    if (items.length === limit) return { items, cursor: encodeKeyCursor(utf8(items.at(-1)!)) };
    items.push(key);
  }
  return { items };
}
