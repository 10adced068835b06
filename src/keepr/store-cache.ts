/**
 * The store's block cache as its sources see it: one BlockCache shared by every source, keys
 * `<namespace>\0<key id>` (keys.ts: one id per distinct key, string or binary), emptied whenever
 * the engine reports writes from elsewhere. In transient mode the cache is the store's memory
 * limit: what it evicts is deleted from the engine, gone.
 */
import type { Block } from '../block/block.js';
import type { Engine } from '../engine/engine.js';
import { BlockCache, type BlockCacheStats } from './block-cache.js';
import { keyIdBytes } from './keys.js';

/** Limits of the block cache. */
export interface CacheOptions {
  /** Most blocks held (default 100,000). */
  readonly maxEntries?: number;
  /** Most bytes held, summed over block sizes (default 64 MiB). */
  readonly maxBytes?: number;
}

/** Default cache limits. */
export const DEFAULT_CACHE_LIMITS = Object.freeze({ maxEntries: 100_000, maxBytes: 64 * 1024 * 1024 });

/** Cache counters plus what transient mode lost to eviction. */
export interface StoreCacheStats extends BlockCacheStats {
  /** Transient mode: blocks evicted and therefore gone. */
  readonly lost: number;
}

/** Separates namespace and key in cache keys; names are printable ASCII, so it cannot clash. */
const SEP = '\u0000';

/** The cache of one store. */
export class StoreCache {
  /** True in transient mode: evicted blocks are deleted from the engine. */
  readonly authoritative: boolean;
  readonly #cache: BlockCache;
  readonly #engine: Engine;
  #version: number;
  #lost = 0;

  constructor(engine: Engine, options: CacheOptions, authoritative: boolean) {
    this.#engine = engine;
    this.authoritative = authoritative;
    this.#version = engine.externalVersion;
    this.#cache = new BlockCache({
      maxEntries: options.maxEntries ?? DEFAULT_CACHE_LIMITS.maxEntries,
      maxBytes: options.maxBytes ?? DEFAULT_CACHE_LIMITS.maxBytes,
      ...(authoritative
        ? {
            onEvict: (key: string) => {
              this.#drop(key);
            },
          }
        : {}),
    });
  }

  /** Largest block the cache can hold. */
  get maxBytes(): number {
    return this.#cache.stats().maxBytes;
  }

  /** The cached block, after emptying the cache if someone else wrote meanwhile. */
  get(namespace: string, key: string): Block | undefined {
    this.#validate();
    return this.#cache.get(namespace + SEP + key);
  }

  /**
   * The engine's external version as of the last `get`: pass it to `set` with what a read
   * started after that `get` returned.
   */
  get stamp(): number {
    return this.#version;
  }

  /**
   * Caches a block read from (or, in transient mode, written to) the engine. With `stamp`, only
   * when nobody else wrote since then: an answer of a read that raced another process's commit
   * (its notice came first) must not outlive that notice in the cache.
   */
  set(namespace: string, key: string, block: Block, stamp?: number): void {
    if (stamp !== undefined && this.#engine.externalVersion !== stamp) return;
    this.#cache.set(namespace + SEP + key, block);
  }

  /** Forgets one key (after a write or delete). */
  delete(namespace: string, key: string): void {
    this.#cache.delete(namespace + SEP + key);
  }

  /** Forgets a whole namespace (a dropped source). */
  deleteNamespace(namespace: string): void {
    this.#cache.clearPrefix(namespace + SEP);
  }

  /** Counters. */
  stats(): StoreCacheStats {
    return { ...this.#cache.stats(), lost: this.#lost };
  }

  #validate(): void {
    const version = this.#engine.externalVersion;
    if (version !== this.#version) {
      this.#version = version;
      this.#cache.clear();
    }
  }

  /** Transient eviction: the block leaves the store for good. */
  #drop(cacheKey: string): void {
    this.#lost++;
    const at = cacheKey.indexOf(SEP);
    // The memory engine applies writes synchronously, so this lands before the next read.
    void this.#engine.delete(cacheKey.slice(0, at), keyIdBytes(cacheKey.slice(at + 1))).catch(() => undefined);
  }
}
