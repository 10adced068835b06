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

/**
 * Whether a level's node hashes are stored per height: every fourth level above the buckets. The
 * levels between are recomputed from the stored level below when a proof needs them, and
 * bucket hashes from the bucket's entries, which cuts the node records a commit writes by
 * about 5 times.
 */
/** True when a level's nodes are stored. */
export function isStoredLevel(level: number): boolean {
  return level % 4 === 0 && level < BUCKET_BITS;
}

/** Node id: level * 2^16 + index (levels 0 to 16, indexes below 2^level). */
export function nodeId(level: number, index: number): number {
  return level * 65536 + index;
}

/** The staged effect of changes: new bucket contents and every node hash that changed. */
export interface TreeDelta {
  readonly buckets: ReadonlyMap<number, BucketEntry[]>;
  /** Changed nodes by id, with their level and index. */
  readonly nodes: ReadonlyMap<number, { readonly level: number; readonly index: number; readonly hash: Uint8Array }>;
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
    const nodes = new Map<number, { level: number; index: number; hash: Uint8Array }>();
    const hashOf = (level: number, index: number): Uint8Array => nodes.get(nodeId(level, index))?.hash ?? this.node(level, index);
    let dirty = new Set<number>();
    for (const [b, entries] of buckets) {
      nodes.set(nodeId(BUCKET_BITS, b), { level: BUCKET_BITS, index: b, hash: bucketHash(entries) });
      dirty.add(b >>> 1);
    }
    for (let level = BUCKET_BITS - 1; level >= 0; level--) {
      const next = new Set<number>();
      for (const index of dirty) {
        const hash = nodeHash(hashOf(level + 1, 2 * index), hashOf(level + 1, 2 * index + 1));
        nodes.set(nodeId(level, index), { level, index, hash });
        if (level > 0) next.add(index >>> 1);
      }
      dirty = next;
    }
    // Keep only nodes whose hash really changed: those are what a commit stores.
    for (const [id, n] of nodes) {
      if (sameHash(this.#nodes.get(id) ?? ZERO, n.hash)) nodes.delete(id);
    }
    return { buckets, nodes, root: hashOf(0, 0) };
  }

  /** Makes a staged delta current. */
  apply(delta: TreeDelta): void {
    for (const [b, entries] of delta.buckets) {
      if (entries.length === 0) this.#buckets.delete(b);
      else this.#buckets.set(b, entries);
    }
    for (const [id, n] of delta.nodes) {
      if (isZero(n.hash)) this.#nodes.delete(id);
      else this.#nodes.set(id, n.hash);
    }
  }
}
