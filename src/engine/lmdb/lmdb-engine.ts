/**
 * The LMDB engine (the default): one LMDB database in `<path>/keepr.mdb`, namespaces as u32
 * key prefixes, writes as lmdb-js child transactions, snapshots as held read transactions.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ABORT, open } from 'lmdb';
import {
  Engine,
  type EngineCapabilities,
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
import { LMDB_FILE_NAME, resolveLmdbEngineConfig, type LmdbEngineConfig, type ResolvedLmdbEngineConfig } from './lmdb-engine-config.js';
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
  #db: KeeprLmdb | undefined;
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
  }

  /** Path of the LMDB data file. */
  get file(): string {
    return join(this.config.path, LMDB_FILE_NAME);
  }

  protected async _open(): Promise<void> {
    this.#generationChecked = false;
    await mkdir(this.config.path, { recursive: true });
    this.#db = open<Uint8Array, Uint8Array>({
      path: this.file,
      keyEncoding: 'binary',
      encoding: 'binary',
      cache: false,
      // noSync also turns overlappingSync off; with sync on, lmdb-js keeps overlappingSync and
      // _write waits for `flushed` instead of trusting the commit promise.
      noSync: !this.config.sync,
      ...(this.config.mapSize === undefined ? {} : { mapSize: this.config.mapSize }),
    });
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
      await db.close();
    } catch (err) {
      throw engineFailure(err, 'close');
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

  /** Resolves after the last commit is on disk (a no-op wait when `sync` is false). */
  async #durable(db: KeeprLmdb): Promise<void> {
    if (this.config.sync) await db.flushed;
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
    await this.#transact(db, 'create namespace', () => {
      // Re-check inside the write transaction: another writer may have created it meanwhile.
      const existing = readNamespaceId(db, name);
      if (existing !== undefined) {
        id = existing;
        return ABORT;
      }
      const counter = db.getBinary(REGISTRY_COUNTER_KEY);
      const next = counter === undefined ? FIRST_NAMESPACE_ID : readU32(counter, 'counter');
      if (next > MAX_NAMESPACE_ID) throw new KeeprError('ENGINE_FAILURE', 'lmdb namespace ids are exhausted');
      db.putSync(registryNameKey(name), u32(next));
      db.putSync(REGISTRY_COUNTER_KEY, u32(next + 1));
      id = next;
      return undefined;
    });
    await this.#durable(db);
    this.#remember(name, id);
  }

  protected _dropNamespace(name: string): Promise<boolean> {
    return this.#track(this.#drop(name));
  }

  async #drop(name: string): Promise<boolean> {
    const db = this.#db!;
    const outcome = { dropped: false };
    await this.#transact(db, 'drop namespace', () => {
      const id = readNamespaceId(db, name);
      if (id === undefined) return ABORT;
      db.removeSync(registryNameKey(name));
      const generation = db.getBinary(REGISTRY_GENERATION_KEY);
      db.putSync(REGISTRY_GENERATION_KEY, u32(generation === undefined ? 1 : (readU32(generation, 'generation') + 1) >>> 0));
      const start = u32(id);
      const end = u32(id + 1);
      // Collect keys in chunks before removing them: never delete under a live cursor.
      for (;;) {
        const keys = Array.from(db.getKeys({ start, end, limit: 4096 }));
        if (keys.length === 0) break;
        for (const key of keys) db.removeSync(key);
      }
      outcome.dropped = true;
      return undefined;
    });
    this.#namespaces.delete(name);
    // Our own bump: the next read re-reads the generation and refills the cache lazily.
    this.#generationChecked = false;
    if (outcome.dropped) await this.#durable(db);
    return outcome.dropped;
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
      return this.#db!.getBinary(keys.key(key));
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

  protected _write(ops: readonly WriteOp[]): Promise<WriteOutcome> {
    return this.#track(this.#writeBatch(ops));
  }

  async #writeBatch(ops: readonly WriteOp[]): Promise<WriteOutcome> {
    const db = this.#db!;
    const batch = new LmdbBatch(ops);
    await this.#transact(db, 'write', () => batch.run(db, this.#rememberInTxn));
    const outcome = batch.outcome();
    if (outcome.committed) await this.#durable(db);
    return outcome;
  }

  readonly #rememberInTxn: RememberNamespace = (name, id) => {
    if (id !== undefined) return this.#remember(name, id);
    this.#namespaces.delete(name);
    return undefined;
  };

  /**
   * Runs `body` as a child transaction of lmdb-js's next write batch. Returning ABORT or
   * throwing rolls back everything `body` did; a plain `transaction()` would commit the writes
   * made before a throw. The promise settles on commit, not on flush.
   */
  async #transact(db: KeeprLmdb, what: string, body: () => unknown): Promise<void> {
    try {
      await db.childTransaction(body);
    } catch (err) {
      throw engineFailure(err, what);
    }
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
