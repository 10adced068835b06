/**
 * Bit packing on 32-bit words, least significant bit first: field k of width w occupies bits
 * [k·w, (k+1)·w) of the stream, bit i being bit (i mod 8) of byte ⌊i/8⌋ — so the stream is the
 * little-endian bytes of its 32-bit words, cut to ⌈bits/8⌉ bytes. Fields wider than 32 bits
 * are written low 32 bits first. Scratch word buffers are reused across calls.
 */
import { ByteReader, ByteWriter, TWO32, malformed } from './byte-io.js';

let writeWords = new Uint32Array(1024);
let readWords = new Uint32Array(1024);
let readBytes = new Uint8Array(readWords.buffer);

/** Accumulates bit fields into 32-bit words; `flush(w)` appends them to a byte writer. */
export class BitWriter {
  /** The words written so far (shared scratch, valid until the next writer). */
  words: Uint32Array;
  /** Index of the word being filled. */
  wi = 0;
  /** Bits used in the word being filled. */
  used = 0;
  /** The word being filled. */
  acc = 0;

  constructor(expectedBits: number) {
    const need = (expectedBits >>> 5) + 2;
    if (writeWords.length < need) writeWords = new Uint32Array(Math.max(need, writeWords.length * 2));
    this.words = writeWords;
  }

  private grow(): void {
    const grown = new Uint32Array(this.words.length * 2);
    grown.set(this.words);
    this.words = grown;
    writeWords = grown;
  }

  /** The low `n` bits (0 ≤ n ≤ 32) of `v` (an integer in [0, 2^32)). */
  bits(v: number, n: number): void {
    if (n === 0) return;
    this.acc |= v << this.used;
    this.used += n;
    if (this.used >= 32) {
      if (this.wi + 1 >= this.words.length) this.grow();
      this.words[this.wi++] = this.acc;
      this.used -= 32;
      this.acc = this.used > 0 ? v >>> (n - this.used) : 0;
    }
  }

  /** The low `n` bits (0 ≤ n ≤ 64) of a non-negative integer double below 2^53 (or 2^64 via two words). */
  wide(v: number, n: number): void {
    if (n <= 32) this.bits(v, n);
    else {
      const lo = v >>> 0;
      this.bits(lo, 32);
      this.bits(Math.floor((v - lo) / TWO32) >>> 0, n - 32);
    }
  }

  /** Total bits written. */
  get bitLength(): number {
    return this.wi * 32 + this.used;
  }

  /** Appends the packed bytes (⌈bits/8⌉ of them) to `w`. */
  flush(w: ByteWriter): void {
    const n = (this.bitLength + 7) >>> 3;
    if (this.used > 0) this.words[this.wi] = this.acc;
    w.bytes(new Uint8Array(this.words.buffer, 0, n));
  }
}

/** Reads bit fields from a byte range copied into aligned scratch words (zero-padded). */
export class BitReader {
  /** The words (shared scratch). */
  readonly words: Uint32Array;
  /** Bit position. */
  pos = 0;
  /** Number of bits available. */
  readonly limit: number;

  /** Takes `nBytes` bytes from `r` (checked) as the bit stream. */
  constructor(r: ByteReader, nBytes: number) {
    const src = r.view(nBytes);
    const need = (nBytes >>> 2) + 4;
    if (readWords.length < need) {
      readWords = new Uint32Array(Math.max(need, readWords.length * 2));
      readBytes = new Uint8Array(readWords.buffer);
    }
    readBytes.set(src);
    readBytes.fill(0, nBytes, need * 4);
    this.words = readWords;
    this.limit = nBytes * 8;
  }

  /** `n` bits (0 ≤ n ≤ 32) as an unsigned integer; reading past the end is caught by {@link check}. */
  bits(n: number): number {
    if (n === 0) return 0;
    const p = this.pos;
    const i = p >>> 5;
    const off = p & 31;
    let v = this.words[i]! >>> off;
    if (off + n > 32) v |= this.words[i + 1]! << (32 - off);
    this.pos = p + n;
    return n === 32 ? v >>> 0 : v & ((1 << n) >>> 0) - 1;
  }

  /** `n` bits (0 ≤ n ≤ 53) as a double. */
  wide(n: number): number {
    if (n <= 32) return this.bits(n) >>> 0;
    const lo = this.bits(32) >>> 0;
    return this.bits(n - 32) * TWO32 + lo;
  }

  /** Throws CHUNK_MALFORMED when more bits were read than the stream holds. */
  check(): void {
    if (this.pos > this.limit) throw malformed('bit stream ends early');
  }
}

/** Packs `n` values of `values` (integers in [0, 2^width), width ≤ 53), each minus `base`. */
export function packInto(w: ByteWriter, values: Float64Array, from: number, n: number, base: number, width: number): void {
  if (width === 0 || n === 0) return;
  const bw = new BitWriter(n * width);
  if (width <= 32) {
    // Inline of BitWriter.bits for the hot loop.
    const words = bw.words;
    let acc = 0;
    let used = 0;
    let wi = 0;
    for (let i = from, end = from + n; i < end; i++) {
      const v = values[i]! - base;
      acc |= v << used;
      used += width;
      if (used >= 32) {
        words[wi++] = acc;
        used -= 32;
        acc = used > 0 ? v >>> (width - used) : 0;
      }
    }
    bw.wi = wi;
    bw.used = used;
    bw.acc = acc;
  } else {
    for (let i = from, end = from + n; i < end; i++) bw.wide(values[i]! - base, width);
  }
  bw.flush(w);
}

/** Bytes of `n` fields of `width` bits. */
export function packedSize(n: number, width: number): number {
  return Math.ceil((n * width) / 8);
}

/** Unpacks `n` fields of `width` bits (≤ 53) from `r` into out[at..], each plus `base`. */
export function unpackInto(r: ByteReader, out: Float64Array, at: number, n: number, base: number, width: number): void {
  if (n === 0) return;
  if (width === 0) {
    out.fill(base, at, at + n);
    return;
  }
  const br = new BitReader(r, packedSize(n, width));
  const words = br.words;
  if (width <= 32) {
    const mask = width === 32 ? -1 : (1 << width) - 1;
    let p = 0;
    for (let i = at, end = at + n; i < end; i++) {
      const wi = p >>> 5;
      const off = p & 31;
      let v = words[wi]! >>> off;
      if (off + width > 32) v |= words[wi + 1]! << (32 - off);
      out[i] = ((v & mask) >>> 0) + base;
      p += width;
    }
  } else {
    for (let i = at, end = at + n; i < end; i++) out[i] = br.wide(width) + base;
  }
}
