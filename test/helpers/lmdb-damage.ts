/**
 * Finding and damaging pages of an LMDB data file in tests. The offsets are written out here
 * again (not imported from src), so a wrong constant in the checker does not hide itself.
 */

/** The pages of the main DB tree of the newest meta, by raw offsets. */
export interface RawTree {
  readonly pageSize: number;
  readonly lastPage: number;
  readonly depth: number;
  readonly root: number;
  /** Page numbers of each level, root level first. */
  readonly levels: readonly number[][];
  /** Every F_BIGDATA node: the leaf page and the byte offset of its overflow reference in the file. */
  readonly overflow: readonly { readonly leaf: number; readonly ref: number; readonly pgno: number; readonly pages: number }[];
  /** Byte offsets of every node key in leaf pages: [leaf page, offset of the key, key size]. */
  readonly keys: readonly (readonly [number, number, number])[];
}

const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

/** Meta page `i` (0 or 1): its record starts 24 bytes in (after the page header). */
export function metaOffset(bytes: Buffer, i: 0 | 1): number {
  return i === 0 ? 24 : bytes.readUInt32LE(24 + 24) + 24;
}

/** Walks the main DB of the meta with the higher txnid (meta 0 on a tie). */
export function rawTree(bytes: Buffer): RawTree {
  const pageSize = bytes.readUInt32LE(48);
  const metas = [24, pageSize + 24].map((m) => ({ txn: u64(bytes, m + 128), last: u64(bytes, m + 120), depth: bytes.readUInt16LE(m + 24 + 48 + 6), root: u64(bytes, m + 24 + 48 + 40) }));
  const meta = metas[1]!.txn > metas[0]!.txn ? metas[1]! : metas[0]!;
  const levels: number[][] = [[meta.root]];
  const overflow: { leaf: number; ref: number; pgno: number; pages: number }[] = [];
  const keys: [number, number, number][] = [];
  for (let level = 0; level < meta.depth; level++) {
    const next: number[] = [];
    for (const pgno of levels[level]!) {
      const page = pgno * pageSize;
      const n = bytes.readUInt16LE(page + 20) >> 1;
      for (let i = 0; i < n; i++) {
        const node = page + 24 + bytes.readUInt16LE(page + 24 + 2 * i);
        const ksize = bytes.readUInt16LE(node + 6);
        if (level < meta.depth - 1) {
          next.push(bytes.readUInt16LE(node) + bytes.readUInt16LE(node + 2) * 0x10000 + bytes.readUInt16LE(node + 4) * 0x1_0000_0000);
          continue;
        }
        keys.push([pgno, node + 8, ksize]);
        if ((bytes.readUInt16LE(node + 4) & 1) !== 0) overflow.push({ leaf: pgno, ref: node + 8 + ksize, pgno: u64(bytes, node + 8 + ksize), pages: u64(bytes, node + 8 + ksize + 16) });
      }
    }
    if (next.length > 0) levels.push(next);
  }
  return { pageSize, lastPage: meta.last, depth: meta.depth, root: meta.root, levels, overflow, keys };
}

/** A copy of `bytes` changed by `fn`. */
export function damage(bytes: Buffer, fn: (copy: Buffer, tree: RawTree) => void): Buffer {
  const copy = Buffer.from(bytes);
  fn(copy, rawTree(bytes));
  return copy;
}

/** Zeroes page `pgno`. */
export function zeroPage(bytes: Buffer, tree: RawTree, pgno: number): void {
  bytes.fill(0, pgno * tree.pageSize, (pgno + 1) * tree.pageSize);
}

/** Flips every bit of the low byte of page `pgno`'s flags (offset 18 of its header). */
export function flipPageFlags(bytes: Buffer, tree: RawTree, pgno: number): void {
  bytes[pgno * tree.pageSize + 18]! ^= 0xff;
}

/** The first leaf page, after the root, with at least two keys. */
export function someLeaf(tree: RawTree): number {
  const leaves = tree.levels[tree.levels.length - 1]!;
  const counts = new Map<number, number>();
  for (const [leaf] of tree.keys) counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
  return leaves.find((p) => p !== tree.root && (counts.get(p) ?? 0) >= 2) ?? leaves[0]!;
}
