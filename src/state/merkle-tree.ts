/**
 * The current version of one tree, held in memory: the entries of each bucket and the hash of
 * every non-empty node. Node (level, index) covers buckets [index << (16 - level), ...); level 16
 * is the buckets themselves, level 0 the root. Changes are first staged into a delta (nothing
 * here changes until the commit that writes the delta has succeeded), then applied.
 */
import { BUCKET_BITS, ZERO, bucketHash, bucketOf, compareHashes, isZero, nodeHash, sameHash, type BucketEntry } from './state-hash.js';

/** One change to a tree: a key path and its new value hash (undefined: deleted). */
export interface PathChange {
  readonly kh: Uint8Array;
  readonly vh: Uint8Array | undefined;
}

/** Levels spanned by one group record: it holds the 2^4 = 16 hashes four levels below a node. */
export const GROUP_BITS = 4;
/** Hashes in one group record. */
export const GROUP_SIZE = 1 << GROUP_BITS;

/**
 * True for the levels whose nodes have a group record per height they change in: 0, 4 and 8.
 * The record of node (level, index) holds the hashes of its 16 descendants at level + 4, so a
 * proof reads one record per four levels, and a commit writes one record per changed group
 * rather than one per changed node. Level 12's descendants are buckets, whose hashes are
 * recomputed from their entries.
 */
export function isGroupLevel(level: number): boolean {
  return level % GROUP_BITS === 0 && level + GROUP_BITS < BUCKET_BITS;
}

/** Node id: level * 2^16 + index (levels 0 to 16, indexes below 2^level). */
export function nodeId(level: number, index: number): number {
  return level * 65536 + index;
}

/** A node whose hash a delta changes. */
export interface StagedNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** The staged effect of changes: new bucket contents and every node hash that changed. */
export interface TreeDelta {
  readonly buckets: ReadonlyMap<number, BucketEntry[]>;
  /** Changed nodes, buckets (level 16) first, then level by level up to the root. */
  readonly nodes: readonly StagedNode[];
  readonly root: Uint8Array;
}

/** Finds `kh` in sorted entries: its index, or -(insertion point) - 1. */
function search(entries: readonly BucketEntry[], kh: Uint8Array): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareHashes(entries[mid]!.kh, kh);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** The in-memory current tree. */
export class MerkleTree {
  readonly #buckets = new Map<number, BucketEntry[]>();
  readonly #nodes = new Map<number, Uint8Array>();

  /** The tree root. */
  get root(): Uint8Array {
    return this.node(0, 0);
  }

  /** Number of keys held. */
  get size(): number {
    let n = 0;
    for (const entries of this.#buckets.values()) n += entries.length;
    return n;
  }

  /** The hash of a node (zero when its subtree is empty). */
  node(level: number, index: number): Uint8Array {
    return this.#nodes.get(nodeId(level, index)) ?? ZERO;
  }

  /** The entries of a bucket, sorted by key path. */
  bucket(bucket: number): readonly BucketEntry[] {
    return this.#buckets.get(bucket) ?? [];
  }

  /** The value hash of a key path, or undefined. */
  valueHash(kh: Uint8Array): Uint8Array | undefined {
    const entries = this.bucket(bucketOf(kh));
    const at = search(entries, kh);
    return at >= 0 ? entries[at]!.vh : undefined;
  }

  /** Every non-empty node: level, index and hash. */
  *nodes(): Generator<{ level: number; index: number; hash: Uint8Array }> {
    for (const [id, hash] of this.#nodes) yield { level: Math.floor(id / 65536), index: id % 65536, hash };
  }

  /** Builds a tree from all its entries at once (on open, or from a replay). */
  static build(entries: Iterable<BucketEntry>): MerkleTree {
    const tree = new MerkleTree();
    const changes: PathChange[] = [];
    for (const e of entries) changes.push(e);
    tree.apply(tree.stage(changes));
    return tree;
  }

  /** Computes what `changes` do to the tree, without changing it. */
  stage(changes: Iterable<PathChange>): TreeDelta {
    const buckets = new Map<number, BucketEntry[]>();
    for (const change of changes) {
      const b = bucketOf(change.kh);
      let entries = buckets.get(b);
      if (entries === undefined) {
        entries = [...this.bucket(b)];
        buckets.set(b, entries);
      }
      const at = search(entries, change.kh);
      if (change.vh === undefined) {
        if (at >= 0) entries.splice(at, 1);
      } else if (at >= 0) {
        entries[at] = { kh: change.kh, vh: change.vh };
      } else {
        entries.splice(-at - 1, 0, { kh: change.kh, vh: change.vh });
      }
    }
    // Walk up level by level over sorted, distinct indexes with their new hashes side by side:
    // a parent's children are either staged right here (neighbours in the list) or current.
    const nodes: StagedNode[] = [];
    let indexes = [...buckets.keys()].sort((x, y) => x - y);
    if (indexes.length === 0) return { buckets, nodes, root: this.root };
    let hashes = indexes.map((b) => bucketHash(buckets.get(b)!));
    for (let level = BUCKET_BITS; ; level--) {
      for (let i = 0; i < indexes.length; i++) {
        const hash = hashes[i]!;
        // Only nodes whose hash really changed are kept: those are what a commit stores.
        if (!sameHash(this.node(level, indexes[i]!), hash)) nodes.push({ level, index: indexes[i]!, hash });
      }
      if (level === 0) break;
      const up: number[] = [];
      const upHashes: Uint8Array[] = [];
      for (let i = 0; i < indexes.length; i++) {
        const index = indexes[i]!;
        const parent = index >>> 1;
        let left: Uint8Array;
        let right: Uint8Array;
        if ((index & 1) === 0) {
          left = hashes[i]!;
          if (indexes[i + 1] === index + 1) {
            right = hashes[i + 1]!;
            i++;
          } else {
            right = this.node(level, index + 1);
          }
        } else {
          left = this.node(level, index - 1);
          right = hashes[i]!;
        }
        up.push(parent);
        upHashes.push(nodeHash(left, right));
      }
      indexes = up;
      hashes = upHashes;
    }
    return { buckets, nodes, root: hashes[0]! };
  }

  /**
   * The 16 hashes a group record of node (level, index) holds, taking staged hashes (by node
   * id) over current ones.
   */
  groupHashes(level: number, index: number, staged?: ReadonlyMap<number, Uint8Array>): Uint8Array[] {
    const below = level + GROUP_BITS;
    const out: Uint8Array[] = [];
    for (let j = 0; j < GROUP_SIZE; j++) {
      const child = index * GROUP_SIZE + j;
      out.push(staged?.get(nodeId(below, child)) ?? this.node(below, child));
    }
    return out;
  }

  /** Makes a staged delta current. */
  apply(delta: TreeDelta): void {
    for (const [b, entries] of delta.buckets) {
      if (entries.length === 0) this.#buckets.delete(b);
      else this.#buckets.set(b, entries);
    }
    for (const n of delta.nodes) {
      const id = nodeId(n.level, n.index);
      if (isZero(n.hash)) this.#nodes.delete(id);
      else this.#nodes.set(id, n.hash);
    }
  }
}

/**
 * The group records a delta changes, with their new hashes: [level, index, 16 hashes] for every
 * node at a group level with a changed descendant four levels down.
 */
export function changedGroups(tree: MerkleTree, delta: TreeDelta): [number, number, Uint8Array[]][] {
  const staged = new Map<number, Uint8Array>();
  const groups = new Map<number, [number, number]>();
  for (const n of delta.nodes) {
    const level = n.level - GROUP_BITS;
    if (level < 0 || !isGroupLevel(level)) continue;
    staged.set(nodeId(n.level, n.index), n.hash);
    const index = n.index >>> GROUP_BITS;
    groups.set(nodeId(level, index), [level, index]);
  }
  return [...groups.values()].map(([level, index]) => [level, index, tree.groupHashes(level, index, staged)]);
}
