/**
 * The LMDB engine's namespace registry: names to u32 key prefixes (layout in lmdb-keys.ts), a
 * cache of them for reads, creates and drops as logged write transactions, and the generation
 * check that notices another process's drops.
 */
import { ABORT } from 'lmdb';
import { KeeprError } from '../../errors.js';
import type { RememberNamespace } from './lmdb-batch.js';
import {
  FIRST_NAMESPACE_ID,
  MAX_NAMESPACE_ID,
  NamespaceKeys,
  REGISTRY_COUNTER_KEY,
  REGISTRY_GENERATION_KEY,
  REGISTRY_NAMES_END,
  REGISTRY_NAMES_START,
  namespaceNotFound,
  readNamespaceId,
  readU32,
  registryNameKey,
  u32,
  type KeeprLmdb,
} from './lmdb-keys.js';
import { applyLogged, readSeq } from './lmdb-seq.js';
import type { LoggedOp } from './log-record.js';

/** Runs a logged write transaction (see LmdbEngine); resolves to whether it committed. */
export type RunLogged = (what: string, body: () => readonly LoggedOp[] | typeof ABORT) => Promise<boolean>;

/** Namespace names and ids of one open LMDB engine. */
export class LmdbNamespaces {
  readonly #db: KeeprLmdb;
  readonly #maxKeyBytes: number;
  readonly #run: RunLogged;
  readonly #observe: (seq: number) => void;
  // name -> prefixed-key helper; a miss re-reads the registry (another process may have created it).
  readonly #cache = new Map<string, NamespaceKeys>();
  // Registry generation the cache was filled under, and whether it was compared this turn.
  #generation = -1;
  #checked = false;

  /** `observe` hears the commit sequence number at each generation check (foreign-commit counting). */
  constructor(db: KeeprLmdb, maxKeyBytes: number, run: RunLogged, observe: (seq: number) => void) {
    this.#db = db;
    this.#maxKeyBytes = maxKeyBytes;
    this.#run = run;
    this.#observe = observe;
  }

  /** Drops every cached id (at close). */
  clear(): void {
    this.#cache.clear();
  }

  #remember(name: string, id: number): NamespaceKeys {
    const known = this.#cache.get(name);
    if (known?.id === id) return known;
    const keys = new NamespaceKeys(id, this.#maxKeyBytes);
    this.#cache.set(name, keys);
    return keys;
  }

  /** What a write batch reports about namespaces it resolved (or found missing) in its transaction. */
  readonly rememberInTxn: RememberNamespace = (name, id) => {
    if (id !== undefined) return this.#remember(name, id);
    this.#cache.delete(name);
    return undefined;
  };

  /** Re-reads the registry with a fresh read transaction and updates the cache. */
  #lookup(name: string): NamespaceKeys | undefined {
    this.#db.resetReadTxn();
    const id = readNamespaceId(this.#db, name);
    if (id === undefined) {
      this.#cache.delete(name);
      return undefined;
    }
    return this.#remember(name, id);
  }

  /**
   * Cached keys of a namespace for reads (`NAMESPACE_NOT_FOUND` when there is none). Once per
   * timer turn (lmdb-js renews its read transaction at the same pace) the registry generation
   * is compared, so a drop made by another process empties the cache instead of leaving reads
   * on a stale id.
   */
  keysFor(name: string): NamespaceKeys {
    if (!this.#checked) this.checkGeneration();
    const keys = this.#cache.get(name) ?? this.#lookup(name);
    if (keys === undefined) throw namespaceNotFound(name);
    return keys;
  }

  /** Compares the registry generation now, unless done this turn. */
  checkGeneration(): void {
    if (this.#checked) return;
    this.#checked = true;
    setTimeout(this.#expire, 0).unref();
    // getBinaryFast: a shared buffer, read at once (this runs on every event-loop turn that reads).
    const raw = this.#db.getBinaryFast(REGISTRY_GENERATION_KEY);
    const generation = raw === undefined ? 0 : readU32(raw, 'generation');
    if (generation !== this.#generation) {
      this.#cache.clear();
      this.#generation = generation;
    }
    this.#observe(readSeq(this.#db));
  }

  readonly #expire = (): void => {
    this.#checked = false;
  };

  /** True when the namespace exists (read fresh). */
  has(name: string): boolean {
    return this.#lookup(name) !== undefined;
  }

  /** Every namespace name, in byte order. */
  list(): string[] {
    const db = this.#db;
    db.resetReadTxn();
    const names: string[] = [];
    for (const key of db.getKeys({ start: REGISTRY_NAMES_START, end: REGISTRY_NAMES_END })) {
      names.push(Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1', REGISTRY_NAMES_START.length));
    }
    return names;
  }

  /** Creates a namespace unless it exists (another writer may create it at the same moment). */
  async create(name: string): Promise<void> {
    const db = this.#db;
    if (this.#lookup(name) !== undefined) return;
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

  /** Drops a namespace and its entries; false when there was none. */
  async drop(name: string): Promise<boolean> {
    const db = this.#db;
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
    this.#cache.delete(name);
    // Our own bump: the next read re-reads the generation and refills the cache lazily.
    this.#checked = false;
    return dropped;
  }
}
