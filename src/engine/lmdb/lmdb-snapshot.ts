/**
 * Key layout, registry reads and range iteration shared by the LMDB engine and its snapshots,
 * plus the snapshot class (a held LMDB read transaction).
 *
 * Layout of the single LMDB database:
 *   [00 00 00 00 00 01]           -> next namespace id (u32 BE)
 *   [00 00 00 00 00 02]           -> registry generation (u32 BE), bumped by every drop
 *   [00 00 00 00 01] + name       -> namespace id (u32 BE)
 *   [id u32 BE] + user key        -> value, for ids 1 to 0xFFFFFFFE
 * Namespaces are key prefixes rather than LMDB named databases, so their number is unbounded.
 */
import type { RangeOptions, RootDatabase, Transaction } from 'lmdb';
import { EngineSnapshot, type EngineCapabilities, type EngineEntry, type NormalizedRange } from '../engine.js';
import { KeeprError } from '../../errors.js';

import { engineFailure } from './io-errors.js';
import { recordValue } from './lmdb-record.js';

export { engineFailure };
/** The one LMDB database keepr uses: binary keys, binary values. */
export type KeeprLmdb = RootDatabase<Uint8Array, Uint8Array>;

/** Bytes of the namespace id prefix. */
export const ID_BYTES = 4;
/** First id handed to a namespace (0 is the registry). */
export const FIRST_NAMESPACE_ID = 1;
/** Last id a namespace may get, so `id + 1` still bounds its range. */
export const MAX_NAMESPACE_ID = 0xfffffffe;
/** First key of the registry. */
export const REGISTRY_START = Buffer.from([0, 0, 0, 0]);
/** Registry key of the namespace id counter. */
export const REGISTRY_COUNTER_KEY = Buffer.from([0, 0, 0, 0, 0, 1]);
/** Registry key of the generation: other processes compare it to notice drops. */
export const REGISTRY_GENERATION_KEY = Buffer.from([0, 0, 0, 0, 0, 2]);
/** First registry key of the name entries. */
export const REGISTRY_NAMES_START = Buffer.from([0, 0, 0, 0, 1]);
/** Bound just past the registry name entries. */
export const REGISTRY_NAMES_END = Buffer.from([0, 0, 0, 0, 2]);

/** A u32 as 4 big-endian bytes. */
export function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

/** Registry key of a namespace name (names are printable ASCII, so latin1 equals UTF-8). */
export function registryNameKey(name: string): Buffer {
  return Buffer.concat([REGISTRY_NAMES_START, Buffer.from(name, 'latin1')]);
}


/** The error for a namespace that does not exist. */
export function namespaceNotFound(namespace: string): KeeprError {
  return new KeeprError('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist`, { details: { namespace } });
}

/** Decodes a stored u32 (ids and the counter). */
export function readU32(raw: Uint8Array, what: string): number {
  if (raw.length !== 4) throw new KeeprError('ENGINE_FAILURE', `lmdb registry entry ${what} is corrupt`);
  return ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0;
}

/**
 * Id of a namespace from the registry, or undefined. Reads through `transaction` when given;
 * inside a write transaction callback lmdb-js reads the write transaction itself.
 */
export function readNamespaceId(db: KeeprLmdb, name: string, transaction?: Transaction): number | undefined {
  const raw = transaction === undefined ? db.getBinary(registryNameKey(name)) : db.get(registryNameKey(name), { transaction });
  return raw === undefined ? undefined : readU32(raw, name);
}

/**
 * Prefixed keys of one namespace. `key()` copies the user key after the prefix in a scratch
 * buffer and returns a cached view of the right length: no allocation per read. The view is
 * only valid until the next call, which is enough because lmdb copies keys synchronously.
 */
export class NamespaceKeys {
  /** Namespace id. */
  readonly id: number;
  /** First key of the namespace (its bare prefix). */
  readonly start: Buffer;
  /** First key past the namespace (the next id's prefix). */
  readonly end: Buffer;
  readonly #scratch: Buffer;
  readonly #views: (Buffer | undefined)[] = [];

  /** Keys for namespace `id`, with room for keys up to `maxKeyBytes`. */
  constructor(id: number, maxKeyBytes: number) {
    this.id = id;
    this.start = u32(id);
    this.end = u32(id + 1);
    // +1: range bounds may be one byte longer than any key.
    this.#scratch = Buffer.alloc(ID_BYTES + maxKeyBytes + 1);
    this.start.copy(this.#scratch, 0);
  }

  /** The prefixed key in the shared scratch buffer; valid until the next call. */
  key(userKey: Uint8Array): Buffer {
    const length = userKey.length;
    this.#scratch.set(userKey, ID_BYTES);
    let view = this.#views[length];
    if (view === undefined) {
      view = this.#scratch.subarray(0, ID_BYTES + length);
      this.#views[length] = view;
    }
    return view;
  }

  /** A new buffer holding the prefixed key (for bounds lmdb keeps until iteration starts). */
  fresh(userKey: Uint8Array): Buffer {
    return Buffer.concat([this.start, userKey]);
  }
}

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

/**
 * Entries of one namespace within `range`, prefix stripped. Keys and values are fresh copies
 * from lmdb-js. `guard` runs before every cursor step so a step after close fails cleanly
 * instead of touching a closed environment; open cursors are kept in `live` so their owner can
 * release them before closing. (A plain iterator object rather than a generator: this is the
 * scan loop, and a generator's resumption costs a measurable share of each step.)
 */
export function rangeEntries(
  db: KeeprLmdb,
  keys: NamespaceKeys,
  range: NormalizedRange,
  transaction: Transaction | undefined,
  guard: () => void,
  live: Set<Iterator<unknown>>,
): IterableIterator<EngineEntry> {
  guard();
  return new RangeCursor(db, range.limit === 0 ? undefined : lmdbRange(keys, range, transaction), guard, live);
}

type LmdbEntry = { key: Uint8Array; value: Uint8Array };

class RangeCursor implements IterableIterator<EngineEntry> {
  readonly #db: KeeprLmdb;
  readonly #options: RangeOptions | undefined;
  readonly #guard: () => void;
  readonly #live: Set<Iterator<unknown>>;
  #inner: Iterator<LmdbEntry> | undefined;
  #done = false;

  constructor(db: KeeprLmdb, options: RangeOptions | undefined, guard: () => void, live: Set<Iterator<unknown>>) {
    this.#db = db;
    this.#options = options;
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
    return { done: false, value: { key: step.value.key.subarray(ID_BYTES), value: recordValue(step.value.key, step.value.value) } };
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

/**
 * A snapshot: one LMDB read transaction held until `close()`. Namespaces are resolved through
 * that transaction too, so the registry is seen as of the snapshot.
 */
export class LmdbSnapshot extends EngineSnapshot {
  /** Capabilities of the engine this snapshot came from. */
  readonly supports: EngineCapabilities;
  readonly #db: KeeprLmdb;
  readonly #transaction: Transaction;
  readonly #options: { transaction: Transaction };
  readonly #keys = new Map<string, NamespaceKeys>();
  readonly #live = new Set<Iterator<unknown>>();
  readonly #onClose: (snapshot: LmdbSnapshot) => void;

  /** Wraps a read transaction from `useReadTransaction()`; `onClose` tells the engine. */
  constructor(supports: EngineCapabilities, db: KeeprLmdb, transaction: Transaction, onClose: (snapshot: LmdbSnapshot) => void) {
    super();
    this.supports = supports;
    this.#db = db;
    this.#transaction = transaction;
    this.#options = { transaction };
    this.#onClose = onClose;
  }

  #namespace(name: string): NamespaceKeys {
    let keys = this.#keys.get(name);
    if (keys === undefined) {
      const id = readNamespaceId(this.#db, name, this.#transaction);
      if (id === undefined) throw namespaceNotFound(name);
      keys = new NamespaceKeys(id, this.supports.maxKeyBytes);
      this.#keys.set(name, keys);
    }
    return keys;
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected override _getSync(namespace: string, key: Uint8Array): Uint8Array | undefined {
    const keys = this.#namespace(namespace);
    try {
      const full = keys.key(key);
      const stored = this.#db.get(full, this.#options);
      return stored === undefined ? undefined : recordValue(full, stored);
    } catch (err) {
      throw engineFailure(err, 'get');
    }
  }

  protected override _rangeSync(namespace: string, range: NormalizedRange): Iterable<EngineEntry> {
    return rangeEntries(this.#db, this.#namespace(namespace), range, this.#transaction, this.#guard, this.#live);
  }

  protected _close(): Promise<void> {
    // Cursors first: they hold references on the transaction that done() releases.
    releaseIterators(this.#live);
    this.#transaction.done();
    this.#onClose(this);
    return Promise.resolve();
  }
}

