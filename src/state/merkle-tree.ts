/**
 * The current version of one tree, held in memory: the entries of each bucket and the hash of
 * every non-empty node. Node (level, index) covers buckets [index << (16 - level), ...); level 16
 * is the buckets themselves, level 0 the root. Changes are first staged into a delta (nothing
 * here changes until the commit that writes the delta has succeeded), then applied.
 */
import { BUCKETS, BUCKET_BITS, HASH_BYTES, ZERO, bucketOf, compareHashes, copyHash, isZero, isZeroAt, nodeHashInto, packedBucketHashInto, sameHashAt, type BucketEntry } from './state-hash.js';

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

/** The changed nodes of one level of a delta: their indexes (ascending) and hashes (32 bytes each, in that order). */
export interface StagedLevel {
  readonly level: number;
  readonly indexes: readonly number[];
  readonly hashes: Uint8Array;
}

/** The staged effect of changes: new bucket contents and every node hash that changed. */
export interface TreeDelta {
  /** Changed buckets (ascending) and their new contents, packed (see {@link MerkleTree}); empty when emptied. */
  readonly buckets: readonly number[];
  readonly contents: readonly Uint8Array[];
  /** Changed nodes by level, buckets (level 16) first, then level by level up to the root. */
  readonly levels: readonly StagedLevel[];
  readonly root: Uint8Array;
}

const ENTRY = 2 * HASH_BYTES;
const EMPTY = new Uint8Array(0);

/** Finds `kh` in a packed bucket: its entry index, or -(insertion point) - 1. */
function search(packed: Uint8Array, kh: Uint8Array): number {
  let lo = 0;
  let hi = packed.length / ENTRY - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareAt(packed, mid * ENTRY, kh);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Compares the key path at `at` in `packed` with `kh`. */
function compareAt(packed: Uint8Array, at: number, kh: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const d = packed[at + i]! - kh[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

const byKeyPath = (a: PathChange, b: PathChange): number => compareHashes(a.kh, b.kh);

// The preimage of the bucket being staged: 5 header bytes, then the merged entries. Merging
// straight into it makes the bucket hash one call and the stored contents one copy.
let preimage = new Uint8Array(5 + 64 * ENTRY);

/**
 * Merges `changes[from, to)` (sorted by key path; of equal key paths the last one wins) into a
 * bucket's packed entries, writing the result at byte 5 of the preimage: its entry count.
 */
function mergeInto(packed: Uint8Array, changes: readonly PathChange[], from: number, to: number): number {
  const need = 5 + packed.length + (to - from) * ENTRY;
  if (preimage.length < need) preimage = new Uint8Array(need * 2);
  const out = preimage;
  let w = 5;
  let r = 0;
  for (let c = from; c < to; c++) {
    const { kh, vh } = changes[c]!;
    if (c + 1 < to && compareHashes(changes[c + 1]!.kh, kh) === 0) continue;
    // Entries before the changed key path stay as they are.
    let cmp = -1;
    while (r < packed.length && (cmp = compareAt(packed, r, kh)) < 0) {
      copyHash(packed, r, out, w);
      copyHash(packed, r + HASH_BYTES, out, w + HASH_BYTES);
      r += ENTRY;
      w += ENTRY;
    }
    if (r < packed.length && cmp === 0) r += ENTRY;
    if (vh !== undefined) {
      out.set(kh, w);
      out.set(vh, w + HASH_BYTES);
      w += ENTRY;
    }
  }
  if (r < packed.length) {
    out.set(packed.subarray(r), w);
    w += packed.length - r;
  }
  return (w - 5) / ENTRY;
}

// Buffers reused by every stage (it runs synchronously, one at a time), up to a size: a load's
// one big stage should not leave megabytes behind.
const scratch: Record<'a' | 'b' | 'changed', Buffer> = { a: Buffer.alloc(0), b: Buffer.alloc(0), changed: Buffer.alloc(0) };
const KEEP_BYTES = 1 << 20;

/** A buffer of at least `size` bytes: the reused one of `name` when small enough. */
function take(name: keyof typeof scratch, size: number): Buffer {
  if (size > KEEP_BYTES) return Buffer.allocUnsafe(size);
  if (scratch[name].length < size) scratch[name] = Buffer.allocUnsafe(Math.min(KEEP_BYTES, size * 2));
  return scratch[name];
}

/** Bytes of the hashes of every node above `buckets` distinct buckets, at most. */
function nodeBytes(buckets: number): number {
  let n = 0;
  for (let level = 0; level <= BUCKET_BITS; level++) n += Math.min(buckets, 2 ** level);
  return n * HASH_BYTES;
}

/** The hash at `index` of a level buffer (absent: all zero) as a buffer and an offset. */
function at(hashes: Uint8Array | undefined, index: number): number {
  return hashes === undefined ? 0 : index * HASH_BYTES;
}

/**
 * The in-memory current tree, compact: each bucket is one buffer of its entries (key path ‖
 * value hash, 64 bytes each, sorted by key path), and each level's node hashes one flat buffer
 * (32 bytes per index, zero for an empty subtree), allocated when the level gets its first
 * non-empty node. About 64 bytes per key plus at most 4 MiB per tree, and few objects for the
 * garbage collector to trace.
 */
export class MerkleTree {
  readonly #buckets = new Array<Uint8Array | undefined>(BUCKETS);
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
    const packed = this.#buckets[bucket] ?? EMPTY;
    const out: BucketEntry[] = [];
    for (let at = 0; at < packed.length; at += ENTRY) out.push({ kh: packed.subarray(at, at + HASH_BYTES), vh: packed.subarray(at + HASH_BYTES, at + ENTRY) });
    return out;
  }

  /** The value hash of a key path, or undefined. */
  valueHash(kh: Uint8Array): Uint8Array | undefined {
    const packed = this.#buckets[bucketOf(kh)];
    if (packed === undefined) return undefined;
    const at = search(packed, kh);
    return at >= 0 ? packed.subarray(at * ENTRY + HASH_BYTES, (at + 1) * ENTRY) : undefined;
  }

  /** Whether a key path has a value, and whether it is `vh`: 'absent', 'same' or 'other' (no view allocated). */
  holds(kh: Uint8Array, vh: Uint8Array | undefined): 'absent' | 'same' | 'other' {
    const packed = this.#buckets[bucketOf(kh)];
    const found = packed === undefined ? -1 : search(packed, kh);
    if (found < 0) return 'absent';
    return vh !== undefined && sameHashAt(packed!, found * ENTRY + HASH_BYTES, vh, 0) ? 'same' : 'other';
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
    tree.apply(tree.stage(entries));
    return tree;
  }

  /** Computes what `changes` do to the tree, without changing it (of changes to one key path, the last wins). */
  stage(changes: Iterable<PathChange>): TreeDelta {
    // Sorted by key path (a stable sort keeps the order of changes to one path), each bucket's
    // changes are a run and the buckets come out ascending, as the walk up needs them.
    const sorted = Array.from(changes).sort(byKeyPath);
    const buckets: number[] = [];
    const contents: Uint8Array[] = [];
    // Hashes of one level and the next take turns in two reused buffers, and the changed ones
    // collect in a third, copied out once: no large buffer per level for the collector.
    const distinct = Math.min(sorted.length, BUCKETS);
    let hashes = take('a', distinct * HASH_BYTES);
    let spare = take('b', distinct * HASH_BYTES);
    const arena = take('changed', nodeBytes(distinct));
    for (let s = 0; s < sorted.length; ) {
      const b = bucketOf(sorted[s]!.kh);
      let e = s + 1;
      while (e < sorted.length && bucketOf(sorted[e]!.kh) === b) e++;
      const n = mergeInto(this.#buckets[b] ?? EMPTY, sorted, s, e);
      packedBucketHashInto(preimage, n, hashes, buckets.length * HASH_BYTES);
      buckets.push(b);
      contents.push(n === 0 ? EMPTY : preimage.slice(5, 5 + n * ENTRY));
      s = e;
    }
    if (buckets.length === 0) return { buckets, contents, levels: [], root: this.root };
    const marks: { level: number; indexes: number[]; from: number; to: number }[] = [];
    let used = 0;
    // Walk up level by level over sorted, distinct indexes with their new hashes side by side:
    // a parent's children are either staged right here (neighbours in the list) or current.
    let indexes = buckets;
    for (let level = BUCKET_BITS; ; level--) {
      const current = this.#levels[level];
      const base = current ?? ZERO;
      // Only nodes whose hash really changed are kept: those are what a commit stores.
      const changed: number[] = [];
      const from = used;
      for (let i = 0; i < indexes.length; i++) {
        const index = indexes[i]!;
        if (sameHashAt(base, at(current, index), hashes, i * HASH_BYTES)) continue;
        copyHash(hashes, i * HASH_BYTES, arena, used);
        used += HASH_BYTES;
        changed.push(index);
      }
      marks.push({ level, indexes: changed, from, to: used });
      if (level === 0) break;
      const up: number[] = [];
      const upHashes = spare;
      for (let i = 0; i < indexes.length; i++) {
        const index = indexes[i]!;
        const out = up.length * HASH_BYTES;
        if ((index & 1) === 0) {
          if (indexes[i + 1] === index + 1) {
            nodeHashInto(hashes, i * HASH_BYTES, hashes, (i + 1) * HASH_BYTES, upHashes, out);
            i++;
          } else {
            nodeHashInto(hashes, i * HASH_BYTES, base, at(current, index + 1), upHashes, out);
          }
        } else {
          nodeHashInto(base, at(current, index - 1), hashes, i * HASH_BYTES, upHashes, out);
        }
        up.push(index >>> 1);
      }
      indexes = up;
      spare = hashes;
      hashes = upHashes;
    }
    const owned = new Uint8Array(arena.subarray(0, used));
    const levels = marks.map(({ level, indexes: changed, from, to }) => ({ level, indexes: changed, hashes: owned.subarray(from, to) }));
    return { buckets, contents, levels, root: new Uint8Array(hashes.subarray(0, HASH_BYTES)) };
  }

  /**
   * The 16 hashes a group record of node (level, index) holds, taking the hashes of `staged`
   * (the changed nodes four levels below) over current ones.
   */
  groupHashes(level: number, index: number, staged?: StagedLevel): Uint8Array[] {
    const below = level + GROUP_BITS;
    const out: Uint8Array[] = [];
    let k = staged === undefined ? 0 : lowerBound(staged.indexes, index * GROUP_SIZE);
    for (let j = 0; j < GROUP_SIZE; j++) {
      const child = index * GROUP_SIZE + j;
      if (staged !== undefined && staged.indexes[k] === child) {
        out.push(staged.hashes.subarray(k * HASH_BYTES, (k + 1) * HASH_BYTES));
        k++;
      } else {
        out.push(this.node(below, child));
      }
    }
    return out;
  }

  /** Makes a staged delta current. */
  apply(delta: TreeDelta): void {
    for (let i = 0; i < delta.buckets.length; i++) {
      const b = delta.buckets[i]!;
      const packed = delta.contents[i]!;
      this.#size += (packed.length - (this.#buckets[b]?.length ?? 0)) / ENTRY;
      this.#buckets[b] = packed.length === 0 ? undefined : packed;
    }
    for (const { level, indexes, hashes: staged } of delta.levels) {
      let hashes = this.#levels[level];
      for (let i = 0; i < indexes.length; i++) {
        if (hashes === undefined) {
          if (isZeroAt(staged, i * HASH_BYTES)) continue;
          hashes = new Uint8Array((1 << level) * HASH_BYTES);
          this.#levels[level] = hashes;
        }
        copyHash(staged, i * HASH_BYTES, hashes, indexes[i]! * HASH_BYTES);
      }
    }
  }
}

/** The first position in ascending `list` whose value is at least `value`. */
function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The group records a delta changes, with their new hashes: [level, index, 16 hashes] for every
 * node at a group level with a changed descendant four levels down.
 */
export function changedGroups(tree: MerkleTree, delta: TreeDelta): [number, number, Uint8Array[]][] {
  const out: [number, number, Uint8Array[]][] = [];
  for (const staged of delta.levels) {
    const level = staged.level - GROUP_BITS;
    if (level < 0 || !isGroupLevel(level)) continue;
    // The indexes ascend: the nodes of one group are neighbours.
    let last = -1;
    for (const n of staged.indexes) {
      const index = n >>> GROUP_BITS;
      if (index === last) continue;
      last = index;
      out.push([level, index, tree.groupHashes(level, index, staged)]);
    }
  }
  return out;
}
