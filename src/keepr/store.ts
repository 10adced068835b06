/**
 * The Store: an opened keepr database. It owns an engine, hands out Sources (one engine
 * namespace each) and the volatile containers, and closes everything together.
 */
import { resolve } from 'node:path';
import { Engine, type EngineHealth, type EngineStats } from '../engine/engine.js';
import { LmdbEngine } from '../engine/lmdb/lmdb-engine.js';
import { MemoryEngine } from '../engine/memory/memory-engine.js';
import { KeeprError } from '../errors.js';
import { isObject } from '../util/guards.js';
import { assertName } from './names.js';
import { Source } from './source.js';
import { Volatiles } from './volatiles.js';
import { STATE_NS, listStates, openState, stateNotFound, type StateOptions } from '../state/open-state.js';
import type { VersionedState } from '../state/versioned-state.js';
import { StoreCache, type CacheOptions, type StoreCacheStats } from './store-cache.js';

/**
 * When a write is acknowledged: `sync` once it is on disk (default), `write-cache` once it is
 * committed in memory (on disk within `flushDelayMs`; `store.flushed()` says when), `transient`
 * never (nothing on disk; past the cache limits the least used blocks are evicted and lost).
 */
export type Durability = 'sync' | 'write-cache' | 'transient';

/** Options of {@link open}. */
export interface OpenOptions {
  /** `lmdb` (default, persisted in `path`), `memory` (nothing on disk), or an engine instance. */
  readonly engine?: 'lmdb' | 'memory' | Engine;
  /** Default `sync`. `transient` implies the memory engine. */
  readonly durability?: Durability;
  /** `write-cache`: longest delay before an acknowledged write starts its flush (default 100 ms). */
  readonly flushDelayMs?: number;
  /** Block cache limits, or `false` for none (the default for `lmdb`, see docs/operations.md). */
  readonly cache?: false | CacheOptions;
  /** LMDB only: compress values of at least `threshold` bytes (off by default; see docs/operations.md). */
  readonly compression?: false | { readonly threshold: number };
  /** LMDB only: replay a damaged commit log up to the damage instead of refusing to open (see docs/operations.md). */
  readonly salvage?: boolean;
  /** LMDB only: initial map size in bytes (it grows on demand). */
  readonly mapSize?: number;
  /** LMDB only: how often LMDB is synced and covered commit-log segments deleted (default 1,000 ms). */
  readonly checkpointMs?: number;
  /** LMDB only: size at which a commit-log segment is sealed (default 64 MiB). */
  readonly segmentBytes?: number;
}

/** Options of {@link Store.source}. */
export interface SourceOptions {
  /** Create the source when it does not exist (default true); false gives `SOURCE_NOT_FOUND`. */
  readonly create?: boolean;
}

/** Facts about a store. */
export interface StoreStats {
  readonly engine: EngineStats;
  readonly sources: number;
  readonly volatiles: number;
  readonly durability: Durability;
  /** Block cache counters (hits, misses, evictions, bytes; `lost` in transient mode), if any. */
  readonly cache: StoreCacheStats | undefined;
}

/** Engine namespace that holds a source's blocks. */
const SOURCE_NS = 'src:';

const LMDB_ONLY = ['flushDelayMs', 'compression', 'salvage', 'mapSize', 'checkpointMs', 'segmentBytes'] as const;
const OPTION_KEYS = new Set<string>(['engine', 'durability', 'cache', ...LMDB_ONLY]);

function invalid(option: string, message: string): KeeprError {
  return new KeeprError('OPTION_INVALID', message, { details: { option } });
}

function engineFor(path: string | undefined, options: OpenOptions, durability: Durability): Engine {
  const engine: unknown = options.engine ?? (durability === 'transient' ? 'memory' : 'lmdb');
  if (durability === 'transient' && engine !== 'memory') throw invalid('durability', 'transient stores keep nothing on disk: use the memory engine');
  const lmdbOnly = LMDB_ONLY.filter((key) => options[key] !== undefined);
  if (engine !== 'lmdb' && lmdbOnly.length > 0) throw invalid(lmdbOnly[0]!, `${lmdbOnly[0]!} only applies to the lmdb engine`);
  if (engine instanceof Engine) return engine;
  if (engine === 'memory') return new MemoryEngine();
  if (engine !== 'lmdb') throw invalid('engine', `unknown engine ${JSON.stringify(engine)}`);
  if (typeof path !== 'string' || path.length === 0) throw invalid('path', 'the lmdb engine needs a directory path');
  // Pass on only what was given, so the engine's defaults apply to the rest.
  const given = Object.fromEntries(LMDB_ONLY.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
  return new LmdbEngine({ path: resolve(path), durability: durability === 'write-cache' ? 'write-cache' : 'sync', ...given });
}

function cacheFor(engine: Engine, options: OpenOptions, durability: Durability): StoreCache | undefined {
  const cache: unknown = options.cache;
  if (cache === false) {
    if (durability === 'transient') throw invalid('cache', 'a transient store needs its cache limits');
    return undefined;
  }
  if (cache !== undefined && !isObject(cache)) throw invalid('cache', 'cache must be false or { maxEntries, maxBytes }');
  // LMDB reads are memory-mapped and cost about as much as a cache hit plus the copy, so the
  // cache is opt-in there; a transient store needs one, as its memory limit.
  if (cache === undefined && durability !== 'transient') return undefined;
  const limits = (cache ?? {}) as CacheOptions;
  for (const key of Object.keys(limits)) if (key !== 'maxEntries' && key !== 'maxBytes') throw invalid('cache', `unknown cache option ${key}`);
  for (const value of [limits.maxEntries, limits.maxBytes]) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw invalid('cache', 'cache limits must be positive integers');
  }
  return new StoreCache(engine, limits, durability === 'transient');
}

/**
 * Opens (creating if needed) a store. With the default `lmdb` engine, `path` is a directory;
 * other processes may open the same directory at the same time.
 */
export async function open(path?: string, options: OpenOptions = {}): Promise<Store> {
  if (!isObject(options)) throw new KeeprError('OPTION_INVALID', 'options must be an object');
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) throw invalid(key, `unknown option ${JSON.stringify(key)}`);
  const durability: unknown = options.durability ?? 'sync';
  if (durability !== 'sync' && durability !== 'write-cache' && durability !== 'transient') {
    throw invalid('durability', 'durability must be sync, write-cache or transient');
  }
  const engine = engineFor(path, options, durability);
  const cache = cacheFor(engine, options, durability);
  await engine.open();
  return new Store(engine, durability, cache);
}

/** An opened keepr database. */
export class Store implements AsyncDisposable {
  /** The engine underneath. */
  readonly engine: Engine;
  /** RAM-only containers (map, deque, priority queue, tree); lost on close. */
  readonly volatiles = new Volatiles();
  /** How writes are acknowledged. */
  readonly durability: Durability;
  readonly #sources = new Map<string, Source>();
  readonly #states = new Map<string, Promise<VersionedState>>();
  readonly #cache: StoreCache | undefined;

  /** @internal Use {@link open}. */
  constructor(engine: Engine, durability: Durability = 'sync', cache?: StoreCache) {
    this.engine = engine;
    this.durability = durability;
    this.#cache = cache;
  }

  /** Resolves once every write acknowledged so far is on disk (forces a write-cache flush). */
  async flushed(): Promise<void> {
    await this.engine.flushed();
  }

  /** Whether the store takes writes now, and if not, why (`STORE_FULL` while its disk is full). */
  health(): EngineHealth {
    return this.engine.health();
  }

  /** True until {@link close} is called. */
  get isOpen(): boolean {
    return this.engine.status === 'open';
  }

  /** A source by name, created on first use unless `create: false`. */
  async source(name: string, options: SourceOptions = {}): Promise<Source> {
    assertName(name, 'source');
    // A handle stays cached until its namespace is found gone (dropped here or by another
    // process): then the source forgets itself and the next call looks again.
    const cached = this.#sources.get(name);
    if (cached !== undefined) return cached;
    const ns = SOURCE_NS + name;
    if (options.create === false) {
      if (!(await this.engine.hasNamespace(ns))) throw notFound(name);
    } else {
      await this.engine.createNamespace(ns);
    }
    const source = new Source(this.engine, name, ns, this.#cache, () => {
      if (this.#sources.get(name) === source) this.#sources.delete(name);
    });
    this.#sources.set(name, source);
    return source;
  }

  /** The handle of a source this store has already opened, without any I/O; else undefined. */
  knownSource(name: string): Source | undefined {
    return this.#sources.get(name);
  }

  /** Creates a source; `SOURCE_EXISTS` when it is already there. */
  async createSource(name: string): Promise<Source> {
    assertName(name, 'source');
    if (await this.engine.hasNamespace(SOURCE_NS + name)) {
      throw new KeeprError('SOURCE_EXISTS', `source ${JSON.stringify(name)} already exists`, { details: { source: name } });
    }
    return this.source(name);
  }

  /** True when the source exists. */
  async hasSource(name: string): Promise<boolean> {
    assertName(name, 'source');
    return this.engine.hasNamespace(SOURCE_NS + name);
  }

  /** Names of all sources, sorted. */
  async sources(): Promise<string[]> {
    const all = await this.engine.listNamespaces();
    return all.filter((ns) => ns.startsWith(SOURCE_NS)).map((ns) => ns.slice(SOURCE_NS.length));
  }

  /** Deletes a source and all its blocks; false when it did not exist. */
  async dropSource(name: string): Promise<boolean> {
    assertName(name, 'source');
    this.#sources.delete(name);
    const dropped = await this.engine.dropNamespace(SOURCE_NS + name);
    this.#cache?.deleteNamespace(SOURCE_NS + name);
    return dropped;
  }

  /**
   * The versioned state `name`, created on first use unless `create: false` (then
   * `STATE_NOT_FOUND`). One instance per name and store, so its commits run in order.
   */
  async state(name: string, options: StateOptions = {}): Promise<VersionedState> {
    assertName(name, 'state');
    this.#assertOpen();
    let opening = this.#states.get(name);
    if (opening === undefined) {
      opening = openState(this.engine, name, options);
      this.#states.set(name, opening);
      // A failed open is not remembered: the next call tries again.
      opening.catch(() => {
        if (this.#states.get(name) === opening) this.#states.delete(name);
      });
    } else if (options.create === false && !(await this.hasState(name))) {
      throw stateNotFound(name);
    }
    return opening;
  }

  /** True when the state exists. */
  async hasState(name: string): Promise<boolean> {
    assertName(name, 'state');
    return this.engine.hasNamespace(STATE_NS + name);
  }

  /** Names of all versioned states, sorted. */
  async states(): Promise<string[]> {
    return listStates(this.engine);
  }

  /** Deletes a state with all its heights; false when it did not exist. */
  async dropState(name: string): Promise<boolean> {
    assertName(name, 'state');
    this.#states.delete(name);
    return this.engine.dropNamespace(STATE_NS + name);
  }

  #assertOpen(): void {
    if (!this.isOpen) throw new KeeprError('STORE_CLOSED', 'the store is closed');
  }

  /** Numbers about the store. */
  async stats(): Promise<StoreStats> {
    const [engine, sources] = await Promise.all([this.engine.stats(), this.sources()]);
    return { engine, sources: sources.length, volatiles: this.volatiles.names().length, durability: this.durability, cache: this.#cache?.stats() };
  }

  /** Closes the store: pending writes finish, volatiles are dropped. Idempotent. */
  async close(): Promise<void> {
    this.volatiles.clear();
    this.#sources.clear();
    this.#states.clear();
    await this.engine.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function notFound(name: string): KeeprError {
  return new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(name)} does not exist`, { details: { source: name } });
}
