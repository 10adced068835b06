/**
 * Deterministic access traces (Zipf and uniform) and an exact LRU reference, to measure a
 * sampled cache's hit rate against the policy it approximates.
 */

import { mulberry32 } from '../helpers/mulberry32.js';

/** Options of {@link zipfTrace}. */
export interface TraceOptions {
  /** Distinct keys, numbered 0 to keys - 1. */
  readonly keys: number;
  /** Accesses in the trace. */
  readonly length: number;
  readonly seed: number;
}

/**
 * A trace of key numbers where the key of popularity rank r (1-based) is drawn with probability
 * proportional to 1 / r^s, by inverse-CDF lookup. Ranks are shuffled onto key numbers so
 * popularity is unrelated to numbering.
 */
export function zipfTrace(options: TraceOptions & { readonly s: number }): Uint32Array {
  const { keys, length, seed, s } = options;
  const cdf = new Float64Array(keys);
  let total = 0;
  for (let r = 0; r < keys; r++) cdf[r] = total += 1 / Math.pow(r + 1, s);
  const rand = mulberry32(seed);
  const keyOfRank = shuffled(keys, rand);
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const u = rand() * total;
    // First rank whose cumulative weight exceeds u.
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    out[i] = keyOfRank[lo]!;
  }
  return out;
}

/** A trace of key numbers drawn uniformly: the control where no policy can beat capacity / keys. */
export function uniformTrace(options: TraceOptions): Uint32Array {
  const rand = mulberry32(options.seed);
  const out = new Uint32Array(options.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * options.keys);
  return out;
}

/** 0..n-1 in a seeded random order (Fisher-Yates). */
function shuffled(n: number, rand: () => number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/**
 * Exact LRU over key numbers 0..keys-1: a doubly linked recency list in typed arrays, so the
 * reference costs a few array writes per access (a Map with delete and re-insert degrades badly
 * once it has churned through millions of deletions).
 */
export class ExactLru {
  readonly capacity: number;
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  readonly #cached: Uint8Array;
  // Sentinel node `keys`: next is the most recent, prev the least recent.
  readonly #head: number;
  #size = 0;

  constructor(keys: number, capacity: number) {
    this.capacity = capacity;
    this.#prev = new Int32Array(keys + 1);
    this.#next = new Int32Array(keys + 1);
    this.#cached = new Uint8Array(keys);
    this.#head = keys;
    this.#prev[keys] = this.#next[keys] = keys;
  }

  /** Number of cached keys. */
  get size(): number {
    return this.#size;
  }

  /** Reads `key` through the cache: true on a hit; on a miss it is cached, evicting the least recent. */
  access(key: number): boolean {
    const hit = this.#cached[key] === 1;
    if (hit) this.#unlink(key);
    else {
      this.#cached[key] = 1;
      if (++this.#size > this.capacity) {
        const lru = this.#prev[this.#head]!;
        this.#unlink(lru);
        this.#cached[lru] = 0;
        this.#size--;
      }
    }
    // Link as most recent.
    const first = this.#next[this.#head]!;
    this.#next[key] = first;
    this.#prev[key] = this.#head;
    this.#prev[first] = key;
    this.#next[this.#head] = key;
    return hit;
  }

  #unlink(key: number): void {
    const p = this.#prev[key]!;
    const n = this.#next[key]!;
    this.#next[p] = n;
    this.#prev[n] = p;
  }
}

/** Hit rate of an exact LRU of `capacity` entries replaying `trace` (key numbers below `keys`). */
export function exactLruHitRate(trace: Uint32Array, keys: number, capacity: number): number {
  const lru = new ExactLru(keys, capacity);
  let hits = 0;
  for (const k of trace) if (lru.access(k)) hits++;
  return hits / trace.length;
}

/** Hit rate of a read-through cache (get, and set on a miss) replaying `trace` over `keys`. */
export function replay<V>(cache: { get(key: string): V | undefined; set(key: string, value: V): unknown }, trace: Uint32Array, keys: readonly string[], value: V): number {
  let hits = 0;
  for (const k of trace) {
    const key = keys[k]!;
    if (cache.get(key) === undefined) cache.set(key, value);
    else hits++;
  }
  return hits / trace.length;
}
