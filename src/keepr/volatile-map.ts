/** A RAM-only ordered map of blocks: keys in order, prefix listing, lost on close. */
import { BTree } from '../util/btree.js';
import type { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { assertKey } from './names.js';
import { keyBounds, keyPage, keyPageLimit, keyRangeLimit, keysWithin, type KeyWalk, type KeyPage, type VolatileListOptions, type VolatileRangeOptions } from './volatile-range.js';


/** Throws unless `block` is a Block (checked without importing the class at runtime). */
export function assertBlock(block: unknown): asserts block is Block {
  if (typeof block !== 'object' || block === null || !((block as { bytes?: unknown }).bytes instanceof Uint8Array)) {
    throw new KeeprError('ARGUMENT_INVALID', 'value must be a Block');
  }
}

/** An ordered key → block map held in memory. */
export class VolatileMap {
  /** Container name. */
  readonly name: string;
  readonly #tree = new BTree<string, Block>(undefined, (a, b) => (a < b ? -1 : a > b ? 1 : 0));

  /** @internal Created by `store.volatiles.map(name)`. */
  constructor(name: string) {
    this.name = name;
  }

  /** The block under `key`, or undefined. */
  async get(key: string): Promise<Block | undefined> {
    assertKey(key);
    return this.#tree.get(key);
  }

  /** True when `key` is present. */
  async has(key: string): Promise<boolean> {
    assertKey(key);
    return this.#tree.has(key);
  }

  /** Stores a block under `key`. */
  async put(key: string, block: Block): Promise<void> {
    assertKey(key);
    assertBlock(block);
    this.#tree.set(key, block);
  }

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    assertKey(key);
    return this.#tree.delete(key);
  }

  /** Number of entries. */
  async size(): Promise<number> {
    return this.#tree.size;
  }

  /** Keys in order (or reverse) within the bounds, read as they are iterated. */
  async *keys(options: VolatileRangeOptions = {}): AsyncGenerator<string> {
    const bounds = keyBounds(options);
    let left = keyRangeLimit(options.limit);
    if (left === 0) return;
    for (const key of this.#walk(bounds)) {
      yield key;
      if (--left === 0) return;
    }
  }

  /** One page of keys in order (or reverse) within the bounds: `{ items, cursor }`, `cursor` absent on the last page. */
  async list(options: VolatileListOptions = {}): Promise<KeyPage> {
    const bounds = keyBounds(options);
    return keyPage(this.#walk(bounds), keyPageLimit(options.limit));
  }

  /** Keys within `bounds`, starting the B+tree walk at the nearer bound. */
  #walk(bounds: KeyWalk): Generator<string> {
    const { prefix, lower, upper, reverse } = bounds;
    const start = reverse ? upper : lower !== undefined && lower >= prefix ? lower : prefix === '' ? undefined : prefix;
    const entries = reverse ? this.#tree.entriesReversed(start) : this.#tree.entries(start);
    return keysWithin(keysOf(entries), bounds);
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    this.#tree.clear();
  }
}

function* keysOf(entries: Iterable<[string, Block]>): Generator<string> {
  for (const [key] of entries) yield key;
}
