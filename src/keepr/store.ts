/**
 * The block layer of a store: it owns an engine, hands out Sources (one engine namespace each)
 * and the volatile containers, and closes everything together. It never names an engine: the
 * engine is handed in (see `open()` in src/store/, which also adds the data kinds on top).
 */
import type { Durability, Engine, EngineHealth, EngineStats } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { isObject } from '../util/guards.js';
import { assertName } from './names.js';
import { Source } from './source.js';
import { Volatiles } from './volatiles.js';
import { StoreCache, type CacheOptions, type StoreCacheStats } from './store-cache.js';

/** Options of a store's block layer. */
export interface BlockStoreOptions {
  /** Block cache limits, or `false` for none (the default unless the engine is transient, see docs/operations.md). */
  readonly cache?: false | CacheOptions;
}

/** Options of {@link BlockStore.source}. */
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

function invalid(option: string, message: string): KeeprError {
  return new KeeprError('OPTION_INVALID', message, { details: { option } });
}

/** The block cache `options` ask for over `engine` (throws `OPTION_INVALID` for bad limits). */
export function blockCacheFor(engine: Engine, options: BlockStoreOptions): StoreCache | undefined {
  const durability = engine.durability;
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

/** The block layer of an opened store (the public `Store` adds the data kinds on top). */
export class BlockStore implements AsyncDisposable {
  /** The engine underneath. */
  readonly engine: Engine;
  /** RAM-only containers (map, deque, priority queue, tree); lost on close. */
  readonly volatiles = new Volatiles();
  readonly #sources = new Map<string, Source>();
  readonly #cache: StoreCache | undefined;

  /** A store over `engine` (opened or not); `open()` is the usual way. */
  constructor(engine: Engine, cache?: StoreCache) {
    this.engine = engine;
    this.#cache = cache;
  }

  /** How writes are acknowledged: the engine's durability. */
  get durability(): Durability {
    return this.engine.durability;
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

  /** Throws `STORE_CLOSED` once the store is closed. */
  protected assertOpen(): void {
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
    await this.engine.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function notFound(name: string): KeeprError {
  return new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(name)} does not exist`, { details: { source: name } });
}
