/**
 * A RAM-only priority queue of keyed blocks with a capacity: when full, a new entry evicts the
 * lowest-priority one, and one that would itself be the lowest is refused.
 */
import type { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { BTree } from '../util/btree.js';
import { assertKey } from './names.js';
import { assertBlock } from './volatile-map.js';

/** An entry of a priority queue. */
export interface QueueEntry {
  readonly key: string;
  readonly block: Block;
  readonly priority: number;
}

/** Result of {@link VolatilePriorityQueue.put}: the key evicted to make room, if any. */
export interface QueuePutResult {
  readonly evicted: string | undefined;
}

/** Default capacity of a priority queue. */
export const DEFAULT_QUEUE_CAPACITY = 10_000;

// Order: priority ascending, then newest first, so the maximum is the oldest of the highest
// priority (FIFO among equals) and the minimum is the newest of the lowest.
type Rank = readonly [priority: number, seq: number];
const byRank = (a: Rank, b: Rank): number => a[0] - b[0] || b[1] - a[1];

/** A bounded priority queue held in memory. */
export class VolatilePriorityQueue {
  /** Container name. */
  readonly name: string;
  /** Largest number of entries. */
  readonly capacity: number;
  readonly #order = new BTree<Rank, string>(undefined, byRank);
  readonly #entries = new Map<string, { block: Block; rank: Rank }>();
  #seq = 0;

  /** @internal Created by `store.volatiles.queue(name, { capacity })`. */
  constructor(name: string, capacity = DEFAULT_QUEUE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new KeeprError('ARGUMENT_INVALID', 'capacity must be a positive integer');
    this.name = name;
    this.capacity = capacity;
  }

  /** Number of entries. */
  async size(): Promise<number> {
    return this.#entries.size;
  }

  /**
   * Adds or re-prioritises `key`. When the queue is full and `key` is new, the lowest entry is
   * evicted, unless `priority` is not above it: then `QUEUE_PRIORITY_TOO_LOW`.
   */
  async put(key: string, block: Block, priority: number): Promise<QueuePutResult> {
    assertKey(key);
    assertBlock(block);
    if (typeof priority !== 'number' || !Number.isFinite(priority)) throw new KeeprError('ARGUMENT_INVALID', 'priority must be a finite number');
    let evicted: string | undefined;
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      this.#order.delete(existing.rank);
    } else if (this.#entries.size >= this.capacity) {
      const lowest = this.#order.minKey()!;
      if (priority <= lowest[0]) {
        throw new KeeprError('QUEUE_PRIORITY_TOO_LOW', `queue ${this.name} is full and priority ${priority} is not above its lowest (${lowest[0]})`, {
          details: { priority, lowest: lowest[0] },
        });
      }
      evicted = this.#order.get(lowest)!;
      this.#order.delete(lowest);
      this.#entries.delete(evicted);
    }
    const rank: Rank = [priority, this.#seq++];
    this.#order.set(rank, key);
    this.#entries.set(key, { block, rank });
    return { evicted };
  }

  /** The entry under `key`, or undefined. */
  async get(key: string): Promise<QueueEntry | undefined> {
    assertKey(key);
    const e = this.#entries.get(key);
    return e === undefined ? undefined : { key, block: e.block, priority: e.rank[0] };
  }

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    assertKey(key);
    const e = this.#entries.get(key);
    if (e === undefined) return false;
    this.#order.delete(e.rank);
    this.#entries.delete(key);
    return true;
  }

  /** The highest-priority entry (the oldest among equals). */
  async peekHighest(): Promise<QueueEntry | undefined> {
    return this.#entry(this.#order.maxKey());
  }

  /** The lowest-priority entry. */
  async peekLowest(): Promise<QueueEntry | undefined> {
    return this.#entry(this.#order.minKey());
  }

  /** Removes and returns the highest-priority entry. */
  async popHighest(): Promise<QueueEntry | undefined> {
    return this.#take(this.#order.maxKey());
  }

  /** Removes and returns the lowest-priority entry. */
  async popLowest(): Promise<QueueEntry | undefined> {
    return this.#take(this.#order.minKey());
  }

  /** Entries from highest to lowest priority. */
  async entries(limit = Infinity): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    for (const [rank, key] of this.#order.entriesReversed()) {
      if (out.length >= limit) break;
      out.push({ key, block: this.#entries.get(key)!.block, priority: rank[0] });
    }
    return out;
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    this.#order.clear();
    this.#entries.clear();
  }

  #entry(rank: Rank | undefined): QueueEntry | undefined {
    if (rank === undefined) return undefined;
    const key = this.#order.get(rank)!;
    return { key, block: this.#entries.get(key)!.block, priority: rank[0] };
  }

  #take(rank: Rank | undefined): QueueEntry | undefined {
    const entry = this.#entry(rank);
    if (entry !== undefined) {
      this.#order.delete(rank!);
      this.#entries.delete(entry.key);
    }
    return entry;
  }
}
