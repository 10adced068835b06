/**
 * Record layout of one versioned state inside its engine namespace `state:<name>` (see
 * docs/state.md). Every versioned record ends with the bitwise complement of its height
 * (u32 big-endian), so the newest version of a thing sorts first and "the version in force at
 * height h" is one seek to `prefix + ~h`.
 *
 *   M                                              → meta (JSON: trees, latest, prunedBefore)
 *   H | h                                          → root | changes u32 | n u16 | (tree u16 | root) * n
 *   E | tree u16 | kh | ~h                         → kind u8 | [vh, values ≥ 1 KiB] | value,  or FF (deleted)
 *   K | tree u16 | esc(key)                        → empty: the key index (every key that ever had a value)
 *   N | tree u16 | level u8 | index u16 | ~h       → group: bitmap u16 | non-zero hashes (empty: all zero)
 *
 * Entries are ordered by key path, so a bucket (the first 16 bits of kh) and every subtree above
 * it are contiguous: one change writes one entry record, and bucket hashes are recomputed from
 * the entries instead of being stored. A group record of node (level 0, 4 or 8) holds the 16
 * hashes four levels below it. `esc` keeps key order in the key index: 00 becomes 00 FF
 * and 00 01 ends the key.
 */
import { KeeprError } from '../errors.js';
import { HASH_BYTES, ZERO, isZero, valueHash, type ValueKind } from './state-hash.js';

/** Record type tags. */
export const TAG = Object.freeze({ meta: 0x4d, height: 0x48, entry: 0x45, key: 0x4b, node: 0x4e });
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

/** The key index record of a key. */
export function keyIndexKey(tree: number, key: Uint8Array): Uint8Array {
  const esc = escapeKey(key);
  const out = new Uint8Array(3 + esc.length);
  out.set(treePrefix(TAG.key, tree));
  out.set(esc, 3);
  return out;
}

/** The key of a key index record (checks the escaping). */
export function keyOfIndexRecord(recordKey: Uint8Array): Uint8Array {
  const end = recordKey.length - 2;
  if (end < 3 || recordKey[end] !== 0 || recordKey[end + 1] !== 1) throw corrupt('key index');
  for (let i = 3; i < end; i++) {
    if (recordKey[i] === 0) {
      if (recordKey[i + 1] !== 0xff || i + 1 >= end) throw corrupt('key index');
      i++;
    }
  }
  return unescapeKey(recordKey, 3, end);
}

/** Length of an entry record key: tag, tree, key path, version. */
export const ENTRY_KEY_BYTES = 3 + HASH_BYTES + 4;

/** Prefix of all versions of one key path's entry. */
export function entryPrefix(tree: number, kh: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + HASH_BYTES);
  out[0] = TAG.entry;
  out[1] = tree >>> 8;
  out[2] = tree & 0xff;
  out.set(kh, 3);
  return out;
}

/** The entry record key of a key path at a height. */
export function entryKey(tree: number, kh: Uint8Array, height: number): Uint8Array {
  const out = new Uint8Array(ENTRY_KEY_BYTES);
  out[0] = TAG.entry;
  out[1] = tree >>> 8;
  out[2] = tree & 0xff;
  out.set(kh, 3);
  putVersion(out, 3 + HASH_BYTES, height);
  return out;
}

/** Engine key bounds of the entries whose key paths start with the `bits` high bits of `path`. */
export function entryRange(tree: number, path: number, bits: number): { gte: Uint8Array; lt: Uint8Array } {
  // path holds `bits` (at most 16) significant bits; the range spans those key path prefixes.
  const lo = (path << (16 - bits)) & 0xffff;
  const hi = lo + (1 << (16 - bits));
  const gte = Uint8Array.of(TAG.entry, tree >>> 8, tree & 0xff, lo >>> 8, lo & 0xff);
  const lt = hi === 0x10000 ? Uint8Array.of(TAG.entry, (tree + 1) >>> 8, (tree + 1) & 0xff) : Uint8Array.of(TAG.entry, tree >>> 8, tree & 0xff, hi >>> 8, hi & 0xff);
  return { gte, lt };
}

/** The key path of an entry record key (checks its length). */
export function keyPathOfEntry(recordKey: Uint8Array): Uint8Array {
  if (recordKey.length !== ENTRY_KEY_BYTES) throw corrupt('entry key');
  return recordKey.subarray(3, 3 + HASH_BYTES);
}

/** Values of at least this many bytes carry their hash in the entry; smaller ones are rehashed. */
export const STORED_HASH_FROM = 1024;

/** A decoded entry record value. */
export interface EntryValue {
  readonly kind: ValueKind | 'deleted';
  /** The value hash as stored, if it is (undefined for a deletion and for small values). */
  readonly storedHash: Uint8Array | undefined;
  readonly value: Uint8Array | undefined;
}

/**
 * Encodes an entry record value: a kind byte (0 bytes, 1 block; 2 and 3 the same followed by the
 * value hash), then the value; FF alone for a deletion. Storing the hash of a small value would
 * cost more space than rehashing it costs time.
 */
export function encodeEntry(kind: ValueKind | 'deleted', vh: Uint8Array | undefined, value: Uint8Array | undefined): Uint8Array {
  if (kind === 'deleted') return Uint8Array.of(DELETED);
  const stored = value!.length >= STORED_HASH_FROM;
  const at = stored ? 1 + HASH_BYTES : 1;
  const out = new Uint8Array(at + value!.length);
  out[0] = (kind === 'block' ? 1 : 0) + (stored ? 2 : 0);
  if (stored) out.set(vh!, 1);
  out.set(value!, at);
  return out;
}

/** Decodes an entry record value. */
export function decodeEntry(raw: Uint8Array): EntryValue {
  if (raw.length === 1 && raw[0] === DELETED) return { kind: 'deleted', storedHash: undefined, value: undefined };
  const tag = raw[0];
  if (tag === undefined || tag > 3) throw corrupt('entry');
  const kind = (tag & 1) === 1 ? 'block' : 'bytes';
  if (tag < 2) {
    if (raw.length - 1 >= STORED_HASH_FROM) throw corrupt('entry');
    return { kind, storedHash: undefined, value: raw.subarray(1) };
  }
  if (raw.length - 1 - HASH_BYTES < STORED_HASH_FROM) throw corrupt('entry');
  return { kind, storedHash: raw.subarray(1, 1 + HASH_BYTES), value: raw.subarray(1 + HASH_BYTES) };
}

/** The value hash of an entry record value (stored, or computed), or undefined for a deletion. */
export function entryHash(raw: Uint8Array): Uint8Array | undefined {
  const e = decodeEntry(raw);
  if (e.kind === 'deleted') return undefined;
  return e.storedHash ?? valueHash(e.kind, e.value!);
}

/** Prefix of all versions of the group record of node (level, index). */
export function groupPrefix(tree: number, level: number, index: number): Uint8Array {
  return Uint8Array.of(TAG.node, tree >>> 8, tree & 0xff, level, index >>> 8, index & 0xff);
}

/**
 * Encodes the 16 hashes of a group record: a u16 bitmap (bit j, value 1 << j, set when hash j is
 * not zero) and the non-zero hashes in order; an all-zero group is the empty value.
 */
export function encodeGroup(hashes: readonly Uint8Array[]): Uint8Array {
  let bitmap = 0;
  for (let j = 0; j < hashes.length; j++) if (!isZero(hashes[j]!)) bitmap |= 1 << j;
  if (bitmap === 0) return new Uint8Array(0);
  const out = new Uint8Array(2 + popcount(bitmap) * HASH_BYTES);
  out[0] = bitmap >>> 8;
  out[1] = bitmap & 0xff;
  let at = 2;
  for (let j = 0; j < hashes.length; j++) {
    if ((bitmap & (1 << j)) === 0) continue;
    out.set(hashes[j]!, at);
    at += HASH_BYTES;
  }
  return out;
}

/** Decodes a group record into its 16 hashes (zero where absent); `STATE_CORRUPT` when malformed. */
export function decodeGroup(raw: Uint8Array): Uint8Array[] {
  const out = new Array<Uint8Array>(16).fill(ZERO);
  if (raw.length === 0) return out;
  if (raw.length < 2) throw corrupt('group');
  const bitmap = (raw[0]! << 8) | raw[1]!;
  if (bitmap === 0 || raw.length !== 2 + popcount(bitmap) * HASH_BYTES) throw corrupt('group');
  let at = 2;
  for (let j = 0; j < 16; j++) {
    if ((bitmap & (1 << j)) === 0) continue;
    const hash = raw.subarray(at, at + HASH_BYTES);
    // A zero hash is written by leaving its bit clear: a set bit with zeros is not canonical.
    if (isZero(hash)) throw corrupt('group');
    out[j] = hash;
    at += HASH_BYTES;
  }
  return out;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x !== 0; x &= x - 1) c++;
  return c;
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
