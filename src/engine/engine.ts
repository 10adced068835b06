/**
 * The engine contract: ordered binary keys in named namespaces, atomic batches with
 * preconditions, snapshots, and synchronous reads as a declared fast path.
 *
 * Public methods of {@link Engine} validate their arguments and the engine state and then call
 * a protected hook (`_get`, `_write`, ...). Hooks always receive validated arguments: keys are
 * non-empty Uint8Arrays within `maxKeyBytes`, namespace names follow {@link NAMESPACE_NAME_RULE},
 * range options are normalised into {@link NormalizedRange}. An engine overrides hooks only,
 * never a public method.
 */
import { KeeprError, type ErrorCode } from '../errors.js';
import { compareBytes, prefixUpperBound } from '../util/bytes.js';
import { isArray, isObject } from '../util/guards.js';
import { settle, toAsync } from './sync-adapters.js';

/** What an engine can do; layers above read it to pick fast paths. */
export interface EngineCapabilities {
  /** Data survives close and reopen. */
  readonly persistent: boolean;
  /** `getSync`, `hasSync` and `rangeSync` answer at once (declared fast path). */
  readonly syncReads: boolean;
  /** Other processes may open the same store while this one has it open. */
  readonly multiProcess: boolean;
  /** `backup()` makes a consistent copy while the engine is open. */
  readonly hotBackup: boolean;
  /** Largest key, in bytes. */
  readonly maxKeyBytes: number;
}

/** Lifecycle state of an engine. */
export type EngineStatus = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/** Whether an engine takes writes now; when not, the error code a write would get and why. */
export interface EngineHealth {
  readonly writable: boolean;
  readonly code?: ErrorCode;
  readonly message?: string;
}

/** Bounds of a range read; all given bounds apply together. */
export interface RangeOptions {
  /** Only keys that start with these bytes. */
  readonly prefix?: Uint8Array;
  readonly gt?: Uint8Array;
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly lte?: Uint8Array;
  /** Iterate from the greatest key down. */
  readonly reverse?: boolean;
  /** At most this many entries (a non-negative integer). */
  readonly limit?: number;
}

/**
 * Range bounds after validation: at most one lower and one upper bound, a prefix already
 * folded into them, and `limit` as a number (Infinity when unlimited).
 */
export interface NormalizedRange {
  readonly lower: Uint8Array | undefined;
  readonly lowerInclusive: boolean;
  readonly upper: Uint8Array | undefined;
  readonly upperInclusive: boolean;
  readonly reverse: boolean;
  readonly limit: number;
}

/** One key and its value. Both are owned by the caller. */
export interface EngineEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Store `value` under `key`. */
export interface PutOp {
  readonly type: 'put';
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Remove `key` (no effect when absent). */
export interface DeleteOp {
  readonly type: 'delete';
  readonly namespace: string;
  readonly key: Uint8Array;
}

/**
 * A precondition: inside the write transaction, `test` receives the current value of `key`
 * (undefined when absent); when it returns false nothing of the batch is written.
 */
export interface CheckOp {
  readonly type: 'check';
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly test: (current: Uint8Array | undefined) => boolean;
}

/** One operation of an atomic write. */
export type WriteOp = PutOp | DeleteOp | CheckOp;

/** Options of {@link Engine.write}. */
export interface WriteOptions {
  /**
   * The caller hands its key and value buffers over: it will never change them, so the engine
   * may keep them instead of copying (an internal fast path for freshly built batches).
   */
  readonly owned?: boolean;
}

/** Result of {@link Engine.write}: committed whole, or nothing written because a check failed. */
export type WriteOutcome = { readonly committed: true } | { readonly committed: false; readonly failedCheck: number };

/** Numbers an engine reports about itself. */
export interface EngineStats {
  readonly engine: string;
  /** Where the data lives, when on disk. */
  readonly path: string | undefined;
  /** Bytes used on disk (or in memory for memory engines). */
  readonly sizeBytes: number;
  readonly namespaces: number;
  /** Engine-specific counters. */
  readonly extra: Readonly<Record<string, number>>;
}

/** Namespace names: 1 to 200 printable ASCII characters (0x21 to 0x7E). */
export const NAMESPACE_NAME_RULE = /^[\x21-\x7e]{1,200}$/;

/** Throws `STORE_CLOSED` unless open; shared by engines and snapshots. */
function closedError(what: string, status: string): KeeprError {
  return new KeeprError('STORE_CLOSED', `${what} is ${status}`, { details: { status } });
}

/** Validates an engine key against a size limit. */
export function assertKey(key: unknown, maxKeyBytes: number, what = 'key'): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new KeeprError('KEY_INVALID', `${what} must be a Uint8Array`);
  }
  if (key.length === 0 || key.length > maxKeyBytes) {
    throw new KeeprError('KEY_INVALID', `${what} must be 1 to ${maxKeyBytes} bytes, got ${key.length}`, {
      details: { length: key.length, maxKeyBytes },
    });
  }
}

// Names already checked: the check runs on every read, and a store uses few namespaces.
const validNamespaces = new Set<string>();

/** Validates a namespace name. */
export function assertNamespace(name: unknown): asserts name is string {
  if (typeof name === 'string' && validNamespaces.has(name)) return;
  if (typeof name !== 'string' || !NAMESPACE_NAME_RULE.test(name)) {
    throw new KeeprError('NAME_INVALID', 'namespace names are 1 to 200 printable ASCII characters', {
      details: { name: typeof name === 'string' ? name : String(name) },
    });
  }
  if (validNamespaces.size >= 4096) validNamespaces.clear();
  validNamespaces.add(name);
}

/** Validates and normalises range options. */
export function normalizeRange(options: RangeOptions = {}, maxKeyBytes = Number.MAX_SAFE_INTEGER): NormalizedRange {
  if (!isObject(options)) {
    throw new KeeprError('ARGUMENT_INVALID', 'range options must be an object');
  }
  const { prefix, gt, gte, lt, lte, reverse = false, limit } = options;
  for (const [name, bound] of [['prefix', prefix], ['gt', gt], ['gte', gte], ['lt', lt], ['lte', lte]] as const) {
    if (bound !== undefined && !(bound instanceof Uint8Array)) {
      throw new KeeprError('KEY_INVALID', `range bound ${name} must be a Uint8Array`);
    }
    if (bound !== undefined && bound.length > maxKeyBytes + 1) {
      throw new KeeprError('KEY_INVALID', `range bound ${name} is longer than any key`);
    }
  }
  if (gt !== undefined && gte !== undefined) throw new KeeprError('ARGUMENT_INVALID', 'give gt or gte, not both');
  if (lt !== undefined && lte !== undefined) throw new KeeprError('ARGUMENT_INVALID', 'give lt or lte, not both');
  if (typeof reverse !== 'boolean') throw new KeeprError('ARGUMENT_INVALID', 'reverse must be a boolean');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
  }

  let lower = gt ?? gte;
  let lowerInclusive = gt === undefined;
  let upper = lt ?? lte;
  let upperInclusive = lt === undefined;
  if (prefix !== undefined && prefix.length > 0) {
    // Fold the prefix into the bounds: keep whichever bound is tighter.
    if (lower === undefined || compareBytes(prefix, lower) > 0) {
      lower = prefix;
      lowerInclusive = true;
    }
    const end = prefixUpperBound(prefix);
    if (end !== undefined && (upper === undefined || compareBytes(end, upper) <= 0)) {
      upper = end;
      upperInclusive = false;
    }
  }
  if (lower === undefined) lowerInclusive = true;
  if (upper === undefined) upperInclusive = true;
  return { lower, lowerInclusive, upper, upperInclusive, reverse, limit: limit ?? Infinity };
}

/** True when `key` lies within the normalised bounds (ignoring limit and direction). */
export function inRange(key: Uint8Array, range: NormalizedRange): boolean {
  if (range.lower !== undefined) {
    const c = compareBytes(key, range.lower);
    if (c < 0 || (c === 0 && !range.lowerInclusive)) return false;
  }
  if (range.upper !== undefined) {
    const c = compareBytes(key, range.upper);
    if (c > 0 || (c === 0 && !range.upperInclusive)) return false;
  }
  return true;
}

/**
 * When a write is acknowledged: `sync` once it is on disk, `write-cache` once it is committed in
 * memory (on disk within the engine's flush delay), `transient` never (nothing reaches a disk).
 */
export type Durability = 'sync' | 'write-cache' | 'transient';

/** Shared read surface of engines and snapshots. */
abstract class Reader {
  /** Capabilities of the engine behind this reader. */
  abstract readonly supports: EngineCapabilities;

  /** Throws `STORE_CLOSED` (or `SNAPSHOT_CLOSED`) when reads are not allowed now. */
  protected abstract assertReadable(): void;

  /** The value under `key`, or undefined. */
  async get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.checkRead(namespace, key);
    return this._get(namespace, key);
  }

  /** Values of many keys, in order, undefined where absent. */
  async getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.assertReadable();
    assertNamespace(namespace);
    if (!isArray(keys)) throw new KeeprError('ARGUMENT_INVALID', 'keys must be an array');
    for (const key of keys) assertKey(key, this.supports.maxKeyBytes);
    return this._getMany(namespace, keys);
  }

  /** True when `key` is present. */
  async has(namespace: string, key: Uint8Array): Promise<boolean> {
    this.checkRead(namespace, key);
    return this._has(namespace, key);
  }

  /** Entries in key order (or reverse) within the bounds. */
  range(namespace: string, options: RangeOptions = {}): AsyncIterable<EngineEntry> {
    this.assertReadable();
    assertNamespace(namespace);
    return this._range(namespace, normalizeRange(options, this.supports.maxKeyBytes));
  }

  /** Synchronous get; only where `supports.syncReads`. */
  getSync(namespace: string, key: Uint8Array): Uint8Array | undefined {
    this.checkRead(namespace, key);
    this.assertSync();
    return this._getSync(namespace, key);
  }

  /** Synchronous has; only where `supports.syncReads`. */
  hasSync(namespace: string, key: Uint8Array): boolean {
    this.checkRead(namespace, key);
    this.assertSync();
    return this._hasSync(namespace, key);
  }

  /** Synchronous range; only where `supports.syncReads`. */
  rangeSync(namespace: string, options: RangeOptions = {}): Iterable<EngineEntry> {
    this.assertReadable();
    assertNamespace(namespace);
    this.assertSync();
    return this._rangeSync(namespace, normalizeRange(options, this.supports.maxKeyBytes));
  }

  private checkRead(namespace: string, key: Uint8Array): void {
    this.assertReadable();
    assertNamespace(namespace);
    assertKey(key, this.supports.maxKeyBytes);
  }

  private assertSync(): void {
    if (!this.supports.syncReads) {
      throw new KeeprError('ENGINE_NOT_SUPPORTED', 'this engine has no synchronous reads');
    }
  }

  // The async hooks default to the sync ones, so an engine with synchronous reads implements
  // only `_getSync` and `_rangeSync`; an asynchronous engine (PostgreSQL) overrides these.

  protected _get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return settle(() => this._getSync(namespace, key));
  }

  protected _getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (this.supports.syncReads) return settle(() => keys.map((key) => this._getSync(namespace, key)));
    return Promise.all(keys.map((key) => this._get(namespace, key)));
  }

  protected async _has(namespace: string, key: Uint8Array): Promise<boolean> {
    if (this.supports.syncReads) return this._hasSync(namespace, key);
    return (await this._get(namespace, key)) !== undefined;
  }

  // Like other async iterators, the async form reports a missing namespace on the first step.
  protected _range(namespace: string, range: NormalizedRange): AsyncIterable<EngineEntry> {
    return toAsync(() => this._rangeSync(namespace, range));
  }

  protected _getSync(_namespace: string, _key: Uint8Array): Uint8Array | undefined {
    throw new KeeprError('ENGINE_NOT_SUPPORTED', 'this engine has no synchronous reads');
  }

  protected _hasSync(namespace: string, key: Uint8Array): boolean {
    return this._getSync(namespace, key) !== undefined;
  }

  protected _rangeSync(_namespace: string, _range: NormalizedRange): Iterable<EngineEntry> {
    throw new KeeprError('ENGINE_NOT_SUPPORTED', 'this engine has no synchronous reads');
  }
}

/**
 * A consistent read view of the whole engine at one moment: writes made after it was taken
 * are invisible to it. Release it with `close()` (or `await using`); long-lived snapshots
 * hold old data alive.
 */
export abstract class EngineSnapshot extends Reader implements AsyncDisposable {
  #closed = false;

  /** True once released. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Releases the snapshot; later reads fail with `SNAPSHOT_CLOSED`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this._close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected override assertReadable(): void {
    if (this.#closed) throw new KeeprError('SNAPSHOT_CLOSED', 'the snapshot was released');
  }

  protected abstract _close(): Promise<void>;
}

/** The storage engine contract. Subclasses implement the protected hooks only. */
export abstract class Engine extends Reader implements AsyncDisposable {
  /** Short engine name: `lmdb`, `memory`, `level`, `postgres`. */
  abstract readonly name: string;
  /** When this engine acknowledges a write (see {@link Durability}). */
  abstract readonly durability: Durability;
  #status: EngineStatus = 'new';
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /**
   * A number that changes whenever data may have been written by someone other than this engine
   * object (another process sharing the store). Caches above the engine compare it before
   * trusting what they hold. Engines that nobody else can write to keep it at 0.
   */
  get externalVersion(): number {
    return 0;
  }

  /**
   * Whether the engine takes writes now, and if not, why (`STORE_FULL` while its disk is full,
   * `STORE_CLOSED` when closed). Engines with nothing to report answer from their status.
   */
  health(): EngineHealth {
    return this.#status === 'open' ? { writable: true } : { writable: false, code: 'STORE_CLOSED', message: `engine is ${this.#status}` };
  }

  /** Current lifecycle state. */
  get status(): EngineStatus {
    return this.#status;
  }

  /** Opens the engine; concurrent calls share one open. Reopening a closed engine is allowed. */
  async open(): Promise<void> {
    if (this.#status === 'open') return;
    if (this.#opening !== undefined) return this.#opening;
    if (this.#status === 'closing') throw closedError('engine', 'closing');
    this.#status = 'opening';
    this.#opening = this._open().then(
      () => {
        this.#status = 'open';
        this.#opening = undefined;
      },
      (err: unknown) => {
        this.#status = 'closed';
        this.#opening = undefined;
        throw err instanceof KeeprError ? err : new KeeprError('ENGINE_FAILURE', `cannot open ${this.name} engine`, { cause: err });
      },
    );
    return this.#opening;
  }

  /** Waits for pending writes, then closes. Idempotent; concurrent calls share one close. */
  async close(): Promise<void> {
    if (this.#status === 'opening') await this.open().catch(() => undefined);
    if (this.#closing !== undefined) return this.#closing;
    if (this.#status !== 'open') return;
    this.#status = 'closing';
    // The executor turns a synchronous throw from the hook into a rejection too.
    this.#closing = new Promise<void>((resolve) => {
      resolve(this._close());
    }).finally(() => {
      this.#status = 'closed';
      this.#closing = undefined;
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Creates a namespace if it does not exist yet. */
  async createNamespace(name: string): Promise<void> {
    this.assertReadable();
    assertNamespace(name);
    await this._createNamespace(name);
  }

  /** Removes a namespace and everything in it; false when it did not exist. */
  async dropNamespace(name: string): Promise<boolean> {
    this.assertReadable();
    assertNamespace(name);
    return this._dropNamespace(name);
  }

  /** True when the namespace exists. */
  async hasNamespace(name: string): Promise<boolean> {
    this.assertReadable();
    assertNamespace(name);
    return this._hasNamespace(name);
  }

  /** Names of all namespaces, sorted by their UTF-8 bytes. */
  async listNamespaces(): Promise<string[]> {
    this.assertReadable();
    return this._listNamespaces();
  }

  /** Stores one value (a one-operation {@link write}). */
  async put(namespace: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.write([{ type: 'put', namespace, key, value }]);
  }

  /** Removes one key (a one-operation {@link write}). */
  async delete(namespace: string, key: Uint8Array): Promise<void> {
    await this.write([{ type: 'delete', namespace, key }]);
  }

  /**
   * Applies all operations in one transaction: every put and delete lands, or none does.
   * Checks run inside the transaction before anything is written; the first failing check
   * aborts the whole batch and is reported by index. Resolves once the batch is durable
   * (as far as the engine's durability setting promises).
   */
  async write(ops: readonly WriteOp[], options: WriteOptions = {}): Promise<WriteOutcome> {
    this.assertReadable();
    if (!isArray(ops)) throw new KeeprError('ARGUMENT_INVALID', 'ops must be an array');
    for (const op of ops) this.assertOp(op);
    if (ops.length === 0) return { committed: true };
    return this._write(ops, options.owned === true);
  }

  /**
   * Resolves once every write acknowledged so far is on disk. In `sync` durability that is
   * already true; in `write-cache` mode it forces the pending flush.
   */
  async flushed(): Promise<void> {
    this.assertReadable();
    await this._flushed();
  }

  /** A consistent read view; release it when done. */
  async snapshot(): Promise<EngineSnapshot> {
    this.assertReadable();
    return this._snapshot();
  }

  /** Copies the whole store to `path` (a new directory) while it stays open. */
  async backup(path: string): Promise<void> {
    this.assertReadable();
    if (typeof path !== 'string' || path.length === 0) throw new KeeprError('ARGUMENT_INVALID', 'backup path must be a non-empty string');
    if (!this.supports.hotBackup) throw new KeeprError('ENGINE_NOT_SUPPORTED', `the ${this.name} engine has no hot backup`);
    await this._backup(path);
  }

  /** Numbers about the engine. */
  async stats(): Promise<EngineStats> {
    this.assertReadable();
    return this._stats();
  }

  protected override assertReadable(): void {
    if (this.#status !== 'open') throw closedError('engine', this.#status === 'new' ? 'not open' : this.#status);
  }

  private assertOp(op: WriteOp): void {
    if (!isObject(op)) throw new KeeprError('ARGUMENT_INVALID', 'each op must be an object');
    assertNamespace(op.namespace);
    assertKey(op.key, this.supports.maxKeyBytes);
    switch (op.type) {
      case 'put':
        if (!(op.value instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', 'put value must be a Uint8Array');
        return;
      case 'delete':
        return;
      case 'check':
        if (typeof op.test !== 'function') throw new KeeprError('ARGUMENT_INVALID', 'check test must be a function');
        return;
      default:
        throw new KeeprError('ARGUMENT_INVALID', `unknown op type ${String((op as { type: unknown }).type)}`);
    }
  }

  protected abstract _open(): Promise<void>;
  protected abstract _close(): Promise<void>;
  protected abstract _createNamespace(name: string): Promise<void>;
  protected abstract _dropNamespace(name: string): Promise<boolean>;
  protected abstract _hasNamespace(name: string): Promise<boolean>;
  protected abstract _listNamespaces(): Promise<string[]>;
  /** `owned`: the engine may keep the op buffers instead of copying them. */
  protected abstract _write(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome>;
  protected abstract _snapshot(): Promise<EngineSnapshot>;
  protected abstract _stats(): Promise<EngineStats>;

  protected async _flushed(): Promise<void> {
    // Engines without a disk have nothing to flush.
  }

  protected _backup(_path: string): Promise<void> {
    return Promise.reject(new KeeprError('ENGINE_NOT_SUPPORTED', `the ${this.name} engine has no hot backup`));
  }
}
