/** A RAM-only tree of keyed blocks: each node has a parent (or is a root) and children. */
import type { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { assertKey } from './names.js';
import { keyBounds, keyPage, keyPageLimit, keyRangeLimit, keysWithin, type KeyPage, type VolatileListOptions, type VolatileRangeOptions } from './volatile-range.js';
import { assertBlock } from './volatile-map.js';

/** A node as returned by {@link VolatileTree.get}. */
export interface TreeNode {
  readonly key: string;
  readonly block: Block;
  readonly parent: string | undefined;
  readonly children: string[];
}

/** Options of {@link VolatileTree.list}: whose children (`parent`; the roots when absent), a key range and the cursor. */
export interface TreeListOptions extends VolatileListOptions {
  /** List this node's children; the roots when absent. */
  readonly parent?: string;
}

interface Node {
  block: Block;
  parent: string | undefined;
  children: Set<string>;
}

/** A tree of blocks held in memory; deleting a node deletes its subtree. */
export class VolatileTree {
  /** Container name. */
  readonly name: string;
  readonly #nodes = new Map<string, Node>();

  /** @internal Created by `store.volatiles.tree(name)`. */
  constructor(name: string) {
    this.name = name;
  }

  /** Number of nodes. */
  async size(): Promise<number> {
    return this.#nodes.size;
  }

  /** Adds a node under `parent` (a root when omitted); `TREE_NODE_EXISTS` if `key` is taken. */
  async add(key: string, block: Block, parent?: string): Promise<void> {
    assertKey(key);
    assertBlock(block);
    if (this.#nodes.has(key)) throw new KeeprError('TREE_NODE_EXISTS', `tree ${this.name} already has node ${JSON.stringify(key)}`, { details: { key } });
    if (parent !== undefined) {
      assertKey(parent);
      const p = this.#nodes.get(parent);
      if (p === undefined) throw new KeeprError('TREE_PARENT_NOT_FOUND', `tree ${this.name} has no node ${JSON.stringify(parent)}`, { details: { parent } });
      p.children.add(key);
    }
    this.#nodes.set(key, { block, parent, children: new Set() });
  }

  /** Replaces the block of an existing node; false when there is no such node. */
  async set(key: string, block: Block): Promise<boolean> {
    assertKey(key);
    assertBlock(block);
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    node.block = block;
    return true;
  }

  /** A node with its parent and children keys, or undefined. */
  async get(key: string): Promise<TreeNode | undefined> {
    assertKey(key);
    const n = this.#nodes.get(key);
    return n === undefined ? undefined : { key, block: n.block, parent: n.parent, children: [...n.children] };
  }

  /** Keys of the children of `key` in key order (none when it has none or is absent) within the bounds, as they are iterated. */
  async *children(key: string, options: VolatileRangeOptions = {}): AsyncGenerator<string> {
    assertKey(key);
    yield* this.#scan(this.#nodes.get(key)?.children ?? [], options);
  }

  /** Keys of the root nodes in key order within the bounds, as they are iterated. */
  async *roots(options: VolatileRangeOptions = {}): AsyncGenerator<string> {
    yield* this.#scan(this.#rootKeys(), options);
  }

  /** One page of the children of `parent` (the roots when absent) in key order: `{ items, cursor }`, `cursor` absent on the last page. */
  async list(options: TreeListOptions = {}): Promise<KeyPage> {
    const { parent } = options;
    if (parent !== undefined) assertKey(parent);
    const bounds = keyBounds(options);
    const keys = parent === undefined ? this.#rootKeys() : (this.#nodes.get(parent)?.children ?? []);
    return keyPage(keysWithin(sorted(keys, bounds.reverse), bounds), keyPageLimit(options.limit));
  }

  #rootKeys(): string[] {
    return [...this.#nodes].filter(([, n]) => n.parent === undefined).map(([k]) => k);
  }

  *#scan(keys: Iterable<string>, options: VolatileRangeOptions): Generator<string> {
    const bounds = keyBounds(options);
    let left = keyRangeLimit(options.limit);
    if (left === 0) return;
    for (const key of keysWithin(sorted(keys, bounds.reverse), bounds)) {
      yield key;
      if (--left === 0) return;
    }
  }

  /** Deletes `key` and its whole subtree; returns how many nodes were removed. */
  async delete(key: string): Promise<number> {
    assertKey(key);
    const node = this.#nodes.get(key);
    if (node === undefined) return 0;
    if (node.parent !== undefined) this.#nodes.get(node.parent)?.children.delete(key);
    let removed = 0;
    const stack = [key];
    while (stack.length > 0) {
      const k = stack.pop()!;
      const n = this.#nodes.get(k);
      if (n === undefined) continue;
      stack.push(...n.children);
      this.#nodes.delete(k);
      removed++;
    }
    return removed;
  }

  /** Removes every node. */
  async clear(): Promise<void> {
    this.#nodes.clear();
  }
}

/** Keys sorted in string order (or reverse). */
function sorted(keys: Iterable<string>, reverse: boolean): string[] {
  const out = [...keys].sort();
  return reverse ? out.reverse() : out;
}
