/**
 * The LevelDB engine (classic-level): every namespace in one LevelDB under a key prefix
 * (level-keys.ts), writes group-committed (level-commit.ts), snapshots on LevelDB snapshots.
 * LevelDB locks its folder, so one process has a store open at a time; checks are serialised
 * in that process instead of in a transaction.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Engine, type EngineCapabilities, type EngineEntry, type EngineSnapshot, type EngineStats, type NormalizedRange, type WriteOp, type WriteOutcome } from '../engine.js';
import { KeeprError } from '../../errors.js';
import { equalBytes } from '../../util/bytes.js';
import { settle } from '../sync-adapters.js';
import { LevelCommitter, type LevelDb, type LevelOp } from './level-commit.js';
import { resolveLevelEngineConfig, type LevelDurability, type LevelEngineConfig, type ResolvedLevelEngineConfig } from './level-engine-config.js';
import { EMPTY, entryKey, FORMAT_KEY, FORMAT_VALUE, nameOfRegistryKey, namespaceEnd, namespacePrefix, REGISTRY_END, REGISTRY_PREFIX, registryKey, SYNC_KEY } from './level-keys.js';
import { isLocked, levelFailure, lockedError, removeOwner, writeOwner } from './level-owner.js';
import { levelRange } from './level-range.js';
import { LevelReads, LevelSnapshot, prefixIn } from './level-snapshot.js';

const LEVEL_CAPABILITIES: EngineCapabilities = Object.freeze({
  persistent: true,
  // LevelDB reads one key synchronously (getSync) but has no synchronous iterator.
  syncReads: false,
  multiProcess: false,
  hotBackup: true,
  maxKeyBytes: 1024,
});

/** Entries read or deleted per LevelDB step when a namespace is dropped or the store copied. */
const STEP = 1024;
/** Bytes a LevelDB step may hold (classic-level's default, 16 KiB, would cut steps short). */
const COPY_BYTES = 4 * 1024 * 1024;

/** One open database and what belongs to it. */
interface Opened {
  readonly db: LevelDb;
  readonly commit: LevelCommitter;
  readonly reads: LevelReads;
}

/** Engine on one LevelDB folder; see docs/engines.md ("level") for layout and guarantees. */
export class LevelEngine extends Engine {
  /** Engine name. */
  readonly name = 'level';
  /** Persistent, single process, hot backup, no synchronous ranges. */
  readonly supports: EngineCapabilities = LEVEL_CAPABILITIES;
  /** Validated configuration. */
  readonly config: ResolvedLevelEngineConfig;
  /** When writes are acknowledged. */
  readonly durability: LevelDurability;
  #opened: Opened | undefined;
  // Namespace names as of the latest accepted change; a snapshot may share the set, so it is
  // copied before it changes.
  #names = new Set<string>();
  #namesShared = false;
  readonly #creating = new Map<string, Promise<void>>();
  readonly #dropping = new Map<string, Promise<void>>();
  readonly #snapshots = new Set<LevelSnapshot>();

  /** Creates a closed engine; throws `OPTION_INVALID` for a bad config. */
  constructor(config: LevelEngineConfig) {
    super();
    this.config = resolveLevelEngineConfig(config);
    this.durability = this.config.durability;
  }

  /** The store folder. */
  get path(): string {
    return this.config.path;
  }

  protected async _open(): Promise<void> {
    const { path, cacheSize, writeBufferSize, compression } = this.config;
    const db: LevelDb = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view', cacheSize, writeBufferSize, compression });
    try {
      await mkdir(path, { recursive: true });
      await db.open();
    } catch (err) {
      if (isLocked(err)) throw lockedError(path, err);
      throw openFailure(err, path);
    }
    try {
      writeOwner(path);
      await checkFormat(db, path);
      this.#names = await loadNames(db);
      this.#namesShared = false;
    } catch (err) {
      await db.close().catch(() => undefined);
      removeOwner(path);
      throw err instanceof KeeprError ? err : openFailure(err, path);
    }
    const commit = new LevelCommitter(db, this.durability === 'sync', this.config.flushDelayMs);
    // Point reads see accepted writes still on their way into LevelDB, as checks do: a
    // read-check-retry loop then settles without waiting for a batch to land.
    this.#opened = { db, commit, reads: new LevelReads((key) => commit.read(key)) };
  }

  protected async _close(): Promise<void> {
    const { db, commit } = this.#live();
    try {
      await commit.drain();
    } finally {
      await Promise.all([...this.#snapshots].map((snapshot) => snapshot.close()));
      this.#opened = undefined;
      await db.close().catch(() => undefined);
      removeOwner(this.path);
    }
  }

  #live(): Opened {
    if (this.#opened === undefined) throw new KeeprError('STORE_CLOSED', 'the level engine is closed');
    return this.#opened;
  }

  /** The name set, ready to change (copied first when a snapshot shares it). */
  #mutableNames(): Set<string> {
    if (this.#namesShared) {
      this.#names = new Set(this.#names);
      this.#namesShared = false;
    }
    return this.#names;
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected async _createNamespace(name: string): Promise<void> {
    const pending = this.#creating.get(name);
    if (pending !== undefined) return pending;
    // A namespace created again after a drop starts once the old entries are gone.
    await this.#dropping.get(name)?.catch(() => undefined);
    if (this.#names.has(name)) return;
    const again = this.#creating.get(name);
    if (again !== undefined) return again;
    const { commit } = this.#live();
    this.#mutableNames().add(name);
    const created = commit.submit([{ type: 'put', key: registryKey(name), value: EMPTY }]).then(
      () => undefined,
      (err: unknown) => {
        this.#mutableNames().delete(name);
        throw err;
      },
    );
    const tracked = created.finally(() => this.#creating.delete(name));
    this.#creating.set(name, tracked);
    return tracked;
  }

  protected async _dropNamespace(name: string): Promise<boolean> {
    await this.#creating.get(name)?.catch(() => undefined);
    if (!this.#names.has(name)) return false;
    const { db, commit } = this.#live();
    this.#mutableNames().delete(name);
    // After every write accepted before the drop: they may have touched the namespace.
    const dropped = commit.task(async () => {
      const prefix = namespacePrefix(name);
      const ops: LevelOp[] = [];
      const keys = db.keys({ gt: prefix, lt: namespaceEnd(prefix), keyEncoding: 'view', highWaterMarkBytes: COPY_BYTES });
      try {
        for (let step = await keys.nextv(STEP); step.length > 0; step = await keys.nextv(STEP)) {
          for (const key of step) ops.push({ type: 'del', key });
        }
      } finally {
        await keys.close();
      }
      // One batch: the entries and the registry entry go together.
      ops.push({ type: 'del', key: registryKey(name) });
      await commit.apply(ops);
    });
    const tracked = dropped.then(
      () => undefined,
      (err: unknown) => {
        this.#mutableNames().add(name);
        throw levelFailure(err, 'drop namespace');
      },
    );
    this.#dropping.set(name, tracked);
    try {
      await tracked;
    } finally {
      if (this.#dropping.get(name) === tracked) this.#dropping.delete(name);
    }
    return true;
  }

  protected _hasNamespace(name: string): Promise<boolean> {
    return settle(() => this.#names.has(name));
  }

  protected _listNamespaces(): Promise<string[]> {
    // Printable ASCII names sort like their bytes.
    return settle(() => [...this.#names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  protected override _get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return settle(() => this.#live().reads.get(prefixIn(this.#names, namespace), key));
  }

  protected override _getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return settle(() => this.#live().reads.getMany(prefixIn(this.#names, namespace), keys));
  }

  protected override _has(namespace: string, key: Uint8Array): Promise<boolean> {
    return settle(() => this.#live().reads.get(prefixIn(this.#names, namespace), key) !== undefined);
  }

  protected override _range(namespace: string, range: NormalizedRange): AsyncIterable<EngineEntry> {
    const { db } = this.#live();
    return levelRange({ db, snapshot: undefined, guard: this.#guard, prefix: () => prefixIn(this.#names, namespace) }, range);
  }

  // Synchronous up to the submit: no other write can come between the checks and the moment the
  // batch joins the commit chain, and checks read the writes still in flight.
  protected async _write(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome> {
    // No await before the submit: all of this runs within the write() call.
    const prepared = this.#prepare(ops, owned);
    if (!Array.isArray(prepared)) return prepared;
    return this.#live().commit.submit(prepared);
  }

  /** The LevelDB ops of a batch, or its outcome when a check fails or nothing is written. */
  #prepare(ops: readonly WriteOp[], owned: boolean): LevelOp[] | WriteOutcome {
    const { commit } = this.#live();
    const names = this.#names;
    // Every namespace first: a missing one fails the batch before any check runs.
    const prefixes = ops.map((op) => prefixIn(names, op.namespace));
    const levelOps: LevelOp[] = [];
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const key = entryKey(prefixes[i]!, op.key);
      if (op.op === 'check') {
        if (!op.test(commit.read(key))) return { committed: false, failedCheck: i };
      } else if (op.op === 'put') {
        // Copied unless owned: the caller may reuse its buffers before the batch is written.
        levelOps.push({ type: 'put', key, value: owned ? op.value : new Uint8Array(op.value) });
      } else {
        levelOps.push({ type: 'del', key });
      }
    }
    return levelOps.length === 0 ? { committed: true } : levelOps;
  }

  protected override _flushed(): Promise<void> {
    return this.#live().commit.flush();
  }

  protected _snapshot(): Promise<EngineSnapshot> {
    return settle(() => {
      const { db } = this.#live();
      const snapshot = new LevelSnapshot(this.supports, db, db.snapshot(), this.#names, this.#release);
      this.#namesShared = true;
      this.#snapshots.add(snapshot);
      return snapshot;
    });
  }

  readonly #release = (snapshot: LevelSnapshot): void => {
    this.#snapshots.delete(snapshot);
  };

  // A copy from one LevelDB snapshot into a fresh LevelDB: the copy is a plain store folder.
  protected override async _backup(path: string): Promise<void> {
    const { db } = this.#live();
    await mkdir(path, { recursive: true });
    if ((await readdir(path)).includes('CURRENT')) {
      throw new KeeprError('ARGUMENT_INVALID', 'the backup directory already holds a store', { details: { path } });
    }
    const snapshot = db.snapshot();
    const target: LevelDb = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view', errorIfExists: true, compression: this.config.compression });
    try {
      await target.open();
      const entries = db.iterator({ snapshot, keyEncoding: 'view', valueEncoding: 'view', highWaterMarkBytes: COPY_BYTES });
      try {
        for (let step = await entries.nextv(STEP); step.length > 0; step = await entries.nextv(STEP)) {
          await target.batch(step.map(([key, value]) => ({ type: 'put' as const, key, value })));
        }
      } finally {
        await entries.close();
      }
      // Everything reaches the disk before the backup counts as done.
      await target.batch([{ type: 'del', key: SYNC_KEY }], { sync: true });
    } catch (err) {
      throw levelFailure(err, 'backup');
    } finally {
      await target.close().catch(() => undefined);
      await snapshot.close().catch(() => undefined);
    }
  }

  protected async _stats(): Promise<EngineStats> {
    const { commit } = this.#live();
    return {
      engine: this.name,
      path: this.path,
      byteLength: await folderBytes(this.path),
      namespaces: this.#names.size,
      extra: { ...commit.counters, snapshots: this.#snapshots.size },
    };
  }
}

/** Writes the format marker into a new store; refuses a LevelDB that keepr did not write. */
async function checkFormat(db: LevelDb, path: string): Promise<void> {
  const marker = db.getSync(FORMAT_KEY);
  if (marker !== undefined) {
    if (!equalBytes(marker, FORMAT_VALUE)) {
      throw new KeeprError('STORE_CORRUPT', `the LevelDB in ${path} has an unknown keepr format marker`, { details: { path, marker: Buffer.from(marker).toString('latin1') } });
    }
    return;
  }
  const first = await db.keys({ limit: 1, keyEncoding: 'view' }).all();
  if (first.length > 0) {
    throw new KeeprError('STORE_CORRUPT', `the LevelDB in ${path} was not written by keepr (it has no format marker)`, { details: { path } });
  }
  await db.put(FORMAT_KEY, FORMAT_VALUE, { sync: true });
}

/** The namespace registry. */
async function loadNames(db: LevelDb): Promise<Set<string>> {
  const keys = await db.keys({ gt: REGISTRY_PREFIX, lt: REGISTRY_END, keyEncoding: 'view' }).all();
  return new Set(keys.map(nameOfRegistryKey));
}

/** Bytes of the files in the store folder. */
async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(path)) {
    const info = await stat(join(path, name)).catch(() => undefined);
    if (info?.isFile() === true) total += info.size;
  }
  return total;
}

/** `ENGINE_FAILURE` naming the folder and the cause of a failed open. */
function openFailure(err: unknown, path: string): KeeprError {
  if (err instanceof KeeprError) return err;
  const failure = levelFailure(err, 'open');
  return new KeeprError(failure.code, `cannot open the LevelDB store in ${path}: ${failure.message.replace(/^level open failed: /, '')}`, { cause: err, details: { path } });
}
