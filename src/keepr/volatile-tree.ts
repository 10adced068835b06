/** A RAM-only tree of keyed blocks: each node has a parent (or is a root) and children. */
import type { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { assertKey } from './names.js';
import { assertBlock } from './volatile-map.js';

/** A node as returned by {@link VolatileTree.get}. */
export interface TreeNode {
  readonly key: string;
  readonly block: Block;
  readonly parent: string | undefined;
  readonly children: string[];
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

  /** Keys of the children of `key` in insertion order (empty when none or absent). */
  async children(key: string): Promise<string[]> {
    assertKey(key);
    return [...(this.#nodes.get(key)?.children ?? [])];
  }

  /** Keys of the root nodes. */
  async roots(): Promise<string[]> {
    return [...this.#nodes].filter(([, n]) => n.parent === undefined).map(([k]) => k);
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
