/**
 * Deterministic bench data: keys and 1 KiB values from a fixed seed, so every contender stores
 * the same bytes and a reader can recompute what a key must hold.
 *
 * A value is a keepr block: a uint8 block of 928 random bytes, whose encoding (96-byte header,
 * no attributes) is exactly 1,024 bytes. keepr stores the block; peers store `block.bytes`.
 */
import { Block } from '../../src/index.js';

/** Bytes every stored value has. */
export const VALUE_BYTES = 1024;
/** Payload (data section) bytes of each block. */
export const PAYLOAD_BYTES = 928;
/** Bytes of every key. */
export const KEY_BYTES = 16;

/** One key and the block stored under it. */
export interface Entry {
  readonly key: string;
  readonly block: Block;
}

/** 32-bit mix (splitmix-style finaliser). */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A small seeded PRNG (xorshift32); `next()` gives an unsigned 32-bit integer. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = mix32(seed) || 0x9e3779b9;
  }

  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}

/**
 * A 16-byte key: a one-letter space, then the index zero-padded to 15 digits, so key order is
 * index order (W4 scans consecutive keys).
 */
export function keyOf(index: number, space = 'k'): string {
  return space + String(index).padStart(KEY_BYTES - 1, '0');
}

/** The index inside a key made by {@link keyOf}. */
export function indexOfKey(key: string): number {
  return Number(key.slice(1));
}

/** The payload of key `index` in space `space` (deterministic from the seed). */
export function payloadOf(seed: number, index: number, space = 'k'): Uint8Array {
  const words = new Uint32Array(PAYLOAD_BYTES / 4);
  const rng = new Rng(mix32(seed ^ Math.imul(index + 1, 0x9e3779b1)) ^ space.charCodeAt(0));
  for (let i = 0; i < words.length; i++) words[i] = rng.next();
  return new Uint8Array(words.buffer);
}

/** The block stored under key `index`; its `bytes` are the 1 KiB value every contender stores. */
export function blockOf(seed: number, index: number, space = 'k'): Block {
  return Block.create({ type: 'uint8', data: payloadOf(seed, index, space) });
}

/** The entry (key and block) of `index`. */
export function entryOf(seed: number, index: number, space = 'k'): Entry {
  return { key: keyOf(index, space), block: blockOf(seed, index, space) };
}

/** Entries `from` to `to - 1`, generated on demand (one batch at a time stays in memory). */
export function entries(seed: number, from: number, to: number, space = 'k'): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i < to; i++) out.push(entryOf(seed, i, space));
  return out;
}

/** True when `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

/** Throws unless `actual` is byte for byte the value stored under key `index`. */
export function verifyValue(seed: number, index: number, actual: Uint8Array | undefined, what: string, space = 'k'): void {
  const expected = blockOf(seed, index, space).bytes;
  if (actual === undefined) throw new Error(`${what}: key ${keyOf(index, space)} is missing`);
  if (!sameBytes(actual, expected)) throw new Error(`${what}: key ${keyOf(index, space)} holds ${actual.length} bytes that differ from the ${expected.length} written`);
}
