/**
 * Inclusion and exclusion proofs. A proof carries the whole bucket of the key (sorted entries),
 * the 16 siblings on the path from the bucket to the tree root (a bitmap marks the empty ones,
 * which are left out), and the roots of every tree of the state, from which the state root
 * follows. `verifyProof` is a pure function of the proof, the expected root and the claim.
 *
 *   proof = 01 | u8 len | tree name | u16 n | (u8 len | name | root) * n
 *           | u16 m | (kh | vh) * m | u16 empty-sibling bitmap (bit i: level 16 - i) | sibling * k
 */
import { KeeprError } from '../errors.js';
import {
  BUCKET_BITS,
  HASH_BYTES,
  ZERO,
  bucketHash,
  bucketOf,
  compareHashes,
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
  /** The key's bucket at that height. */
  readonly bucket: readonly BucketEntry[];
  /** Sibling hashes from level 16 (the bucket's sibling) up to level 1. */
  readonly siblings: readonly Uint8Array[];
}

/** A value as it was stored: raw bytes, or a block (anything with its canonical `bytes`). */
export type ProvenValue = Uint8Array | { readonly bytes: Uint8Array };

const VERSION = 1;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(reason: string): KeeprError {
  return new KeeprError('STATE_PROOF_MALFORMED', `malformed state proof: ${reason}`, { details: { reason } });
}

/** Encodes a proof compactly. */
export function encodeProof(proof: StateProof): Uint8Array {
  const parts: Uint8Array[] = [];
  const name = utf8.encode(proof.tree);
  parts.push(Uint8Array.of(VERSION, name.length), name, Uint8Array.of(proof.trees.size >> 8, proof.trees.size & 0xff));
  for (const [tree, root] of proof.trees) {
    const n = utf8.encode(tree);
    parts.push(Uint8Array.of(n.length), n, root);
  }
  parts.push(Uint8Array.of(proof.bucket.length >> 8, proof.bucket.length & 0xff));
  for (const e of proof.bucket) parts.push(e.kh, e.vh);
  let bitmap = 0;
  const present: Uint8Array[] = [];
  proof.siblings.forEach((s, i) => {
    if (s.every((b) => b === 0)) bitmap |= 1 << i;
    else present.push(s);
  });
  parts.push(Uint8Array.of(bitmap >> 8, bitmap & 0xff), ...present);
  return Buffer.concat(parts);
}

/** Decodes a proof; `STATE_PROOF_MALFORMED` for anything else. */
export function decodeProof(bytes: Uint8Array): StateProof {
  if (!(bytes instanceof Uint8Array)) throw malformed('not a Uint8Array');
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw malformed('truncated');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u8 = (): number => take(1)[0]!;
  const u16 = (): number => {
    const b = take(2);
    return (b[0]! << 8) | b[1]!;
  };
  const text = (n: number): string => {
    try {
      return fromUtf8.decode(take(n));
    } catch {
      throw malformed('a name is not UTF-8');
    }
  };
  if (u8() !== VERSION) throw malformed('unknown version');
  const tree = text(u8());
  const trees = new Map<string, Uint8Array>();
  for (let i = u16(); i > 0; i--) {
    const name = text(u8());
    if (trees.has(name)) throw malformed('a tree is listed twice');
    trees.set(name, take(HASH_BYTES));
  }
  const bucket: BucketEntry[] = [];
  for (let i = u16(); i > 0; i--) bucket.push({ kh: take(HASH_BYTES), vh: take(HASH_BYTES) });
  const bitmap = u16();
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < BUCKET_BITS; i++) siblings.push((bitmap & (1 << i)) !== 0 ? ZERO : take(HASH_BYTES));
  if (at !== bytes.length) throw malformed('trailing bytes');
  return { tree, trees, bucket, siblings };
}

/** The value hash a claim stands for. */
function claimedHash(value: ProvenValue): Uint8Array {
  return value instanceof Uint8Array ? valueHash('bytes', value) : valueHash('block', value.bytes);
}

/**
 * True when `proof` shows that, in the state with root `root`, tree `tree` maps `key` to
 * `value` (or, with `value` undefined, holds no such key). Needs no store.
 */
export function verifyProof(root: Uint8Array, tree: string, key: Uint8Array | string, value: ProvenValue | undefined, proof: Uint8Array | StateProof): boolean {
  const p = proof instanceof Uint8Array ? decodeProof(proof) : proof;
  if (p.tree !== tree || p.siblings.length !== BUCKET_BITS) return false;
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
