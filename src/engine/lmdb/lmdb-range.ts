/** Range iteration over one namespace of the LMDB database, for the engine and its snapshots. */
import type { RangeOptions, Transaction } from 'lmdb';
import type { EngineEntry, NormalizedRange } from '../engine.js';
import { engineFailure } from './io-errors.js';
import { ID_BYTES, type KeeprLmdb, type NamespaceKeys } from './lmdb-keys.js';
import { borrowedValue, ownedValue } from './lmdb-values.js';

/** lmdb range options for a normalised range inside one namespace. */
function lmdbRange(keys: NamespaceKeys, range: NormalizedRange, transaction: Transaction | undefined): RangeOptions {
  const lower = range.lower === undefined ? keys.start : keys.fresh(range.lower);
  const upper = range.upper === undefined ? keys.end : keys.fresh(range.upper);
  const lowerInclusive = range.lower === undefined || range.lowerInclusive;
  const upperInclusive = range.upper !== undefined && range.upperInclusive;
  // lmdb-js iterates from `start` towards `end`, so in reverse the upper bound is the start.
  const options: RangeOptions = range.reverse
    ? { start: upper, end: lower, exclusiveStart: !upperInclusive, inclusiveEnd: lowerInclusive, reverse: true }
    : { start: lower, end: upper, exclusiveStart: !lowerInclusive, inclusiveEnd: upperInclusive };
  return {
    ...options,
    ...(Number.isFinite(range.limit) ? { limit: range.limit } : {}),
    ...(transaction === undefined ? {} : { transaction }),
  };
}

/** How a range reads: in a snapshot's transaction (or the current one), and whether it borrows values. */
export interface RangeRead {
  readonly transaction: Transaction | undefined;
  readonly borrow: boolean;
}

/**
 * Entries of one namespace within `range`, prefix stripped. Keys are fresh copies from lmdb-js;
 * values are copies from Node's buffer pool, or views of lmdb-js's read buffer when `borrow`. `guard` runs before every cursor step so a step after close fails cleanly
 * instead of touching a closed environment; open cursors are kept in `live` so their owner can
 * release them before closing. (A plain iterator object rather than a generator: this is the
 * scan loop, and a generator's resumption costs a measurable share of each step.)
 */
export function rangeEntries(
  db: KeeprLmdb,
  keys: NamespaceKeys,
  range: NormalizedRange,
  read: RangeRead,
  guard: () => void,
  live: Set<Iterator<unknown>>,
): IterableIterator<EngineEntry> {
  guard();
  return new RangeCursor(db, range.limit === 0 ? undefined : lmdbRange(keys, range, read.transaction), read.borrow ? borrowedValue : ownedValue, guard, live);
}

type LmdbEntry = { key: Uint8Array; value: Uint8Array };

class RangeCursor implements IterableIterator<EngineEntry> {
  readonly #db: KeeprLmdb;
  readonly #options: RangeOptions | undefined;
  readonly #value: (key: Uint8Array, shared: Uint8Array) => Uint8Array;
  readonly #guard: () => void;
  readonly #live: Set<Iterator<unknown>>;
  #inner: Iterator<LmdbEntry> | undefined;
  #done = false;

  constructor(db: KeeprLmdb, options: RangeOptions | undefined, value: (key: Uint8Array, shared: Uint8Array) => Uint8Array, guard: () => void, live: Set<Iterator<unknown>>) {
    this.#db = db;
    this.#options = options;
    this.#value = value;
    this.#guard = guard;
    this.#live = live;
    this.#done = options === undefined;
  }

  [Symbol.iterator](): IterableIterator<EngineEntry> {
    return this;
  }

  next(): IteratorResult<EngineEntry> {
    if (this.#done) return { done: true, value: undefined };
    this.#guard();
    let step: IteratorResult<LmdbEntry>;
    try {
      if (this.#inner === undefined) {
        this.#inner = this.#db.getRange(this.#options)[Symbol.iterator]();
        // The owner closes the cursor itself on close; our next step then fails in guard().
        this.#live.add(this.#inner);
      }
      step = this.#inner.next();
    } catch (err) {
      this.return();
      throw engineFailure(err, 'range');
    }
    if (step.done === true) {
      this.return();
      return { done: true, value: undefined };
    }
    const { key, value } = step.value;
    // A copy, not a subarray: lmdb-js hands out keys as small on-heap arrays, and a view of one
    // makes V8 move it off the heap (the costliest step of a scan).
    return { done: false, value: { key: sliceFrom(key, ID_BYTES), value: this.#value(key, value) } };
  }

  return(): IteratorResult<EngineEntry> {
    if (!this.#done) {
      this.#done = true;
      if (this.#inner !== undefined) {
        this.#live.delete(this.#inner);
        this.#inner.return?.();
      }
    }
    return { done: true, value: undefined };
  }
}

/** Closes lmdb cursors still held by abandoned iterators. */
export function releaseIterators(live: Set<Iterator<unknown>>): void {
  for (const iterator of live) iterator.return?.();
  live.clear();
}

/** `bytes` from `start` on, copied (see RangeCursor.next for why not a view). */
function sliceFrom(bytes: Uint8Array, start: number): Uint8Array {
  // Uint8Array's own slice: lmdb-js keys are Buffers, whose slice() is a view.
  return Uint8Array.prototype.slice.call(bytes, start);
}
