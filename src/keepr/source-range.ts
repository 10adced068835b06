/**
 * Key ranges of a Source: bounds (strings or bytes) turned into engine ranges, with a listing
 * cursor (src/util/cursor.ts) folded in.
 */
import type { RangeOptions } from '../engine/engine-types.js';
import { KeeprError } from '../errors.js';
import { compareBytes } from '../util/bytes.js';
import { isObject } from '../util/guards.js';
import { decodeKeyCursor } from '../util/cursor.js';
import { boundBytes, keyEncodingOption, prefixBytes, type Key, type KeyEncoding } from './keys.js';
import { MAX_KEY_BYTES } from './names.js';
import type { KeyBounds } from '../util/range.js';


/** Options of {@link Source.entries} and {@link Source.entriesSync}: all given bounds apply. */
export interface EntriesOptions<E extends KeyEncoding = KeyEncoding> extends KeyBounds<Key> {
  /** Continue after the page of a listing that returned this cursor. */
  readonly cursor?: string;
  /** Keys as strings (`utf8`, the default; `KEY_NOT_UTF8` for keys that are not UTF-8) or as bytes (`binary`). */
  readonly keyEncoding?: E;
  /**
   * `entriesSync` only: each block may be a view of the engine's read buffer, valid until the
   * next step of the loop (or any other read) and never to be written to; copy what you keep
   * (`Block.decode(new Uint8Array(block.bytes))`). The fast path for scans. Default `false`.
   */
  readonly borrow?: boolean;
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

/** A checked range: engine options, the key encoding asked for, and whether values are borrowed. */
export interface CheckedRange {
  readonly range: RangeOptions;
  readonly keyEncoding: KeyEncoding;
  readonly borrow: boolean;
}

/** Reads the `borrow` option (a boolean, default false). */
export function borrowOption(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new KeeprError('ARGUMENT_INVALID', 'borrow must be a boolean', { details: { argument: 'borrow' } });
  return value;
}

/**
 * Engine range options for the bounds (checked: a prefix under the prefix rules, bounds of at
 * most 512 bytes), with a cursor folded in: the range then starts strictly after its key
 * (before it, in reverse), within the other bounds.
 */
export function engineRange(options: EntriesOptions): CheckedRange {
  if (!isObject(options)) throw new KeeprError('ARGUMENT_INVALID', 'options must be an object');
  const { prefix = '', reverse = false, limit, cursor } = options;
  const range: { -readonly [K in keyof RangeOptions]: RangeOptions[K] } = { reverse };
  const prefixed = prefixBytes(prefix);
  if (prefixed.length > 0) range.prefix = prefixed;
  for (const bound of BOUNDS) {
    const value: unknown = options[bound];
    if (value !== undefined) range[bound] = boundBytes(value, bound);
  }
  if (range.gt !== undefined && range.gte !== undefined) throw new KeeprError('ARGUMENT_INVALID', 'give gt or gte, not both');
  if (range.lt !== undefined && range.lte !== undefined) throw new KeeprError('ARGUMENT_INVALID', 'give lt or lte, not both');
  if (cursor !== undefined) {
    const after = decodeKeyCursor(cursor, MAX_KEY_BYTES);
    if (reverse) {
      const upper = range.lt ?? range.lte;
      // The cursor's key was returned, so it lies within the bounds; keep whichever bound is tighter.
      if (upper === undefined || compareBytes(after, upper) <= 0) {
        delete range.lte;
        range.lt = after;
      }
    } else {
      const lower = range.gt ?? range.gte;
      if (lower === undefined || compareBytes(after, lower) >= 0) {
        delete range.gte;
        range.gt = after;
      }
    }
  }
  if (limit !== undefined) range.limit = limit;
  return { range, keyEncoding: keyEncodingOption(options.keyEncoding), borrow: borrowOption(options.borrow) };
}
