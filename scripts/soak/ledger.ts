/**
 * What the soak test knows the store must hold: every acknowledged write (key → SHA-256 of the
 * bytes sent) and every acknowledged delete. Keys are never written twice, so the order of
 * acknowledgements does not matter. A write or delete whose connection dropped is unknown and
 * leaves the ledger for good: it is checked neither way.
 */
import { createHash } from 'node:crypto';
import { Block } from '../../src/block/index.js';

/** A small deterministic PRNG (mulberry32), so a run's keys and bytes follow from its seed. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  u32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

/** SHA-256 of `bytes`, base64. */
export function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** A binary uint8 block of `size` random bytes, with the digest of its encoding. */
export function randomBlock(rng: Rng, size = 1024): { bytes: Uint8Array; digest: string } {
  const data = new Uint8Array(size);
  const words = new Uint32Array(data.buffer, 0, size >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.u32();
  const bytes = Block.from(data).bytes;
  return { bytes, digest: digest(bytes) };
}

/** Acknowledged writes and deletes, and the keys that reads may pick. */
export class Ledger {
  readonly #live = new Map<string, string>();
  readonly #pool: string[] = [];
  readonly #poolIndex = new Map<string, number>();
  readonly #pendingDelete = new Set<string>();
  readonly #deleted = new Set<string>();
  acknowledgedWrites = 0;
  acknowledgedDeletes = 0;
  unknownWrites = 0;
  unknownDeletes = 0;

  /** Keys whose write was acknowledged and not deleted since. */
  get liveCount(): number {
    return this.#live.size;
  }

  get deletedCount(): number {
    return this.#deleted.size;
  }

  /** A write of `key` was acknowledged. */
  acked(key: string, expected: string): void {
    this.acknowledgedWrites++;
    this.#live.set(key, expected);
    this.#poolIndex.set(key, this.#pool.length);
    this.#pool.push(key);
  }

  /** The expected digest of a live key. */
  expected(key: string): string | undefined {
    return this.#live.get(key);
  }

  /** True when `key` is live and no delete of it has been sent: it must be readable. */
  mustExist(key: string): boolean {
    return this.#live.has(key) && !this.#pendingDelete.has(key);
  }

  /** True when a delete of `key` was acknowledged: it must not be readable. */
  mustBeAbsent(key: string): boolean {
    return this.#deleted.has(key);
  }

  /** A random readable key, or undefined when there is none. */
  pick(rng: Rng): string | undefined {
    return this.#pool.length === 0 ? undefined : this.#pool[rng.int(this.#pool.length)];
  }

  /** Takes a random readable key out of the pool to delete it. */
  takeForDelete(rng: Rng): string | undefined {
    const key = this.pick(rng);
    if (key === undefined) return undefined;
    this.#removeFromPool(key);
    this.#pendingDelete.add(key);
    return key;
  }

  #removeFromPool(key: string): void {
    const index = this.#poolIndex.get(key);
    if (index === undefined) return;
    const last = this.#pool.pop()!;
    if (last !== key) {
      this.#pool[index] = last;
      this.#poolIndex.set(last, index);
    }
    this.#poolIndex.delete(key);
  }

  /** The delete of `key` was acknowledged. */
  deleteAcked(key: string): void {
    this.acknowledgedDeletes++;
    this.#pendingDelete.delete(key);
    this.#live.delete(key);
    this.#deleted.add(key);
  }

  /** The delete of `key` dropped with its connection (or failed): the key is checked neither way again. */
  deleteUnknown(key: string): void {
    this.unknownDeletes++;
    this.#pendingDelete.delete(key);
    this.#live.delete(key);
  }

  /** A live key was found missing or wrong: it is taken out so that it is counted once. */
  forget(key: string): void {
    this.#removeFromPool(key);
    this.#pendingDelete.delete(key);
    this.#live.delete(key);
  }

  /** An acknowledged-deleted key came back: it is taken out so that it is counted once. */
  forgetDeleted(key: string): void {
    this.#deleted.delete(key);
  }

  /** Up to `n` random live keys that no delete was sent for. */
  sampleLive(rng: Rng, n: number): string[] {
    const picked = new Set<string>();
    for (let tries = 0; picked.size < Math.min(n, this.#pool.length) && tries < n * 4; tries++) picked.add(this.pick(rng)!);
    return [...picked];
  }

  /** Up to `n` random acknowledged-deleted keys. */
  sampleDeleted(rng: Rng, n: number): string[] {
    const all = [...this.#deleted];
    if (all.length <= n) return all;
    const picked = new Set<string>();
    while (picked.size < n) picked.add(all[rng.int(all.length)]!);
    return [...picked];
  }

  /** Every live key with its expected digest (for the final check, when nothing else runs). */
  liveEntries(): [string, string][] {
    return [...this.#live];
  }

  /** Every acknowledged-deleted key. */
  deletedKeys(): string[] {
    return [...this.#deleted];
  }
}
