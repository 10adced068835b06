/**
 * Record layout of one versioned state inside its engine namespace `state:<name>` (see
 * docs/state.md). Every versioned record ends with the bitwise complement of its height
 * (u32 big-endian), so the newest version of a thing sorts first and "the version in force at
 * height h" is one seek to `prefix + ~h`.
 *
 *   M                                              → meta (JSON: trees, latest, prunedBefore)
 *   H | h                                          → root | changes u32 | n u16 | (tree u16 | root) * n
 *   D | tree u16 | esc(key) | 00 01 | ~h           → kind u8 (0 bytes, 1 block, FF deleted) | value
 *   B | tree u16 | bucket u16 | kh | ~h            → kind u8 (FF deleted) | vh
 *   N | tree u16 | level u8 | index u16 | ~h       → hash (empty value: the zero hash)
 *
 * `esc` keeps key order: 00 becomes 00 FF and 00 01 ends the key, so no key's records can
 * interleave with another's.
 */
import { KeeprError } from '../errors.js';
import { HASH_BYTES, ZERO, type ValueKind } from './state-hash.js';

/** Record type tags. */
export const TAG = Object.freeze({ meta: 0x4d, height: 0x48, data: 0x44, bucket: 0x42, node: 0x4e });
/** Largest key of a state, in bytes (escaping may double it inside the engine key). */
export const MAX_STATE_KEY_BYTES = 500;
/** Largest height. */
export const MAX_HEIGHT = 0xfffffffe;
/** Kind byte of a deletion. */
export const DELETED = 0xff;

/** The meta record key. */
export const META_KEY = Uint8Array.of(TAG.meta);

function corrupt(what: string): KeeprError {
  return new KeeprError('STATE_CORRUPT', `state record is corrupt: ${what}`, { details: { record: what } });
}

/** Writes ~height at `at`. */
function putVersion(out: Uint8Array, at: number, height: number): void {
  const v = (0xffffffff - height) >>> 0;
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** Reads the height from a record key's last four bytes. */
export function versionOf(key: Uint8Array): number {
  const n = key.length;
  const v = ((key[n - 4]! << 24) | (key[n - 3]! << 16) | (key[n - 2]! << 8) | key[n - 1]!) >>> 0;
  return 0xffffffff - v;
}

/** A versioned key: prefix plus ~height. */
export function versioned(prefix: Uint8Array, height: number): Uint8Array {
  const out = new Uint8Array(prefix.length + 4);
  out.set(prefix);
  putVersion(out, prefix.length, height);
  return out;
}

/** Height record key. */
export function heightKey(height: number): Uint8Array {
  return Uint8Array.of(TAG.height, height >>> 24, (height >>> 16) & 0xff, (height >>> 8) & 0xff, height & 0xff);
}

/** Height of a height record key. */
export function heightOfKey(key: Uint8Array): number {
  return ((key[1]! << 24) | (key[2]! << 16) | (key[3]! << 8) | key[4]!) >>> 0;
}

/** The escaped form of a key, terminator included. */
export function escapeKey(key: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const b of key) if (b === 0) zeros++;
  const out = new Uint8Array(key.length + zeros + 2);
  let at = 0;
  for (const b of key) {
    out[at++] = b;
    if (b === 0) out[at++] = 0xff;
  }
  out[at++] = 0;
  out[at] = 1;
  return out;
}

/** Inverse of {@link escapeKey} over `bytes[from, to)` (terminator excluded). */
export function unescapeKey(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    out.push(bytes[i]!);
    if (bytes[i] === 0) i++;
  }
  return Uint8Array.from(out);
}

/** Prefix of all records of one tree of a type. */
export function treePrefix(tag: number, tree: number): Uint8Array {
  return Uint8Array.of(tag, tree >>> 8, tree & 0xff);
}

/** Prefix of all versions of one key's data. */
export function dataPrefix(tree: number, key: Uint8Array): Uint8Array {
  const esc = escapeKey(key);
  const out = new Uint8Array(3 + esc.length);
  out.set(treePrefix(TAG.data, tree));
  out.set(esc, 3);
  return out;
}

/** The key of a data record (without the tag, tree and version); checks the escaping. */
export function keyOfDataRecord(recordKey: Uint8Array): Uint8Array {
  const end = recordKey.length - 6;
  if (end < 3 || recordKey[end] !== 0 || recordKey[end + 1] !== 1) throw corrupt('data key');
  for (let i = 3; i < end; i++) {
    if (recordKey[i] === 0) {
      if (recordKey[i + 1] !== 0xff || i + 1 >= end) throw corrupt('data key');
      i++;
    }
  }
  return unescapeKey(recordKey, 3, end);
}

/** Prefix of one bucket's index records. */
export function bucketPrefix(tree: number, bucket: number): Uint8Array {
  return Uint8Array.of(TAG.bucket, tree >>> 8, tree & 0xff, bucket >>> 8, bucket & 0xff);
}

/** Prefix of all versions of one key path in the bucket index. */
export function bucketEntryPrefix(tree: number, bucket: number, kh: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + HASH_BYTES);
  out.set(bucketPrefix(tree, bucket));
  out.set(kh, 5);
  return out;
}

/** Prefix of all versions of one tree node. */
export function nodePrefix(tree: number, level: number, index: number): Uint8Array {
  return Uint8Array.of(TAG.node, tree >>> 8, tree & 0xff, level, index >>> 8, index & 0xff);
}

/** A data record value. */
export interface DataValue {
  readonly kind: ValueKind | 'deleted';
  readonly value: Uint8Array | undefined;
}

/** Encodes a data record value (its hash lives in the bucket entry of the same version). */
export function encodeData(kind: ValueKind | 'deleted', value: Uint8Array | undefined): Uint8Array {
  if (kind === 'deleted') return Uint8Array.of(DELETED);
  const out = new Uint8Array(1 + (value?.length ?? 0));
  out[0] = kind === 'block' ? 1 : 0;
  if (value !== undefined) out.set(value, 1);
  return out;
}

/** Decodes a data record value. */
export function decodeData(raw: Uint8Array): DataValue {
  if (raw.length === 1 && raw[0] === DELETED) return { kind: 'deleted', value: undefined };
  if (raw.length < 1 || raw[0]! > 1) throw corrupt('data');
  return { kind: raw[0] === 1 ? 'block' : 'bytes', value: raw.subarray(1) };
}

/** Encodes a bucket index value. */
export function encodeBucketEntry(vh: Uint8Array | undefined): Uint8Array {
  if (vh === undefined) return Uint8Array.of(DELETED);
  const out = new Uint8Array(1 + HASH_BYTES);
  out.set(vh, 1);
  return out;
}

/** Decodes a bucket index value: the value hash, or undefined for a deletion. */
export function decodeBucketEntry(raw: Uint8Array): Uint8Array | undefined {
  if (raw.length === 1 && raw[0] === DELETED) return undefined;
  if (raw.length !== 1 + HASH_BYTES || raw[0] !== 0) throw corrupt('bucket entry');
  return raw.subarray(1);
}

/** A node record value: empty for the zero hash. */
export function encodeNode(hash: Uint8Array): Uint8Array {
  return hash === ZERO || hash.every((b) => b === 0) ? new Uint8Array(0) : hash;
}

/** Decodes a node record value. */
export function decodeNode(raw: Uint8Array): Uint8Array {
  if (raw.length === 0) return ZERO;
  if (raw.length !== HASH_BYTES) throw corrupt('node');
  return raw;
}

/** A height record. */
export interface HeightRecord {
  readonly root: Uint8Array;
  readonly changes: number;
  readonly trees: ReadonlyMap<number, Uint8Array>;
}

/** Encodes a height record. */
export function encodeHeight(record: HeightRecord): Uint8Array {
  const out = new Uint8Array(HASH_BYTES + 6 + record.trees.size * (2 + HASH_BYTES));
  const view = new DataView(out.buffer);
  out.set(record.root);
  view.setUint32(HASH_BYTES, record.changes, false);
  view.setUint16(HASH_BYTES + 4, record.trees.size, false);
  let at = HASH_BYTES + 6;
  for (const [tree, root] of [...record.trees].sort((a, b) => a[0] - b[0])) {
    view.setUint16(at, tree, false);
    out.set(root, at + 2);
    at += 2 + HASH_BYTES;
  }
  return out;
}

/** Decodes a height record. */
export function decodeHeight(raw: Uint8Array): HeightRecord {
  if (raw.length < HASH_BYTES + 6) throw corrupt('height');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = view.getUint16(HASH_BYTES + 4, false);
  if (raw.length !== HASH_BYTES + 6 + n * (2 + HASH_BYTES)) throw corrupt('height');
  const trees = new Map<number, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const at = HASH_BYTES + 6 + i * (2 + HASH_BYTES);
    trees.set(view.getUint16(at, false), raw.subarray(at + 2, at + 2 + HASH_BYTES));
  }
  return { root: raw.subarray(0, HASH_BYTES), changes: view.getUint32(HASH_BYTES, false), trees };
}
