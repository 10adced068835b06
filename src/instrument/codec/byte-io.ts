/**
 * Byte-level reading and writing for the instrument codecs (docs/instrument-codecs.md): LEB128
 * varints, sign-magnitude signed varints and raw little-endian words. The writer reuses one
 * growing scratch buffer across calls; the reader checks every read against the byte length
 * and throws CHUNK_MALFORMED, so untrusted bytes can never read out of bounds.
 */
import { KeeprError } from '../../errors.js';

/** Largest count any decoder accepts (values, keys, dictionary entries). */
export const MAX_COUNT = 1 << 24;
/** 2^32, to split doubles into 32-bit words. */
export const TWO32 = 4294967296;

/** A CHUNK_MALFORMED error naming what did not decode. */
export function malformed(reason: string): KeeprError {
  return new KeeprError('CHUNK_MALFORMED', `malformed codec stream: ${reason}`, { details: { reason } });
}

/** Checks a decoder's `count` argument before anything is allocated for it. */
export function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) throw malformed(`count ${count} out of range`);
}

/** Bits needed for a non-negative integer up to 2^64 held in a double (0 for 0). */
export function bitsFor(x: number): number {
  if (x < TWO32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO32));
}

/** Bytes of the unsigned varint of `n` (a safe non-negative integer). */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Bytes of the signed varint of `n` (a safe integer). */
export function svarintSize(n: number): number {
  const m = Math.abs(n);
  return m < 64 ? 1 : 1 + varintSize(Math.floor(m / 64));
}

let scratch = new Uint8Array(4096);

/** Appends to the shared scratch buffer (or an own one); `finish()` copies the bytes out. */
export class ByteWriter {
  /** Write position. */
  pos = 0;
  /** The buffer written to (replaced when it grows). */
  buf: Uint8Array;
  private readonly shared: boolean;

  /** `own`: a private buffer, for a writer used while the shared one is busy. */
  constructor(own = false) {
    this.shared = !own;
    this.buf = own ? new Uint8Array(256) : scratch;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    if (this.shared) scratch = grown;
  }

  /** One byte. */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned LEB128 of a safe non-negative integer. */
  varint(n: number): void {
    this.ensure(8);
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  /** Signed varint: first byte holds the sign (bit 0) and 6 magnitude bits, then LEB128 of the rest. */
  svarint(n: number): void {
    const m = Math.abs(n);
    const low = m % 64;
    const rest = Math.floor(m / 64);
    this.byte((rest > 0 ? 128 : 0) | (low << 1) | (n < 0 ? 1 : 0));
    if (rest > 0) this.varint(rest);
  }

  /** Signed varint of a bigint (the same layout as {@link svarint}, up to 2^64 in magnitude). */
  svarintBig(n: bigint): void {
    const m = n < 0n ? -n : n;
    const rest = m >> 6n;
    this.byte((rest > 0n ? 128 : 0) | (Number(m & 63n) << 1) | (n < 0n ? 1 : 0));
    let r = rest;
    while (r > 0n) {
      const low = Number(r & 127n);
      r >>= 7n;
      this.byte(r > 0n ? low | 128 : low);
    }
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads a codec stream; every read past the end throws CHUNK_MALFORMED. */
export class ByteReader {
  /** Read position. */
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  /** Bytes left. */
  get left(): number {
    return this.buf.length - this.pos;
  }

  /** One byte. */
  byte(): number {
    if (this.pos >= this.buf.length) throw malformed('unexpected end');
    return this.buf[this.pos++]!;
  }

  /** An unsigned varint; more than 2^53 - 1 is malformed. */
  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 127) * mul;
      if (b < 128) break;
      mul *= 128;
      if (mul > 2 ** 49) throw malformed('varint too long');
    }
    if (n > Number.MAX_SAFE_INTEGER) throw malformed('varint too large');
    return n;
  }

  /** A signed varint whose magnitude is at most 2^53 - 1. */
  svarint(): number {
    const first = this.byte();
    let m = (first >> 1) & 63;
    if (first >= 128) {
      const rest = this.varint();
      if (rest > (Number.MAX_SAFE_INTEGER - m) / 64) throw malformed('signed varint too large');
      m += rest * 64;
    }
    if (first & 1 && m === 0) throw malformed('negative zero varint');
    return first & 1 ? -m : m;
  }

  /** A signed varint as a bigint (magnitude below 2^64). */
  svarintBig(): bigint {
    const first = this.byte();
    let m = BigInt((first >> 1) & 63);
    if (first >= 128) {
      let shift = 6n;
      for (;;) {
        const b = this.byte();
        m |= BigInt(b & 127) << shift;
        if (b < 128) break;
        shift += 7n;
        if (shift > 63n) throw malformed('varint too long');
      }
    }
    if (m >= 1n << 64n) throw malformed('signed varint too large');
    if (first & 1 && m === 0n) throw malformed('negative zero varint');
    return first & 1 ? -m : m;
  }

  /** `n` bytes as a view (not a copy). */
  view(n: number): Uint8Array {
    if (n > this.left) throw malformed('unexpected end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.pos !== this.buf.length) throw malformed('trailing bytes');
  }
}

/** Gap-coded ascending positions: the first as is, then each minus the previous minus 1. */
export function writePositions(w: ByteWriter, positions: readonly number[]): void {
  w.varint(positions.length);
  let prev = -1;
  for (const p of positions) {
    w.varint(p - prev - 1);
    prev = p;
  }
}

/** Reads what {@link writePositions} wrote; positions must lie below `count`. */
export function readPositions(r: ByteReader, count: number): number[] {
  const k = r.varint();
  if (k > count || k > r.left) throw malformed('too many positions');
  const out = new Array<number>(k);
  let prev = -1;
  for (let i = 0; i < k; i++) {
    prev += r.varint() + 1;
    if (prev >= count) throw malformed('position out of range');
    out[i] = prev;
  }
  return out;
}
