/** The registry of a store's volatile containers, by name; each name holds one kind. */
import { KeeprError } from '../errors.js';
import { assertName } from './names.js';
import { VolatileDeque } from './volatile-deque.js';
import { VolatileMap } from './volatile-map.js';
import { DEFAULT_QUEUE_CAPACITY, VolatilePriorityQueue } from './volatile-priority-queue.js';
import { VolatileTree } from './volatile-tree.js';

/** The kinds of volatile container. */
export type VolatileKind = 'map' | 'deque' | 'queue' | 'tree';

/** Any volatile container. */
export type Volatile = VolatileMap | VolatileDeque | VolatilePriorityQueue | VolatileTree;

/** Options of {@link Volatiles.queue}. */
export interface QueueOptions {
  /** Largest number of entries (default 10,000); only used when the queue is created. */
  readonly capacity?: number;
}

function kindOf(v: Volatile): VolatileKind {
  if (v instanceof VolatileMap) return 'map';
  if (v instanceof VolatileDeque) return 'deque';
  if (v instanceof VolatilePriorityQueue) return 'queue';
  return 'tree';
}

/** Named RAM-only containers of blocks; everything here is gone when the store closes. */
export class Volatiles {
  readonly #all = new Map<string, Volatile>();

  /** The map called `name`, created on first use. */
  map(name: string): VolatileMap {
    return this.#get(name, 'map', () => new VolatileMap(name)) as VolatileMap;
  }

  /** The deque called `name`, created on first use. */
  deque(name: string): VolatileDeque {
    return this.#get(name, 'deque', () => new VolatileDeque(name)) as VolatileDeque;
  }

  /** The priority queue called `name`, created on first use with the given capacity. */
  queue(name: string, options: QueueOptions = {}): VolatilePriorityQueue {
    return this.#get(name, 'queue', () => new VolatilePriorityQueue(name, options.capacity ?? DEFAULT_QUEUE_CAPACITY)) as VolatilePriorityQueue;
  }

  /** The tree called `name`, created on first use. */
  tree(name: string): VolatileTree {
    return this.#get(name, 'tree', () => new VolatileTree(name)) as VolatileTree;
  }

  /** Names of all containers, sorted. */
  names(): string[] {
    return [...this.#all.keys()].sort();
  }

  /** The kind of the container called `name`, or undefined. */
  kind(name: string): VolatileKind | undefined {
    assertName(name, 'volatile');
    const v = this.#all.get(name);
    return v === undefined ? undefined : kindOf(v);
  }

  /** Removes a container; false when there was none. */
  drop(name: string): boolean {
    assertName(name, 'volatile');
    return this.#all.delete(name);
  }

  /** Removes every container. */
  clear(): void {
    this.#all.clear();
  }

  #get(name: string, kind: VolatileKind, make: () => Volatile): Volatile {
    assertName(name, 'volatile');
    const existing = this.#all.get(name);
    if (existing === undefined) {
      const created = make();
      this.#all.set(name, created);
      return created;
    }
    if (kindOf(existing) !== kind) {
      throw new KeeprError('VOLATILE_KIND_MISMATCH', `volatile ${JSON.stringify(name)} is a ${kindOf(existing)}, not a ${kind}`, {
        details: { name, kind: kindOf(existing) },
      });
    }
    return existing;
  }
}
