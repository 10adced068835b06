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
import { KeeprError } from '../errors.js';
import { isArray, isObject } from '../util/guards.js';
import { assertKey, assertNamespace, closedError, normalizeRange } from './engine-args.js';
import type { Durability, EngineCapabilities, EngineEntry, EngineHealth, EngineStats, EngineStatus, NormalizedRange, RangeOptions, SyncReadOptions, RecordCheckReport, WriteOp, WriteOptions, WriteOutcome } from './engine-types.js';
import { settle, toAsync } from './sync-adapters.js';

export * from './engine-types.js';
export { assertKey, assertNamespace, inRange, normalizeRange } from './engine-args.js';

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

  /** Synchronous get; only where `supports.syncReads`. `{ borrow: true }`: see {@link SyncReadOptions}. */
  getSync(namespace: string, key: Uint8Array, options?: SyncReadOptions): Uint8Array | undefined {
    this.checkRead(namespace, key);
    this.assertSync();
    return this._getSync(namespace, key, options?.borrow === true);
  }

  /** Synchronous has; only where `supports.syncReads`. */
  hasSync(namespace: string, key: Uint8Array): boolean {
    this.checkRead(namespace, key);
    this.assertSync();
    return this._hasSync(namespace, key);
  }

  /** Synchronous range; only where `supports.syncReads`. `{ borrow: true }`: see {@link SyncReadOptions}. */
  rangeSync(namespace: string, options: RangeOptions = {}, read?: SyncReadOptions): Iterable<EngineEntry> {
    this.assertReadable();
    assertNamespace(namespace);
    this.assertSync();
    return this._rangeSync(namespace, normalizeRange(options, this.supports.maxKeyBytes), read?.borrow === true);
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

  /** `borrow`: the caller reads the value before the next read and never writes to it. */
  protected _getSync(_namespace: string, _key: Uint8Array, _borrow?: boolean): Uint8Array | undefined {
    throw new KeeprError('ENGINE_NOT_SUPPORTED', 'this engine has no synchronous reads');
  }

  protected _hasSync(namespace: string, key: Uint8Array): boolean {
    return this._getSync(namespace, key) !== undefined;
  }

  /** `borrow`: each value is read before the next step and never written to. */
  protected _rangeSync(_namespace: string, _range: NormalizedRange, _borrow?: boolean): Iterable<EngineEntry> {
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
    await this.write([{ op: 'put', namespace, key, value }]);
  }

  /** Removes one key (a one-operation {@link write}). */
  async delete(namespace: string, key: Uint8Array): Promise<void> {
    await this.write([{ op: 'delete', namespace, key }]);
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

  /**
   * Checks every stored record against its own framing (a record moved under another key, a
   * flipped byte) from one snapshot, reporting each bad one; `onRecord` hears the running count.
   */
  async checkRecords(onRecord?: (records: number) => void): Promise<RecordCheckReport> {
    this.assertReadable();
    return this._checkRecords(onRecord);
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
    switch (op.op) {
      case 'put':
        if (!(op.value instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', 'put value must be a Uint8Array');
        return;
      case 'delete':
        return;
      case 'check':
        if (typeof op.test !== 'function') throw new KeeprError('ARGUMENT_INVALID', 'check test must be a function');
        return;
      default:
        throw new KeeprError('ARGUMENT_INVALID', `unknown op ${String((op as { op: unknown }).op)}`);
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

  protected _checkRecords(_onRecord?: (records: number) => void): Promise<RecordCheckReport> {
    // Engines that keep values as given have no framing to check.
    return Promise.resolve({ records: 0, bad: [] });
  }

  protected _backup(_path: string): Promise<void> {
    return Promise.reject(new KeeprError('ENGINE_NOT_SUPPORTED', `the ${this.name} engine has no hot backup`));
  }
}
