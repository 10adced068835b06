/**
 * The current version of one tree, held in memory: the entries of each bucket and the hash of
 * every non-empty node. Node (level, index) covers buckets [index << (16 - level), ...); level 16
 * is the buckets themselves, level 0 the root. Changes are first staged into a delta (nothing
 * here changes until the commit that writes the delta has succeeded), then applied.
 */
import { BUCKET_BITS, HASH_BYTES, ZERO, bucketOf, compareHashes, isZero, nodeHash, packedBucketHash, sameHash, type BucketEntry } from './state-hash.js';

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
  /** New contents of each changed bucket, packed (see {@link MerkleTree}); empty when emptied. */
  readonly buckets: ReadonlyMap<number, Uint8Array>;
  /** Changed nodes, buckets (level 16) first, then level by level up to the root. */
  readonly nodes: readonly StagedNode[];
  readonly root: Uint8Array;
}

const ENTRY = 2 * HASH_BYTES;

/** Finds `kh` in a packed bucket: its entry index, or -(insertion point) - 1. */
function search(packed: Uint8Array, kh: Uint8Array): number {
  let lo = 0;
  let hi = packed.length / ENTRY - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    let c = 0;
    for (let i = 0, at = mid * ENTRY; i < HASH_BYTES && c === 0; i++, at++) c = packed[at]! - kh[i]!;
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** A bucket's packed entries with `changes` applied (each a key path and a value hash or undefined). */
function merge(packed: Uint8Array, changes: readonly PathChange[]): Uint8Array {
  const entries: BucketEntry[] = [];
  for (let at = 0; at < packed.length; at += ENTRY) entries.push({ kh: packed.subarray(at, at + HASH_BYTES), vh: packed.subarray(at + HASH_BYTES, at + ENTRY) });
  for (const { kh, vh } of changes) {
    let lo = 0;
    let hi = entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareHashes(entries[mid]!.kh, kh);
      if (c === 0) {
        found = mid;
        break;
      }
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    if (vh === undefined) {
      if (found >= 0) entries.splice(found, 1);
    } else if (found >= 0) {
      entries[found] = { kh, vh };
    } else {
      entries.splice(lo, 0, { kh, vh });
    }
  }
  const out = new Uint8Array(entries.length * ENTRY);
  entries.forEach((e, i) => {
    out.set(e.kh, i * ENTRY);
    out.set(e.vh, i * ENTRY + HASH_BYTES);
  });
  return out;
}

const EMPTY = new Uint8Array(0);

/**
 * The in-memory current tree, compact: each bucket is one buffer of its entries (key path ‖
 * value hash, 64 bytes each, sorted by key path), and each level's node hashes one flat buffer
 * (32 bytes per index, zero for an empty subtree), allocated when the level gets its first
 * non-empty node. About 64 bytes per key plus at most 4 MiB per tree, and few objects for the
 * garbage collector to trace.
 */
export class MerkleTree {
  readonly #buckets = new Map<number, Uint8Array>();
  readonly #levels: (Uint8Array | undefined)[] = [];
  #size = 0;

  /** The tree root (a copy). */
  get root(): Uint8Array {
    return this.node(0, 0).slice();
  }

  /** Number of keys held. */
  get size(): number {
    return this.#size;
  }

  /** The hash of a node (zero when its subtree is empty): a view, valid until the next apply. */
  node(level: number, index: number): Uint8Array {
    const hashes = this.#levels[level];
    return hashes === undefined ? ZERO : hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  /** The entries of a bucket, sorted by key path. */
  bucket(bucket: number): BucketEntry[] {
    const packed = this.#buckets.get(bucket) ?? EMPTY;
    const out: BucketEntry[] = [];
    for (let at = 0; at < packed.length; at += ENTRY) out.push({ kh: packed.subarray(at, at + HASH_BYTES), vh: packed.subarray(at + HASH_BYTES, at + ENTRY) });
    return out;
  }

  /** The value hash of a key path, or undefined. */
  valueHash(kh: Uint8Array): Uint8Array | undefined {
    const packed = this.#buckets.get(bucketOf(kh));
    if (packed === undefined) return undefined;
    const at = search(packed, kh);
    return at >= 0 ? packed.subarray(at * ENTRY + HASH_BYTES, (at + 1) * ENTRY) : undefined;
  }

  /** Every non-empty node: level, index and hash. */
  *nodes(): Generator<{ level: number; index: number; hash: Uint8Array }> {
    for (const [level, hashes] of this.#levels.entries()) {
      if (hashes === undefined) continue;
      for (let index = 0; index < 1 << level; index++) {
        const hash = hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
        if (!isZero(hash)) yield { level, index, hash };
      }
    }
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
    const byBucket = new Map<number, PathChange[]>();
    for (const change of changes) {
      const b = bucketOf(change.kh);
      const list = byBucket.get(b);
      if (list === undefined) byBucket.set(b, [change]);
      else list.push(change);
    }
    const buckets = new Map<number, Uint8Array>();
    for (const [b, list] of byBucket) buckets.set(b, merge(this.#buckets.get(b) ?? EMPTY, list));
    // Walk up level by level over sorted, distinct indexes with their new hashes side by side:
    // a parent's children are either staged right here (neighbours in the list) or current.
    const nodes: StagedNode[] = [];
    let indexes = [...buckets.keys()].sort((x, y) => x - y);
    if (indexes.length === 0) return { buckets, nodes, root: this.root };
    let hashes = indexes.map((b) => packedBucketHash(buckets.get(b)!));
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
        up.push(index >>> 1);
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
    for (const [b, packed] of delta.buckets) {
      this.#size += (packed.length - (this.#buckets.get(b)?.length ?? 0)) / ENTRY;
      if (packed.length === 0) this.#buckets.delete(b);
      else this.#buckets.set(b, packed);
    }
    for (const n of delta.nodes) {
      let hashes = this.#levels[n.level];
      if (hashes === undefined) {
        if (isZero(n.hash)) continue;
        hashes = new Uint8Array((1 << n.level) * HASH_BYTES);
        this.#levels[n.level] = hashes;
      }
      hashes.set(n.hash, n.index * HASH_BYTES);
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
