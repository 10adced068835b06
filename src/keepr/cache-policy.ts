/**
 * Eviction policy pieces of the block cache: policy codes, the Redis-style LFU counter, the
 * persistent candidate pool and a seedable PRNG. Ranks are plain numbers, lowest evicted first.
 */
import { KeeprError } from '../errors.js';

/** Which entries eviction prefers: least recently used, least frequently used (decayed), or LRU-2. */
export type CachePolicy = 'lru' | 'lfu' | 'hybrid';

/** Policy code: rank = tick of the last access. */
export const POLICY_LRU = 0;
/** Policy code: rank = last access + decay period × decayed log counter. */
export const POLICY_LFU = 1;
/** Policy code: rank = tick of the second-to-last access (LRU-2); entries seen once rank below all. */
export const POLICY_LRU2 = 2;

/** The code of a policy name, or a KeeprError for an unknown one. */
export function policyCode(policy: CachePolicy): number {
  switch (policy) {
    case 'lru':
      return POLICY_LRU;
    case 'lfu':
      return POLICY_LFU;
    case 'hybrid':
      return POLICY_LRU2;
    default:
      throw new KeeprError('OPTION_INVALID', `unknown cache policy ${JSON.stringify(policy)}`, { details: { policy } });
  }
}

/**
 * LRU-2 offset for entries seen once: their rank is their only access minus this, below every
 * real tick, so they go first (oldest first). 2^52 ticks is over a year at 100M accesses/s.
 */
export const ONCE_SEEN = 2 ** 52;

/** 2^32, to scale a uint32 draw. */
export const TWO_POW_32 = 0x1_0000_0000;

/** Redis LFU_INIT_VAL: a new entry's counter, so it is not evicted before it can be hit again. */
export const LFU_INIT = 5;
/** The counter is 8-bit, as in Redis. */
export const LFU_MAX = 255;

/**
 * Redis LFU update on an access at tick `now` of an entry last accessed at `last`: decay by the
 * whole periods idle, then a logarithmic (Morris) increment with probability
 * 1 / ((counter - LFU_INIT) × logFactor + 1). `draw` is a uniform uint32.
 */
export function lfuTouch(freq: number, last: number, now: number, decay: number, logFactor: number, draw: number): number {
  let f = freq - Math.floor((now - last) / decay);
  if (f < 0) f = 0;
  if (f < LFU_MAX && (f <= LFU_INIT || draw < TWO_POW_32 / ((f - LFU_INIT) * logFactor + 1))) f++;
  return f;
}

/** A seedable xorshift32 generator: a few integer ops per uint32 draw, plenty to pick samples. */
export class Xorshift32 {
  #state: number;

  /** Seeds the generator (any integer; 0, its fixed point, is replaced by 1). */
  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  /** The next uint32. */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.#state = x >>> 0);
  }
}

/** Size of the persistent candidate pool (Redis `EVPOOL_SIZE`). */
export const EVICTION_POOL_SIZE = 16;

/**
 * The best eviction candidates seen so far, as slots of the cache's dense array with the rank
 * each had when pooled, sorted by rank descending so the best is last and taking it is a pop.
 * Ranks only rise on access, so a pooled rank is a lower bound; {@link EvictionPool.take} re-ranks a stale one
 * instead of evicting an entry that was read since it was sampled (Redis does not re-check).
 */
export class EvictionPool {
  readonly #slots = new Int32Array(EVICTION_POOL_SIZE);
  readonly #ranks = new Float64Array(EVICTION_POOL_SIZE);
  #size = 0;

  /** Number of pooled candidates. */
  get size(): number {
    return this.#size;
  }

  /** Pools `slot` at `rank` when it beats the worst candidate or there is room, unless already pooled. */
  offer(slot: number, rank: number): void {
    const slots = this.#slots;
    const ranks = this.#ranks;
    const n = this.#size;
    // The common case when the pool is warm: the sample is no better than the worst candidate.
    if (n === EVICTION_POOL_SIZE && rank >= ranks[0]!) return;
    for (let j = 0; j < n; j++) if (slots[j] === slot) return;
    let i: number;
    if (n === EVICTION_POOL_SIZE) {
      // Drop the worst (index 0) by shifting the ones worse than `rank` down over it.
      i = 0;
      while (i + 1 < n && ranks[i + 1]! > rank) {
        slots[i] = slots[i + 1]!;
        ranks[i] = ranks[i + 1]!;
        i++;
      }
    } else {
      i = n;
      while (i > 0 && ranks[i - 1]! < rank) {
        slots[i] = slots[i - 1]!;
        ranks[i] = ranks[i - 1]!;
        i--;
      }
      this.#size = n + 1;
    }
    slots[i] = slot;
    ranks[i] = rank;
  }

  /** Takes the best candidate whose pooled rank is still its current rank (in `current`), or -1 when empty. */
  take(current: Float64Array): number {
    while (this.#size > 0) {
      const at = --this.#size;
      const slot = this.#slots[at]!;
      const rank = current[slot]!;
      if (rank === this.#ranks[at]) return slot;
      // Read since it was pooled: re-rank it; the next best may now win.
      this.offer(slot, rank);
    }
    return -1;
  }

  /** Forgets `slot` if pooled. */
  remove(slot: number): void {
    const slots = this.#slots;
    const ranks = this.#ranks;
    const n = this.#size;
    for (let i = 0; i < n; i++) {
      if (slots[i] !== slot) continue;
      for (; i + 1 < n; i++) {
        slots[i] = slots[i + 1]!;
        ranks[i] = ranks[i + 1]!;
      }
      this.#size = n - 1;
      return;
    }
  }

  /** Follows a swap-remove in the dense array: forgets `hole` and renames `moved` (the old last slot) to `hole`. */
  swapRemove(hole: number, moved: number): void {
    this.remove(hole);
    const slots = this.#slots;
    for (let i = 0; i < this.#size; i++) if (slots[i] === moved) slots[i] = hole;
  }

  /** Forgets every candidate. */
  clear(): void {
    this.#size = 0;
  }
}
