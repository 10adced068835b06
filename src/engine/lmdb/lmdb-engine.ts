/**
 * The LMDB engine (the default): one LMDB database in `<path>/keepr.mdb`, namespaces as u32
 * key prefixes, writes as lmdb-js child transactions, snapshots as held read transactions.
 */
import { closeSync, existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ABORT } from 'lmdb';
import {
  Engine,
  type EngineCapabilities,
  type EngineHealth,
  type EngineEntry,
  type EngineSnapshot,
  type EngineStats,
  type NormalizedRange,
  type WriteOp,
  type WriteOutcome,
} from '../engine.js';
import { KeeprError } from '../../errors.js';
import { settle } from '../sync-adapters.js';
import { LmdbBatch, type RememberNamespace } from './lmdb-batch.js';
import type { LmdbCommitter } from './lmdb-commit.js';
import { openFailure } from './io-errors.js';
import { openLocked } from './lmdb-open.js';
import type { RecoveryReport } from './lmdb-recovery.js';
import { syncDir } from './log-segments.js';
import { closeWriter } from './writer-registry.js';
import { checkRecords, type RecordCheckReport } from './lmdb-record-check.js';
import { recordValue } from './lmdb-record.js';
import { applyLogged, readSeq } from './lmdb-seq.js';
import { OPEN_LOCK_FILE, OpenLock } from './open-lock.js';
import type { LoggedOp } from './log-record.js';
import { LMDB_FILE_NAME, LOG_DIR_NAME, resolveLmdbEngineConfig, type LmdbDurability, type LmdbEngineConfig, type ResolvedLmdbEngineConfig } from './lmdb-engine-config.js';
import {
  FIRST_NAMESPACE_ID,
  ID_BYTES,
  LmdbSnapshot,
  MAX_NAMESPACE_ID,
  NamespaceKeys,
  REGISTRY_COUNTER_KEY,
  REGISTRY_GENERATION_KEY,
  REGISTRY_NAMES_END,
  REGISTRY_NAMES_START,
  REGISTRY_START,
  engineFailure,
  namespaceNotFound,
  rangeEntries,
  readNamespaceId,
  readU32,
  registryNameKey,
  releaseIterators,
  u32,
  type KeeprLmdb,
} from './lmdb-snapshot.js';

/**
 * Copies a value lmdb-js handed out in its shared read buffer. Buffer.allocUnsafe takes small
 * copies from Node's pre-allocated pool (8-byte aligned, so block views stay zero-copy), which
 * is cheaper than the fresh allocation behind lmdb-js's `getBinary`.
 */
function ownedCopy(key: Uint8Array, shared: Uint8Array | undefined): Uint8Array | undefined {
  if (shared === undefined) return undefined;
  // lmdb-js sets `length` on its shared buffer as a plain property; the array underneath is larger.
  const length = shared.length;
  const value = recordValue(key, length === shared.byteLength ? shared : shared.subarray(0, length));
  const copy = Buffer.allocUnsafe(value.length);
  copy.set(value);
  return copy;
}


const LMDB_CAPABILITIES: EngineCapabilities = Object.freeze({
  persistent: true,
  syncReads: true,
  multiProcess: true,
  hotBackup: true,
  maxKeyBytes: 1024,
});

/**
 * Engine on LMDB through lmdb-js. Reads are synchronous and go straight to the memory map;
 * another process's commits become visible at the next event-loop turn (lmdb-js reuses one
 * read transaction per turn). Writes are queued to lmdb-js's write thread and run as child
 * transactions, so a failed check or a throw rolls back only that batch.
 */
export class LmdbEngine extends Engine {
  /** Engine name. */
  readonly name = 'lmdb';
  /** LMDB capabilities: persistent, synchronous reads, multi-process, hot backup. */
  readonly supports: EngineCapabilities = LMDB_CAPABILITIES;
  /** Validated configuration. */
  readonly config: ResolvedLmdbEngineConfig;
  /** `sync` (default) or `write-cache`, from the config. */
  readonly durability: LmdbDurability;
  #db: KeeprLmdb | undefined;
  #committer: LmdbCommitter | undefined;
  #lock: OpenLock | undefined;
  #writer: string | undefined;
  #dataFd: number | undefined;
  #recovery: RecoveryReport | undefined;
  // name -> prefixed-key helper; a miss re-reads the registry (another process may have created it).
  readonly #namespaces = new Map<string, NamespaceKeys>();
  // Registry generation the cache was filled under, and whether it was compared this turn.
  #generation = -1;
  #generationChecked = false;
  readonly #snapshots = new Set<LmdbSnapshot>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #live = new Set<Iterator<unknown>>();

  /** Creates a closed engine; throws `OPTION_INVALID` for a bad config. */
  constructor(config: LmdbEngineConfig) {
    super();
    this.config = resolveLmdbEngineConfig(config);
    this.durability = this.config.durability;
  }

  /** Path of the LMDB data file. */
  get file(): string {
    return join(this.config.path, LMDB_FILE_NAME);
  }

  protected async _open(): Promise<void> {
    this.#generationChecked = false;
    const root = join(this.config.path, LOG_DIR_NAME);
    let lock: OpenLock;
    try {
      const created = !existsSync(this.config.path);
      await mkdir(root, { recursive: true });
      // A new store's directory entry must survive a power cut too.
      if (created) syncDir(dirname(this.config.path));
      lock = OpenLock.open(join(root, OPEN_LOCK_FILE));
    } catch (err) {
      // A path under a regular file, a directory without permission: name the path and the cause.
      throw openFailure(err, this.config.path);
    }
    this.#lock = lock;
    try {
      const opened = lock.run(() => openLocked(this.config, root));
      this.#db = opened.db;
      this.#committer = opened.committer;
      this.#writer = opened.writer;
      this.#dataFd = opened.dataFd;
      this.#recovery = opened.recovery;
    } catch (err) {
      this.#lock = undefined;
      await lock.close();
      throw openFailure(err, this.config.path);
    }
  }

  /** Syncs LMDB's data file now, records the checkpoint and drops the log segments it covers. */
  async checkpoint(): Promise<void> {
    this.assertReadable();
    await this.#track(this.#committer!.checkpoint());
  }

  /** What recovery did at open (set back to a checkpoint, records replayed, folders removed). */
  get recovery(): RecoveryReport | undefined {
    return this.#recovery;
  }

  /** Whether the store takes writes now; `STORE_FULL` while its disk is full. */
  override health(): EngineHealth {
    if (this.status !== 'open' || this.#committer === undefined) return { writable: false, code: 'STORE_CLOSED', message: 'the store is closed' };
    return this.#committer.health();
  }

  protected async _close(): Promise<void> {
    const db = this.#db;
    if (db === undefined) return;
    await Promise.all([...this.#snapshots].map((snapshot) => snapshot.close()));
    await Promise.allSettled([...this.#pending]);
    releaseIterators(this.#live);
    this.#namespaces.clear();
    this.#db = undefined;
    try {
      await this.#committer?.close();
      this.#committer = undefined;
      if (this.#dataFd !== undefined) closeSync(this.#dataFd);
      this.#dataFd = undefined;
      // Closed, this writer's folder keeps only its checkpoint until another writer's covers it.
      const writer = this.#writer;
      const root = join(this.config.path, LOG_DIR_NAME);
      if (writer !== undefined) {
        this.#lock?.run(() => {
          closeWriter(root, writer);
        });
      }
      await db.close();
    } catch (err) {
      throw engineFailure(err, 'close');
    } finally {
      await this.#lock?.close();
      this.#lock = undefined;
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const settled = (): void => {
      this.#pending.delete(work);
    };
    void work.then(settled, settled);
    return work;
  }

  #remember(name: string, id: number): NamespaceKeys {
    const known = this.#namespaces.get(name);
    if (known?.id === id) return known;
    const keys = new NamespaceKeys(id, this.supports.maxKeyBytes);
    this.#namespaces.set(name, keys);
    return keys;
  }

  /** Re-reads the registry with a fresh read transaction and updates the cache. */
  #lookup(db: KeeprLmdb, name: string): NamespaceKeys | undefined {
    db.resetReadTxn();
    const id = readNamespaceId(db, name);
    if (id === undefined) {
      this.#namespaces.delete(name);
      return undefined;
    }
    return this.#remember(name, id);
  }

  #namespace(name: string): NamespaceKeys {
    const keys = this.#namespaces.get(name) ?? this.#lookup(this.#db!, name);
    if (keys === undefined) throw namespaceNotFound(name);
    return keys;
  }

  /**
   * Cached keys of a namespace for reads. Once per timer turn (lmdb-js renews its read
   * transaction at the same pace) the registry generation is compared, so a drop made by
   * another process empties the cache instead of leaving reads on a stale id.
   */
  #keysFor(name: string): NamespaceKeys {
    if (!this.#generationChecked) this.#checkGeneration();
    return this.#namespaces.get(name) ?? this.#namespace(name);
  }

  #checkGeneration(): void {
    this.#generationChecked = true;
    setTimeout(this.#expireGenerationCheck, 0).unref();
    const raw = this.#db!.getBinary(REGISTRY_GENERATION_KEY);
    const generation = raw === undefined ? 0 : readU32(raw, 'generation');
    if (generation !== this.#generation) {
      this.#namespaces.clear();
      this.#generation = generation;
    }
    this.#committer?.observe(readSeq(this.#db!));
  }

  /** Grows when another process or engine may have written (checked at most once per turn). */
  override get externalVersion(): number {
    if (this.status !== 'open') return 0;
    if (!this.#generationChecked) this.#checkGeneration();
    return this.#committer?.foreignCommits ?? 0;
  }

  readonly #expireGenerationCheck = (): void => {
    this.#generationChecked = false;
  };

  // Creates and drops are tracked whole (flush wait included) so close() waits for them.
  protected _createNamespace(name: string): Promise<void> {
    return this.#track(this.#create(name));
  }

  async #create(name: string): Promise<void> {
    const db = this.#db!;
    if (this.#lookup(db, name) !== undefined) return;
    let id = 0;
    await this.#run('create namespace', () => {
      // Re-check inside the write transaction: another writer may have created it meanwhile.
      const existing = readNamespaceId(db, name);
      if (existing !== undefined) {
        id = existing;
        return ABORT;
      }
      const counter = db.getBinary(REGISTRY_COUNTER_KEY);
      const next = counter === undefined ? FIRST_NAMESPACE_ID : readU32(counter, 'counter');
      if (next > MAX_NAMESPACE_ID) throw new KeeprError('ENGINE_FAILURE', 'lmdb namespace ids are exhausted');
      const ops: LoggedOp[] = [
        { type: 'put', key: registryNameKey(name), value: u32(next) },
        { type: 'put', key: REGISTRY_COUNTER_KEY, value: u32(next + 1) },
      ];
      for (const op of ops) applyLogged(db, op);
      id = next;
      return ops;
    });
    this.#remember(name, id);
  }

  protected _dropNamespace(name: string): Promise<boolean> {
    return this.#track(this.#drop(name));
  }

  async #drop(name: string): Promise<boolean> {
    const db = this.#db!;
    const dropped = await this.#run('drop namespace', () => {
      const id = readNamespaceId(db, name);
      if (id === undefined) return ABORT;
      const generation = db.getBinary(REGISTRY_GENERATION_KEY);
      const ops: LoggedOp[] = [
        { type: 'delete', key: registryNameKey(name) },
        { type: 'put', key: REGISTRY_GENERATION_KEY, value: u32(generation === undefined ? 1 : (readU32(generation, 'generation') + 1) >>> 0) },
        { type: 'deleteRange', key: u32(id), end: u32(id + 1) },
      ];
      for (const op of ops) applyLogged(db, op);
      return ops;
    });
    this.#namespaces.delete(name);
    // Our own bump: the next read re-reads the generation and refills the cache lazily.
    this.#generationChecked = false;
    return dropped;
  }

  protected _hasNamespace(name: string): Promise<boolean> {
    return settle(() => this.#lookup(this.#db!, name) !== undefined);
  }

  protected _listNamespaces(): Promise<string[]> {
    return settle(() => {
      const db = this.#db!;
      db.resetReadTxn();
      const names: string[] = [];
      for (const key of db.getKeys({ start: REGISTRY_NAMES_START, end: REGISTRY_NAMES_END })) {
        names.push(Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1', REGISTRY_NAMES_START.length));
      }
      return names;
    });
  }

  // Hot path: a flag test, one Map lookup, one key copy into a scratch buffer, one lmdb read.
  protected override _getSync(namespace: string, key: Uint8Array): Uint8Array | undefined {
    const keys = this.#keysFor(namespace);
    try {
      const full = keys.key(key);
      return ownedCopy(full, this.#db!.getBinaryFast(full));
    } catch (err) {
      throw engineFailure(err, 'get');
    }
  }

  protected override _hasSync(namespace: string, key: Uint8Array): boolean {
    const keys = this.#keysFor(namespace);
    try {
      return this.#db!.doesExist(keys.key(key));
    } catch (err) {
      throw engineFailure(err, 'has');
    }
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected override _rangeSync(namespace: string, range: NormalizedRange): Iterable<EngineEntry> {
    return rangeEntries(this.#db!, this.#keysFor(namespace), range, undefined, this.#guard, this.#live);
  }

  protected _write(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome> {
    return this.#track(this.#writeBatch(ops, owned));
  }

  async #writeBatch(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome> {
    const db = this.#db!;
    // The batch runs later (in the turn's group transaction, or lmdb-js's next batch): copy,
    // unless the caller handed the buffers over.
    const batch = new LmdbBatch(ops, !owned);
    await this.#run('write', () => batch.run(db, this.#rememberInTxn));
    return batch.outcome();
  }

  readonly #rememberInTxn: RememberNamespace = (name, id) => {
    if (id !== undefined) return this.#remember(name, id);
    this.#namespaces.delete(name);
    return undefined;
  };

  /**
   * Runs `body` as one write transaction; it returns the operations it made (for the commit log)
   * or ABORT, and throwing rolls back too. Resolves, once as durable as configured, to whether it
   * committed. Without the commit log it is a child transaction of lmdb-js's next write batch (a
   * plain `transaction()` would commit writes made before a throw) followed by LMDB's own flush.
   */
  async #run(what: string, body: () => readonly LoggedOp[] | typeof ABORT): Promise<boolean> {
    try {
      return await this.#committer!.commit(body);
    } catch (err) {
      throw engineFailure(err, what);
    }
  }

  /** Resolves once every acknowledged write is on disk. */
  protected override async _flushed(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.#committer!.flushed();
  }

  protected _snapshot(): Promise<EngineSnapshot> {
    return settle(() => {
      const db = this.#db!;
      // Start from the newest commit, including other processes' commits in this turn.
      db.resetReadTxn();
      const snapshot = new LmdbSnapshot(this.supports, db, db.useReadTransaction(), this.#release);
      this.#snapshots.add(snapshot);
      return snapshot;
    });
  }

  readonly #release = (snapshot: LmdbSnapshot): void => {
    this.#snapshots.delete(snapshot);
  };

  /**
   * Checks, from one snapshot, that every stored record belongs to its key and starts as
   * written (lmdb-record.ts), listing each one that does not.
   */
  checkRecords(onRecord?: (records: number) => void): RecordCheckReport {
    this.assertReadable();
    return checkRecords(this.#db!, onRecord);
  }

  protected override async _backup(path: string): Promise<void> {
    const db = this.#db!;
    const target = join(path, LMDB_FILE_NAME);
    await mkdir(path, { recursive: true });
    if (await exists(target)) {
      throw new KeeprError('ARGUMENT_INVALID', 'the backup directory already holds a store', { details: { path } });
    }
    try {
      // Not compacting: compacted copies have an open corruption issue in lmdb-js (#198).
      await db.backup(target, false);
    } catch (err) {
      throw engineFailure(err, 'backup');
    }
  }

  protected async _stats(): Promise<EngineStats> {
    const db = this.#db!;
    const { size } = await stat(this.file);
    db.resetReadTxn();
    const namespaces = db.getCount({ start: REGISTRY_NAMES_START, end: REGISTRY_NAMES_END });
    const registryEntries = db.getCount({ start: REGISTRY_START, end: u32(FIRST_NAMESPACE_ID) });
    const extra: Record<string, number> = {};
    const raw = db.getStats() as Record<string, unknown>;
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value === 'number') extra[name] = value;
    }
    const free = raw['free'];
    if (typeof free === 'object' && free !== null && 'entryCount' in free && typeof free.entryCount === 'number') {
      extra['freeEntryCount'] = free.entryCount;
    }
    extra['keyPrefixBytes'] = ID_BYTES;
    if (typeof extra['entryCount'] === 'number') extra['dataEntries'] = extra['entryCount'] - registryEntries;
    return { engine: this.name, path: this.config.path, sizeBytes: size, namespaces, extra };
  }
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
