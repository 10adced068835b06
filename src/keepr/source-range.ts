/**
 * Key ranges and listing cursors of a Source: string bounds turned into engine ranges, stored
 * keys turned back into strings, and the opaque cursors `list()` hands out.
 */
import type { RangeOptions } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { fromUtf8, utf8 } from '../util/bytes.js';
import { isObject } from '../util/guards.js';
import { MAX_KEY_BYTES, assertKey, assertPrefix } from './names.js';

const CURSOR_PREFIX = 'k1.';

/** Options of {@link Source.entries} and {@link Source.entriesSync}: all given bounds apply. */
export interface EntriesOptions {
  /** Only keys starting with this string. */
  readonly prefix?: string;
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly reverse?: boolean;
  /** At most this many entries. */
  readonly limit?: number;
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

/** Engine range options for string bounds (checked: strings no longer than any key). */
export function engineRange(options: EntriesOptions): RangeOptions {
  if (!isObject(options)) throw new KeeprError('ARGUMENT_INVALID', 'options must be an object');
  const { prefix = '', reverse = false, limit } = options;
  assertPrefix(prefix);
  const range: { -readonly [K in keyof RangeOptions]: RangeOptions[K] } = { reverse };
  if (prefix !== '') range.prefix = utf8(prefix);
  for (const bound of BOUNDS) {
    const value: unknown = options[bound];
    if (value === undefined) continue;
    if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_KEY_BYTES) {
      throw new KeeprError('ARGUMENT_INVALID', `${bound} must be a string of at most ${MAX_KEY_BYTES} bytes`);
    }
    range[bound] = utf8(value);
  }
  if (limit !== undefined) range.limit = limit;
  return range;
}

/** A stored key as a string (keys are stored as the UTF-8 of valid key strings). */
export function keyString(key: Uint8Array): string {
  return Buffer.isBuffer(key) ? key.toString('utf8') : fromUtf8(key);
}

/** Encodes a listing cursor (opaque to callers). */
export function encodeCursor(key: string): string {
  return CURSOR_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

/** Decodes a listing cursor; `CURSOR_INVALID` unless it came from {@link encodeCursor}. */
export function decodeCursor(cursor: string): Uint8Array {
  const invalid = (): KeeprError => new KeeprError('CURSOR_INVALID', 'the cursor was not issued by a listing of this store');
  if (typeof cursor !== 'string' || !cursor.startsWith(CURSOR_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(cursor.slice(CURSOR_PREFIX.length))) throw invalid();
  const bytes = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url');
  let key: string;
  try {
    key = fromUtf8(bytes);
    assertKey(key);
  } catch {
    throw invalid();
  }
  if (encodeCursor(key) !== cursor) throw invalid();
  return utf8(key);
}

