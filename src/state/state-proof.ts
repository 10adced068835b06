/**
 * Inclusion and exclusion proofs (docs/state.md#proof-encoding is normative). A proof carries the
 * whole bucket of the key (sorted entries), the 16 siblings on the path from the bucket to the
 * tree root (a bitmap marks the empty ones, which are left out), and the roots of every tree of
 * the state, from which the state root follows. A tree the state does not have at that height
 * is proven absent by the tree list alone. `verifyProof` is a pure function of the proof, the
 * expected root and the claim.
 *
 *   proof = 02 | u8 len | tree name | u16 n | (u8 len | name | root) * n   trees sorted by name bytes
 *           | u32 m | (kh | vh) * m | u16 empty-sibling bitmap (bit i: level 16 - i) | sibling * k
 *
 * Integers are big-endian. Decoding is strict so that one fact has exactly one encoding.
 */
import { KeeprError } from '../errors.js';
import {
  BUCKET_BITS,
  HASH_BYTES,
  ZERO,
  bucketHash,
  bucketOf,
  compareHashes,
  isZero,
  keyPath,
  nodeHash,
  sameHash,
  stateRoot,
  valueHash,
  type BucketEntry,
} from './state-hash.js';

/** A decoded proof. */
export interface StateProof {
  /** Tree the key belongs to. */
  readonly tree: string;
  /** Roots of every tree of the state at the proven height. */
  readonly trees: ReadonlyMap<string, Uint8Array>;
  /** The key's bucket at that height (empty when the tree is not listed). */
  readonly bucket: readonly BucketEntry[];
  /** Sibling hashes from level 16 (the bucket's sibling) up to level 1 (all zero when the tree is not listed). */
  readonly siblings: readonly Uint8Array[];
}

/** A value as it was stored: raw bytes, or a block (anything with its canonical `bytes`). */
export type ProvenValue = Uint8Array | { readonly bytes: Uint8Array };

/** Version byte of the proof encoding (2 since 0.2.0: tagged key paths, canonical form, u32 bucket count). */
export const PROOF_VERSION = 2;
const ALL_EMPTY = 0xffff;
const utf8 = new TextEncoder();
// ignoreBOM keeps a leading EF BB BF as U+FEFF: stripped, two byte strings would decode to one name.
const fromUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(reason: string): KeeprError {
  return new KeeprError('STATE_PROOF_MALFORMED', `malformed state proof: ${reason}`, { details: { reason } });
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >>> 8, n & 0xff);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function nameBytes(name: string): Uint8Array {
  const bytes = utf8.encode(name);
  if (bytes.length > 255) throw new KeeprError('ARGUMENT_INVALID', 'a tree name in a proof is at most 255 UTF-8 bytes', { details: { name } });
  return bytes;
}

/** Encodes a proof in its one canonical form (trees sorted by name bytes, empty siblings left out). */
export function encodeProof(proof: StateProof): Uint8Array {
  if (proof.siblings.length !== BUCKET_BITS) throw new KeeprError('ARGUMENT_INVALID', `a proof has ${BUCKET_BITS} siblings`);
  if (proof.trees.size > 0xffff) throw new KeeprError('ARGUMENT_INVALID', 'a proof lists at most 65,535 trees');
  const parts: Uint8Array[] = [];
  const name = nameBytes(proof.tree);
  parts.push(Uint8Array.of(PROOF_VERSION, name.length), name, u16(proof.trees.size));
  const named = [...proof.trees].map(([tree, root]) => [nameBytes(tree), root] as const);
  named.sort(([a], [b]) => Buffer.compare(a, b));
  for (const [n, root] of named) parts.push(Uint8Array.of(n.length), n, root);
  parts.push(u32(proof.bucket.length));
  for (const e of proof.bucket) parts.push(e.kh, e.vh);
  let bitmap = 0;
  const present: Uint8Array[] = [];
  proof.siblings.forEach((s, i) => {
    if (isZero(s)) bitmap |= 1 << i;
    else present.push(s);
  });
  parts.push(u16(bitmap), ...present);
  return Buffer.concat(parts);
}

/**
 * Decodes a proof; `STATE_PROOF_MALFORMED` for anything that is not the canonical encoding of a
 * proof: an unknown version, truncation, trailing bytes, a name that is not UTF-8, trees not in
 * strictly ascending name order, bucket entries not strictly ascending or not all in one bucket,
 * a sibling written out as 32 zero bytes, or a bucket or sibling for a tree that is not listed.
 */
export function decodeProof(bytes: Uint8Array): StateProof {
  if (!(bytes instanceof Uint8Array)) throw malformed('not a Uint8Array');
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw malformed('truncated');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const readU16 = (): number => {
    const b = take(2);
    return (b[0]! << 8) | b[1]!;
  };
  const readU32 = (): number => {
    const b = take(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  };
  const name = (): { text: string; raw: Uint8Array } => {
    const raw = take(take(1)[0]!);
    try {
      return { text: fromUtf8.decode(raw), raw };
    } catch {
      throw malformed('a name is not UTF-8');
    }
  };
  if (take(1)[0] !== PROOF_VERSION) throw malformed('unknown version');
  const tree = name().text;
  const trees = new Map<string, Uint8Array>();
  let previous: Uint8Array | undefined;
  for (let i = readU16(); i > 0; i--) {
    const { text, raw } = name();
    if (previous !== undefined && Buffer.compare(previous, raw) >= 0) throw malformed('trees are not in strictly ascending name order');
    previous = raw;
    trees.set(text, take(HASH_BYTES));
  }
  const m = readU32();
  // Each entry takes 64 bytes: refuse a count the remaining bytes cannot hold before allocating.
  if (m > (bytes.length - at) / (2 * HASH_BYTES)) throw malformed('truncated');
  const bucket: BucketEntry[] = [];
  for (let i = 0; i < m; i++) {
    const e = { kh: take(HASH_BYTES), vh: take(HASH_BYTES) };
    const last = bucket[bucket.length - 1];
    if (last !== undefined && (compareHashes(last.kh, e.kh) >= 0 || bucketOf(last.kh) !== bucketOf(e.kh))) throw malformed('bucket entries are not strictly ascending within one bucket');
    bucket.push(e);
  }
  const bitmap = readU16();
  if (!trees.has(tree) && (m !== 0 || bitmap !== ALL_EMPTY)) throw malformed('a proof for a tree that is not listed carries a bucket or siblings');
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < BUCKET_BITS; i++) {
    if ((bitmap & (1 << i)) !== 0) siblings.push(ZERO);
    else {
      const s = take(HASH_BYTES);
      if (isZero(s)) throw malformed('an empty sibling is written out instead of marked in the bitmap');
      siblings.push(s);
    }
  }
  if (at !== bytes.length) throw malformed('trailing bytes');
  return { tree, trees, bucket, siblings };
}

/** The value hash a claim stands for. */
function claimedHash(value: ProvenValue): Uint8Array {
  return value instanceof Uint8Array ? valueHash('bytes', value) : valueHash('block', value.bytes);
}

/**
 * True when `proof` shows that, in the state with root `root`, tree `tree` maps `key` to
 * `value` (or, with `value` undefined, holds no such key, which includes the state having no
 * tree `tree` at all). Needs no store.
 */
export function verifyProof(root: Uint8Array, tree: string, key: Uint8Array | string, value: ProvenValue | undefined, proof: Uint8Array | StateProof): boolean {
  const p = proof instanceof Uint8Array ? decodeProof(proof) : proof;
  if (p.tree !== tree || p.siblings.length !== BUCKET_BITS) return false;
  if (!p.trees.has(tree)) {
    // Tree absence: the listed trees make up the root and `tree` is not among them, so no key
    // of it has a value. A decoded proof carries no bucket or sibling then; a given one must not.
    if (value !== undefined || p.bucket.length !== 0 || !p.siblings.every(isZero)) return false;
    return sameHash(stateRoot(p.trees), root);
  }
  const kh = keyPath(typeof key === 'string' ? utf8.encode(key) : key);
  const b = bucketOf(kh);
  let found: Uint8Array | undefined;
  for (let i = 0; i < p.bucket.length; i++) {
    const e = p.bucket[i]!;
    // The bucket must be canonical: strictly ascending key paths, all in the key's bucket.
    if (bucketOf(e.kh) !== b || (i > 0 && compareHashes(p.bucket[i - 1]!.kh, e.kh) >= 0)) return false;
    if (sameHash(e.kh, kh)) found = e.vh;
  }
  if (value === undefined ? found !== undefined : found === undefined || !sameHash(found, claimedHash(value))) return false;
  let hash = bucketHash(p.bucket);
  for (let level = BUCKET_BITS; level >= 1; level--) {
    const index = b >>> (BUCKET_BITS - level);
    const sibling = p.siblings[BUCKET_BITS - level]!;
    hash = (index & 1) === 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash);
  }
  const treeRoot = p.trees.get(tree);
  if (treeRoot === undefined || !sameHash(treeRoot, hash)) return false;
  return sameHash(stateRoot(p.trees), root);
}
