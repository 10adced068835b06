/**
 * The LMDB engine (the default): one LMDB database in `<path>/keepr.mdb`, namespaces as u32
 * key prefixes, writes as lmdb-js child transactions, snapshots as held read transactions.
 */
import { closeSync, existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  Engine,
  type EngineCapabilities,
  type EngineHealth,
  type EngineEntry,
  type EngineSnapshot,
  type EngineReader,
  type EngineStats,
  type NormalizedRange,
  type RecordCheckReport,
  type WriteOp,
  type WriteOutcome,
} from '../engine.js';
import { KeeprError } from '../../errors.js';
import { settle } from '../sync-adapters.js';
import { ArenaPool, LmdbBatch } from './lmdb-batch.js';
import type { LmdbCommitter } from './lmdb-commit.js';
import { engineFailure, openFailure } from './io-errors.js';
import { openLocked } from './lmdb-open.js';
import type { RecoveryReport } from './lmdb-recovery.js';
import { syncDir } from './log-segments.js';
import { closeWriter } from './writer-registry.js';
import { checkRecords } from './lmdb-record-check.js';
import { borrowedValue, ownedValue } from './lmdb-values.js';
import { OPEN_LOCK_FILE, OpenLock } from './open-lock.js';
import { LMDB_FILE_NAME, LOG_DIR_NAME, resolveLmdbEngineConfig, type LmdbDurability, type LmdbEngineConfig, type ResolvedLmdbEngineConfig } from './lmdb-engine-config.js';
import { FIRST_NAMESPACE_ID, ID_BYTES, REGISTRY_NAMES_END, REGISTRY_NAMES_START, REGISTRY_START, u32, type KeeprLmdb } from './lmdb-keys.js';
import { LmdbNamespaces, type RunLogged } from './lmdb-namespaces.js';
import { rangeEntries, releaseIterators } from './lmdb-range.js';
import { LmdbSnapshot } from './lmdb-snapshot.js';

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
  #ns: LmdbNamespaces | undefined;
  readonly #snapshots = new Set<LmdbSnapshot>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #live = new Set<Iterator<unknown>>();
  readonly #arenas = new ArenaPool();

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
      const committer = opened.committer;
      this.#ns = new LmdbNamespaces(opened.db, this.supports.maxKeyBytes, this.#run, (seq) => {
        committer.observe(seq);
      });
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
    this.#ns?.clear();
    this.#ns = undefined;
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

  /** Grows when another process or engine may have written (checked at most once per turn). */
  override get externalVersion(): number {
    if (this.status !== 'open') return 0;
    this.#ns!.checkGeneration();
    return this.#committer?.foreignCommits ?? 0;
  }

  // Creates and drops are tracked whole (flush wait included) so close() waits for them.
  protected _createNamespace(name: string): Promise<void> {
    return this.#track(this.#ns!.create(name));
  }

  protected _dropNamespace(name: string): Promise<boolean> {
    return this.#track(this.#ns!.drop(name));
  }

  protected _hasNamespace(name: string): Promise<boolean> {
    return settle(() => this.#ns!.has(name));
  }

  protected _listNamespaces(): Promise<string[]> {
    return settle(() => this.#ns!.list());
  }

  // Hot path: a flag test, one Map lookup, one key copy into a scratch buffer, one lmdb read.
  protected override _getSync(namespace: string, key: Uint8Array, borrow = false): Uint8Array | undefined {
    const keys = this.#ns!.keysFor(namespace);
    try {
      const full = keys.key(key);
      const shared = this.#db!.getBinaryFast(full);
      if (shared === undefined) return undefined;
      return borrow ? borrowedValue(full, shared) : ownedValue(full, shared);
    } catch (err) {
      throw engineFailure(err, 'get');
    }
  }

  protected override _hasSync(namespace: string, key: Uint8Array): boolean {
    const keys = this.#ns!.keysFor(namespace);
    try {
      return this.#db!.doesExist(keys.key(key));
    } catch (err) {
      throw engineFailure(err, 'has');
    }
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected override _rangeSync(namespace: string, range: NormalizedRange, borrow = false): Iterable<EngineEntry> {
    return rangeEntries(this.#db!, this.#ns!.keysFor(namespace), range, { transaction: undefined, borrow }, this.#guard, this.#live);
  }

  protected _write(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome> {
    return this.#track(this.#writeBatch(ops, owned));
  }

  async #writeBatch(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome> {
    const db = this.#db!;
    // The batch runs later (in the turn's group transaction, or lmdb-js's next batch): copy,
    // unless the caller handed the buffers over.
    const batch = new LmdbBatch(ops, !owned, this.#arenas);
    try {
      await this.#run('write', () => batch.run(db, this.#ns!.rememberInTxn));
    } finally {
      // Settled: the committer never runs this batch again.
      batch.release();
    }
    return batch.outcome();
  }

  /**
   * Runs `body` as one write transaction; it returns the operations it made (for the commit log)
   * or ABORT, and throwing rolls back too. Resolves, once as durable as configured, to whether it
   * committed. Without the commit log it is a child transaction of lmdb-js's next write batch (a
   * plain `transaction()` would commit writes made before a throw) followed by LMDB's own flush.
   */
  readonly #run: RunLogged = async (what, body) => {
    try {
      return await this.#committer!.commit(body);
    } catch (err) {
      throw engineFailure(err, what);
    }
  };

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
  protected override _checkRecords(onRecord?: (records: number) => void): Promise<RecordCheckReport> {
    return settle(() => checkRecords(this.#db!, onRecord));
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
    return { engine: this.name, path: this.config.path, byteLength: size, namespaces, extra, readers: parseReaderList(db.readerList()) };
  }
}

/**
 * LMDB's reader table as lmdb-js prints it (`mdb_reader_list`): a header line, then
 * `pid thread txnid` per slot, txnid `-` for an idle slot, or `(no active readers)`.
 */
export function parseReaderList(text: string): EngineReader[] {
  const readers: EngineReader[] = [];
  for (const line of text.split('\n')) {
    const [pid, thread, txnid] = line.trim().split(/\s+/);
    if (pid === undefined || thread === undefined || txnid === undefined || !/^\d+$/.test(pid)) continue;
    readers.push({ pid: Number(pid), thread, txnid: /^\d+$/.test(txnid) ? Number(txnid) : null });
  }
  return readers;
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
