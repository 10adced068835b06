/**
 * The path a state proof walks, level by level, for the proof inspector: the key's bucket, the
 * hash at each level from the bucket up to the tree root, and the state root of the listed
 * trees. Computed with src/state's own hash functions (bundled like `verifyProof`); the verdict
 * itself always comes from `verifyProof`.
 */
import { BUCKET_BITS, bucketHash, bucketOf, keyPath, nodeHash, stateRoot } from '../../../src/state/state-hash.js';
import type { StateProof } from './proof.js';

/** One level of the walk: the sibling the proof gives and the hash it makes with ours. */
export interface PathLevel {
  /** 16 (the bucket's sibling) up to 1 (a child of the tree root). */
  readonly level: number;
  /** Our node's index at this level. */
  readonly index: number;
  /** Whether our node is the left child (sibling on the right). */
  readonly left: boolean;
  readonly sibling: Uint8Array;
  /** The parent's hash, at level − 1. */
  readonly parent: Uint8Array;
}

/** The walk of a decoded proof for `key`. */
export interface ProofPath {
  readonly keyPath: Uint8Array;
  readonly bucket: number;
  /** Index in the proof's bucket of the key's entry, or -1 when the bucket does not hold it. */
  readonly entry: number;
  readonly bucketHash: Uint8Array;
  readonly levels: readonly PathLevel[];
  /** The tree root the walk arrives at, and the one the proof lists. */
  readonly computedTreeRoot: Uint8Array;
  readonly listedTreeRoot: Uint8Array | undefined;
  /** The state root of the listed tree roots. */
  readonly stateRoot: Uint8Array;
}

function same(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Walks `proof` for `key` (its bytes). */
export function proofPath(proof: StateProof, key: Uint8Array): ProofPath {
  const kh = keyPath(key);
  const b = bucketOf(kh);
  const levels: PathLevel[] = [];
  let hash = bucketHash(proof.bucket);
  const start = hash;
  for (let level = BUCKET_BITS; level >= 1; level--) {
    const index = b >>> (BUCKET_BITS - level);
    const sibling = proof.siblings[BUCKET_BITS - level]!;
    const left = (index & 1) === 0;
    hash = left ? nodeHash(hash, sibling) : nodeHash(sibling, hash);
    levels.push({ level, index, left, sibling, parent: hash });
  }
  return {
    keyPath: kh,
    bucket: b,
    entry: proof.bucket.findIndex((e) => same(e.kh, kh)),
    bucketHash: start,
    levels,
    computedTreeRoot: hash,
    listedTreeRoot: proof.trees.get(proof.tree),
    stateRoot: stateRoot(proof.trees),
  };
}

/** True when two hashes are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return same(a, b);
}

/** base64url (padding optional) or base64 text to bytes; throws on other characters. */
export function fromBase64Url(text: string): Uint8Array {
  const clean = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*=*$/.test(clean)) throw new Error('not base64url: only A-Z a-z 0-9 - _ (or + /) and padding');
  const raw = atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, '='));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Bytes as base64url without padding (as the API writes proofs). */
export function toBase64Url(bytes: Uint8Array): string {
  let raw = '';
  for (const byte of bytes) raw += String.fromCharCode(byte);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
