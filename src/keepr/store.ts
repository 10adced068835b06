/**
 * The Store: an opened keepr database. It owns an engine, hands out Sources (one engine
 * namespace each) and the volatile containers, and closes everything together.
 */
import { resolve } from 'node:path';
import { Engine, type EngineStats } from '../engine/engine.js';
import { LmdbEngine } from '../engine/lmdb/lmdb-engine.js';
import { MemoryEngine } from '../engine/memory/memory-engine.js';
import { KeeprError } from '../errors.js';
import { isObject } from '../util/guards.js';
import { assertName } from './names.js';
import { Source } from './source.js';
import { Volatiles } from './volatiles.js';

/** Options of {@link open}. */
export interface OpenOptions {
  /** `lmdb` (default, persisted in `path`), `memory` (nothing on disk), or an engine instance. */
  readonly engine?: 'lmdb' | 'memory' | Engine;
  /** LMDB only: initial map size in bytes (it grows on demand). */
  readonly mapSize?: number;
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
}

/** Engine namespace that holds a source's blocks. */
const SOURCE_NS = 'src:';

const OPTION_KEYS = new Set(['engine', 'mapSize']);

function engineFor(path: string | undefined, options: OpenOptions): Engine {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new KeeprError('OPTION_INVALID', `unknown option ${JSON.stringify(key)}`, { details: { option: key } });
  }
  const engine: unknown = options.engine ?? 'lmdb';
  if (engine instanceof Engine) return engine;
  if (engine === 'memory') return new MemoryEngine();
  if (engine !== 'lmdb') throw new KeeprError('OPTION_INVALID', `unknown engine ${JSON.stringify(engine)}`, { details: { option: 'engine' } });
  if (typeof path !== 'string' || path.length === 0) throw new KeeprError('OPTION_INVALID', 'the lmdb engine needs a directory path', { details: { option: 'path' } });
  return new LmdbEngine({ path: resolve(path), ...(options.mapSize === undefined ? {} : { mapSize: options.mapSize }) });
}

/**
 * Opens (creating if needed) a store. With the default `lmdb` engine, `path` is a directory;
 * other processes may open the same directory at the same time.
 */
export async function open(path?: string, options: OpenOptions = {}): Promise<Store> {
  if (!isObject(options)) throw new KeeprError('OPTION_INVALID', 'options must be an object');
  const engine = engineFor(path, options);
  await engine.open();
  return new Store(engine);
}

/** An opened keepr database. */
export class Store implements AsyncDisposable {
  /** The engine underneath. */
  readonly engine: Engine;
  /** RAM-only containers (map, deque, priority queue, tree); lost on close. */
  readonly volatiles = new Volatiles();
  readonly #sources = new Map<string, Source>();

  /** @internal Use {@link open}. */
  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** True until {@link close} is called. */
  get isOpen(): boolean {
    return this.engine.status === 'open';
  }

  /** A source by name, created on first use unless `create: false`. */
  async source(name: string, options: SourceOptions = {}): Promise<Source> {
    assertName(name, 'source');
    const cached = this.#sources.get(name);
    const ns = SOURCE_NS + name;
    if (cached !== undefined && (await this.engine.hasNamespace(ns))) return cached;
    if (options.create === false) {
      if (!(await this.engine.hasNamespace(ns))) throw notFound(name);
    } else {
      await this.engine.createNamespace(ns);
    }
    const source = new Source(this.engine, name, ns);
    this.#sources.set(name, source);
    return source;
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
    return this.engine.dropNamespace(SOURCE_NS + name);
  }

  /** Numbers about the store. */
  async stats(): Promise<StoreStats> {
    const [engine, sources] = await Promise.all([this.engine.stats(), this.sources()]);
    return { engine, sources: sources.length, volatiles: this.volatiles.names().length };
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
