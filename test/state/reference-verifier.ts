/**
 * A second, independent verifier of state proofs, written from docs/state.md alone: it imports
 * nothing from src/ and uses only node:crypto's SHA-256. It answers 'valid', 'false' (decodes but
 * does not prove the claim) or 'malformed' (not the canonical encoding of a proof).
 */
import { createHash } from 'node:crypto';

/** One hash function's inputs and output in the vector file. */
export interface StateVectors {
  readonly proofVersion: number;
  readonly primitives: {
    readonly keyPath: { readonly key: string; readonly hash: string };
    readonly valueHash: { readonly kind: 'bytes'; readonly value: string; readonly hash: string };
    readonly valueHashBlock: { readonly kind: 'block'; readonly value: string; readonly hash: string };
    readonly bucketHash: { readonly entries: readonly { readonly kh: string; readonly vh: string }[]; readonly hash: string };
    readonly nodeHash: { readonly left: string; readonly right: string; readonly hash: string };
    readonly nodeHashZero: { readonly left: string; readonly right: string; readonly hash: string };
    readonly stateRoot: { readonly trees: readonly { readonly name: string; readonly root: string }[]; readonly hash: string };
  };
  readonly writes: readonly { readonly height: number; readonly tree: string; readonly key: string; readonly value: string | null; readonly block?: boolean; readonly valueHex?: string }[];
  readonly roots: readonly string[];
  readonly proofs: readonly ProofVector[];
}

/** A claimed value: its kind and bytes in hex (a block's canonical bytes). */
export interface ClaimedValue {
  readonly kind: 'bytes' | 'block';
  readonly hex: string;
}

/** One proof vector. */
export interface ProofVector {
  readonly name: string;
  readonly kind: 'inclusion' | 'exclusion' | 'tree-absence';
  readonly expect: Verdict;
  readonly description: string;
  readonly height?: number;
  readonly root: string;
  readonly tree: string;
  readonly key: string;
  readonly keyHex: string;
  readonly value: ClaimedValue | null;
  readonly hex: string;
}

/** What a verifier says of a proof and a claim. */
export type Verdict = 'valid' | 'false' | 'malformed';

const ZERO = Buffer.alloc(32);

function sha(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** kh = SHA-256(04 ‖ key). */
export function refKeyPath(key: Uint8Array): Buffer {
  return sha(Buffer.of(0x04), key);
}

/** vh = SHA-256(00 ‖ kind ‖ value), kind 00 bytes, 01 block. */
export function refValueHash(kind: 'bytes' | 'block', value: Uint8Array): Buffer {
  return sha(Buffer.of(0x00, kind === 'bytes' ? 0 : 1), value);
}

/** SHA-256(01 ‖ n u32 BE ‖ (kh ‖ vh) × n), zero when empty. */
export function refBucketHash(entries: readonly { kh: Uint8Array; vh: Uint8Array }[]): Buffer {
  if (entries.length === 0) return ZERO;
  const n = Buffer.alloc(4);
  n.writeUInt32BE(entries.length);
  return sha(Buffer.of(0x01), n, ...entries.flatMap((e) => [e.kh, e.vh]));
}

/** SHA-256(02 ‖ left ‖ right), zero when both are. */
export function refNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (ZERO.equals(left) && ZERO.equals(right)) return ZERO;
  return sha(Buffer.of(0x02), left, right);
}

/** SHA-256(03 ‖ n u16 BE ‖ (len u8 ‖ name ‖ root) × n), trees sorted by name bytes. */
export function refStateRoot(trees: readonly { name: Uint8Array; root: Uint8Array }[]): Buffer {
  const sorted = [...trees].sort((a, b) => Buffer.compare(a.name, b.name));
  const n = Buffer.alloc(2);
  n.writeUInt16BE(sorted.length);
  return sha(Buffer.of(0x03), n, ...sorted.flatMap((t) => [Buffer.of(t.name.length), t.name, t.root]));
}

class Malformed extends Error {}

/** Checks `proof` for the claim that `tree` maps `key` to `value` (null: absent) under `root`. */
export function refVerify(root: Uint8Array, tree: Uint8Array, key: Uint8Array, value: ClaimedValue | null, proof: Uint8Array): Verdict {
  const p = Buffer.from(proof);
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > p.length) throw new Malformed('truncated');
    at += n;
    return p.subarray(at - n, at);
  };
  const utf8Name = (): Buffer => {
    const name = take(take(1)[0]!);
    // Names must be UTF-8: a fatal decoder refuses anything else.
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(name);
    } catch {
      throw new Malformed('name not UTF-8');
    }
    return name;
  };
  try {
    if (take(1)[0] !== 0x02) throw new Malformed('version');
    const proofTree = utf8Name();
    const n = take(2).readUInt16BE(0);
    const trees: { name: Buffer; root: Buffer }[] = [];
    for (let i = 0; i < n; i++) {
      const name = utf8Name();
      if (trees.length > 0 && Buffer.compare(trees[trees.length - 1]!.name, name) >= 0) throw new Malformed('tree order');
      trees.push({ name, root: take(32) });
    }
    const m = take(4).readUInt32BE(0);
    if (m * 64 > p.length - at) throw new Malformed('truncated');
    const bucket: { kh: Buffer; vh: Buffer }[] = [];
    for (let i = 0; i < m; i++) {
      const e = { kh: take(32), vh: take(32) };
      const last = bucket[bucket.length - 1];
      if (last !== undefined && (Buffer.compare(last.kh, e.kh) >= 0 || last.kh.readUInt16BE(0) !== e.kh.readUInt16BE(0))) throw new Malformed('bucket order');
      bucket.push(e);
    }
    const bitmap = take(2).readUInt16BE(0);
    const listed = trees.find((t) => t.name.equals(proofTree));
    if (listed === undefined && (m !== 0 || bitmap !== 0xffff)) throw new Malformed('unlisted tree with bucket or siblings');
    const siblings: Buffer[] = [];
    for (let i = 0; i < 16; i++) {
      if ((bitmap >> i) & 1) siblings.push(ZERO);
      else {
        const s = take(32);
        if (s.equals(ZERO)) throw new Malformed('zero sibling written out');
        siblings.push(s);
      }
    }
    if (at !== p.length) throw new Malformed('trailing bytes');

    if (!proofTree.equals(Buffer.from(tree))) return 'false';
    const rootOk = refStateRoot(trees).equals(Buffer.from(root));
    if (listed === undefined) return value === null && rootOk ? 'valid' : 'false';
    const kh = refKeyPath(key);
    const b = kh.readUInt16BE(0);
    if (bucket.some((e) => e.kh.readUInt16BE(0) !== b)) return 'false';
    const entry = bucket.find((e) => e.kh.equals(kh));
    if (value === null ? entry !== undefined : entry === undefined || !entry.vh.equals(refValueHash(value.kind, Buffer.from(value.hex, 'hex')))) return 'false';
    let hash = refBucketHash(bucket);
    for (let level = 16; level >= 1; level--) {
      const sibling = siblings[16 - level]!;
      hash = ((b >> (16 - level)) & 1) === 0 ? refNodeHash(hash, sibling) : refNodeHash(sibling, hash);
    }
    return hash.equals(listed.root) && rootOk ? 'valid' : 'false';
  } catch (err) {
    if (err instanceof Malformed) return 'malformed';
    throw err;
  }
}
