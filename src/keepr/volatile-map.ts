/** A RAM-only ordered map of blocks: keys in order, prefix listing, lost on close. */
import { BTree } from '../util/btree.js';
import type { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { assertKey, assertPrefix } from './names.js';

/** Options of {@link VolatileMap.keys}. */
export interface VolatileKeysOptions {
  readonly prefix?: string;
  readonly limit?: number;
}

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

  /** Keys in order, optionally under a prefix and limited. */
  async keys(options: VolatileKeysOptions = {}): Promise<string[]> {
    const { prefix = '', limit = Infinity } = options;
    assertPrefix(prefix);
    const out: string[] = [];
    for (const [key] of this.#tree.entries(prefix === '' ? undefined : prefix)) {
      if (!key.startsWith(prefix) || out.length >= limit) break;
      out.push(key);
    }
    return out;
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    this.#tree.clear();
  }
}
