/**
 * Hashing of versioned state (docs/state.md is normative). SHA-256 throughout; every preimage
 * starts with a one-byte domain tag so a hash of one kind can never pass for another.
 *
 *   key path     kh = SHA-256(0x04 | key)                (its first 16 bits pick the bucket)
 *   value hash   vh = SHA-256(0x00 | kind | value)        kind 0 = bytes, 1 = block
 *   bucket       SHA-256(0x01 | n u32 BE | (kh | vh) * n) entries sorted by kh; empty → 32 zero bytes
 *   inner node   SHA-256(0x02 | left | right)             both children zero → 32 zero bytes
 *   state root   SHA-256(0x03 | n u16 BE | (len u8 | name | root) * n)  trees sorted by name bytes
 */
import { createHash, hash as digest } from 'node:crypto';

/** Bytes of every hash. */
export const HASH_BYTES = 32;
/** Depth of the bucket tree: 2^16 buckets, picked by the first 16 bits of the key path. */
export const BUCKET_BITS = 16;
/** Number of buckets. */
export const BUCKETS = 1 << BUCKET_BITS;
/** The hash of an empty bucket or subtree. */
export const ZERO = new Uint8Array(HASH_BYTES);

/** What a stored value is: raw bytes, or the canonical bytes of a block. */
export type ValueKind = 'bytes' | 'block';

const VALUE_BYTES = Uint8Array.of(0x00, 0);
const VALUE_BLOCK = Uint8Array.of(0x00, 1);
const TAG_BUCKET = 0x01;
const TAG_NODE = 0x02;
const TAG_ROOT = 0x03;
// Tagged like every other preimage: untagged, a 65-byte key 02 | L | R would share its key path
// with the inner node over L and R.
const TAG_KEY = 0x04;

/**
 * SHA-256 of `data`. Node's one-shot hash returns a latin1 string about twice as fast as a
 * Buffer (its 'buffer' output takes a slow path), and latin1 maps bytes to characters one to
 * one, so the string is written straight into a pooled 32-byte buffer.
 */
function sha256(data: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(HASH_BYTES);
  (out as LatinWriter).latin1Write(digest('sha256', data, 'binary'), 0, HASH_BYTES);
  return out;
}

// Buffer's latin1Write (on Node's Buffer.prototype, untyped) skips write()'s encoding dispatch.
type LatinWriter = Buffer & { latin1Write(text: string, at: number, length: number): number };

/** SHA-256 of `data` written into `out` at byte `at` (no buffer of its own: a commit hashes thousands of nodes). */
export function sha256Into(data: Uint8Array, out: Buffer, at: number): void {
  (out as LatinWriter).latin1Write(digest('sha256', data, 'binary'), at, HASH_BYTES);
}

/** Copies the 32-byte hash at `from` in `src` to `at` in `dst` (a loop: no view object per copy). */
export function copyHash(src: Uint8Array, from: number, dst: Uint8Array, at: number): void {
  for (let i = 0; i < HASH_BYTES; i++) dst[at + i] = src[from + i]!;
}

/** True when the 32 bytes at `at` are all zero. */
export function isZeroAt(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (bytes[at + i] !== 0) return false;
  return true;
}

/** Byte-wise equality of the hashes at `ia` in `a` and `ib` in `b`. */
export function sameHashAt(a: Uint8Array, ia: number, b: Uint8Array, ib: number): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (a[ia + i] !== b[ib + i]) return false;
  return true;
}

/** True when all 32 bytes are zero (an empty subtree). */
export function isZero(hash: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (hash[i] !== 0) return false;
  return true;
}

/** Byte-wise equality of two hashes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Views `[0, n)` of a scratch buffer, made once per length: a put hashes through one without allocating it. */
function scratchViews(size: number): (n: number) => Uint8Array {
  const scratch = new Uint8Array(size);
  const views: (Uint8Array | undefined)[] = [];
  return (n) => (views[n] ??= scratch.subarray(0, n));
}

// Key preimages (state keys are at most 500 bytes) are built in one scratch buffer.
const keyPreimage = scratchViews(1 + 512);

/** The key path of a key. */
export function keyPath(key: Uint8Array): Uint8Array {
  const tagged = key.length < 512 ? keyPreimage(1 + key.length) : new Uint8Array(1 + key.length);
  tagged[0] = TAG_KEY;
  tagged.set(key, 1);
  return sha256(tagged);
}

/** The bucket (0 to 65535) a key path falls in. */
export function bucketOf(kh: Uint8Array): number {
  return (kh[0]! << 8) | kh[1]!;
}

const SMALL_VALUE = 4096;
const valuePreimage = scratchViews(2 + SMALL_VALUE);

/** The hash of a value of a kind. */
export function valueHash(kind: ValueKind, value: Uint8Array): Uint8Array {
  // Small values are copied behind the tag and hashed in one call (several times faster than
  // a streaming hash); large ones stream rather than copy.
  if (value.length <= SMALL_VALUE) {
    const tagged = valuePreimage(2 + value.length);
    tagged[0] = 0x00;
    tagged[1] = kind === 'block' ? 1 : 0;
    tagged.set(value, 2);
    return sha256(tagged);
  }
  return createHash('sha256')
    .update(kind === 'block' ? VALUE_BLOCK : VALUE_BYTES)
    .update(value)
    .digest();
}

/** One leaf of a bucket. */
export interface BucketEntry {
  readonly kh: Uint8Array;
  readonly vh: Uint8Array;
}

/** Compares key paths bytewise. */
export function compareHashes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

// One preimage buffer, filled and hashed in a single update: hashing runs for every changed node.
let preimage = new Uint8Array(1 + 2 * HASH_BYTES * 8);

/** The hash of a bucket's entries (sorted by key path); zero when empty. */
export function bucketHash(entries: readonly BucketEntry[]): Uint8Array {
  if (entries.length === 0) return ZERO;
  const size = 5 + entries.length * 2 * HASH_BYTES;
  if (preimage.length < size) preimage = new Uint8Array(size * 2);
  preimage[0] = TAG_BUCKET;
  const n = entries.length;
  preimage[1] = n >>> 24;
  preimage[2] = (n >>> 16) & 0xff;
  preimage[3] = (n >>> 8) & 0xff;
  preimage[4] = n & 0xff;
  let at = 5;
  for (const e of entries) {
    preimage.set(e.kh, at);
    preimage.set(e.vh, at + HASH_BYTES);
    at += 2 * HASH_BYTES;
  }
  return sha256(preimage.subarray(0, size));
}

/** The hash of an inner node; zero when both children are. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (isZero(left) && isZero(right)) return ZERO;
  preimage[0] = TAG_NODE;
  preimage.set(left, 1);
  preimage.set(right, 1 + HASH_BYTES);
  return sha256(preimage.subarray(0, 1 + 2 * HASH_BYTES));
}

const nodePreimage = new Uint8Array(1 + 2 * HASH_BYTES);

/**
 * The hash of the inner node over the hashes at `lo` in `left` and `ro` in `right`, written at
 * `at` in `out` (zero when both children are): a commit stages thousands of nodes.
 */
export function nodeHashInto(left: Uint8Array, lo: number, right: Uint8Array, ro: number, out: Buffer, at: number): void {
  if (isZeroAt(left, lo) && isZeroAt(right, ro)) {
    out.fill(0, at, at + HASH_BYTES);
    return;
  }
  nodePreimage[0] = TAG_NODE;
  copyHash(left, lo, nodePreimage, 1);
  copyHash(right, ro, nodePreimage, 1 + HASH_BYTES);
  sha256Into(nodePreimage, out, at);
}

/**
 * The hash of a bucket whose `n` packed entries were written at byte 5 of `pre` (a preimage
 * buffer of at least 5 + 64n bytes), written at `at` in `out`; zero when empty.
 */
export function packedBucketHashInto(pre: Uint8Array, n: number, out: Buffer, at: number): void {
  if (n === 0) {
    out.fill(0, at, at + HASH_BYTES);
    return;
  }
  pre[0] = TAG_BUCKET;
  pre[1] = n >>> 24;
  pre[2] = (n >>> 16) & 0xff;
  pre[3] = (n >>> 8) & 0xff;
  pre[4] = n & 0xff;
  sha256Into(pre.subarray(0, 5 + n * 2 * HASH_BYTES), out, at);
}

const utf8 = new TextEncoder();

/** The state root over named tree roots (names sorted by their UTF-8 bytes). */
export function stateRoot(trees: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const named = [...trees].map(([name, root]) => [utf8.encode(name), root] as const);
  named.sort(([a], [b]) => Buffer.compare(a, b));
  const h = createHash('sha256');
  h.update(Uint8Array.of(TAG_ROOT, named.length >> 8, named.length & 0xff));
  for (const [name, root] of named) h.update(Uint8Array.of(name.length)).update(name).update(root);
  return new Uint8Array(h.digest());
}
