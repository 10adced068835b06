/**
 * The reference W7 measures keepr's codecs against: Gorilla (Pelkonen et al., "Gorilla: a fast,
 * scalable, in-memory time series database", VLDB 2015, §4.1), written from the paper.
 *
 * Values: the first value's 64 bits raw; then each value XORed with the previous one: `0` when
 * equal; `10` + the meaningful bits when they fall inside the previous value's window (its
 * leading and trailing zero counts); else `11` + 5 bits of leading zeros (capped at 31) + 6 bits
 * of meaningful length (64 written as 0) + the meaningful bits.
 *
 * Times: the first time's 64 bits raw, then delta-of-delta (the first delta against 0) in the
 * paper's buckets: `0` for 0; `10` + 7 bits for [-63, 64]; `110` + 9 bits for [-255, 256];
 * `1110` + 12 bits for [-2047, 2048]; `11110` + 32 bits for what fits 32 bits; and, since
 * times here are µs (whose deltas overflow the paper's 32 bits, which were seconds), `11111` +
 * 64 bits otherwise. Bit order: most significant first, in 32-bit words.
 *
 * Each encoder has a decoder, so a test (test/bench/gorilla.test.ts) proves the sizes are those
 * of real, decodable streams.
 */

/** Bits appended most significant first to a growable array of 32-bit words. */
export class BitWriter {
  #words = new Uint32Array(1024);
  #count = 0;
  #cur = 0;
  #used = 0;

  /** Appends the low `n` bits of `value` (0 ≤ n ≤ 32). */
  write(value: number, n: number): void {
    if (n === 0) return;
    const v = n === 32 ? value >>> 0 : (value & (0xffffffff >>> (32 - n))) >>> 0;
    const free = 32 - this.#used;
    if (n < free) {
      this.#cur = (this.#cur | (v << (free - n))) >>> 0;
      this.#used += n;
      return;
    }
    const rest = n - free;
    this.#push((this.#cur | (v >>> rest)) >>> 0);
    this.#cur = rest === 0 ? 0 : (v << (32 - rest)) >>> 0;
    this.#used = rest;
  }

  /** Appends 64 bits given as high and low 32-bit words. */
  write64(hi: number, lo: number): void {
    this.write(hi, 32);
    this.write(lo, 32);
  }

  #push(word: number): void {
    if (this.#count === this.#words.length) {
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    this.#words[this.#count++] = word;
  }

  /** Bits written so far. */
  get bits(): number {
    return this.#count * 32 + this.#used;
  }

  /** The words written, the last one padded with zero bits. */
  finish(): Uint32Array {
    const out = new Uint32Array(this.#count + (this.#used > 0 ? 1 : 0));
    out.set(this.#words.subarray(0, this.#count));
    if (this.#used > 0) out[this.#count] = this.#cur;
    return out;
  }
}

/** Reads what {@link BitWriter} wrote. */
export class BitReader {
  readonly #words: Uint32Array;
  #index = 0;
  #pos = 0;

  constructor(words: Uint32Array) {
    this.#words = words;
  }

  /** The next `n` bits (0 ≤ n ≤ 32) as an unsigned number. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.#index >= this.#words.length) throw new Error('gorilla: read past the end of the stream');
    const word = this.#words[this.#index]!;
    const avail = 32 - this.#pos;
    if (n <= avail) {
      const v = ((word << this.#pos) >>> 0) >>> (32 - n);
      this.#pos += n;
      if (this.#pos === 32) {
        this.#index++;
        this.#pos = 0;
      }
      return v;
    }
    const rest = n - avail;
    const high = (word & (0xffffffff >>> this.#pos)) >>> 0;
    this.#index++;
    if (this.#index >= this.#words.length) throw new Error('gorilla: read past the end of the stream');
    const low = this.#words[this.#index]! >>> (32 - rest);
    this.#pos = rest;
    return ((high * 2 ** rest) + low) >>> 0;
  }

  /** One bit. */
  bit(): number {
    return this.read(1);
  }
}

/** Leading zero bits of the 64-bit word `hi:lo`. */
function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

/** Trailing zero bits of the 64-bit word `hi:lo` (64 for zero). */
function ctz64(hi: number, lo: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  if (hi !== 0) return 63 - Math.clz32(hi & -hi);
  return 64;
}

/** Writes bits `shift` to `shift + length - 1` of `hi:lo` (1 ≤ length ≤ 64). */
function writeField(out: BitWriter, hi: number, lo: number, shift: number, length: number): void {
  let h = hi;
  let l = lo;
  if (shift >= 32) {
    l = hi >>> (shift - 32);
    h = 0;
  } else if (shift > 0) {
    l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    h = hi >>> shift;
  }
  if (length > 32) {
    out.write(h, length - 32);
    out.write(l, 32);
  } else out.write(l, length);
}

/** Reads `length` bits and places them at bit `shift` of a 64-bit word; returns `[hi, lo]`. */
function readField(input: BitReader, shift: number, length: number): [number, number] {
  let h = 0;
  let l: number;
  if (length > 32) {
    h = input.read(length - 32);
    l = input.read(32);
  } else l = input.read(length);
  if (shift >= 32) return [(l << (shift - 32)) >>> 0, 0];
  if (shift > 0) return [((h << shift) | (l >>> (32 - shift))) >>> 0, (l << shift) >>> 0];
  return [h, l];
}

/** Gorilla's XOR encoding of `values`: the stream and its exact size in bits. */
export function gorillaValues(values: Float64Array): { bits: number; words: Uint32Array } {
  const out = new BitWriter();
  const n = values.length;
  if (n === 0) return { bits: 0, words: out.finish() };
  const w = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let prevHi = w[1]!;
  let prevLo = w[0]!;
  out.write64(prevHi, prevLo);
  // No window yet: the first non-zero XOR takes the `11` form.
  let lead = -1;
  let trail = -1;
  for (let i = 1; i < n; i++) {
    const hi = w[2 * i + 1]!;
    const lo = w[2 * i]!;
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      out.write(0, 1);
      continue;
    }
    const l = Math.min(31, clz64(xh, xl));
    const t = ctz64(xh, xl);
    if (lead >= 0 && l >= lead && t >= trail) {
      out.write(0b10, 2);
      writeField(out, xh, xl, trail, 64 - lead - trail);
    } else {
      const length = 64 - l - t;
      out.write(0b11, 2);
      out.write(l, 5);
      out.write(length & 63, 6);
      writeField(out, xh, xl, t, length);
      lead = l;
      trail = t;
    }
  }
  return { bits: out.bits, words: out.finish() };
}

/** Decodes `count` values written by {@link gorillaValues}. */
export function ungorillaValues(words: Uint32Array, count: number): Float64Array {
  const values = new Float64Array(count);
  if (count === 0) return values;
  const w = new Uint32Array(values.buffer);
  const input = new BitReader(words);
  let hi = input.read(32);
  let lo = input.read(32);
  w[1] = hi;
  w[0] = lo;
  let lead = 0;
  let trail = 0;
  for (let i = 1; i < count; i++) {
    if (input.bit() === 1) {
      if (input.bit() === 1) {
        lead = input.read(5);
        const length = input.read(6) || 64;
        trail = 64 - lead - length;
      }
      const [xh, xl] = readField(input, trail, 64 - lead - trail);
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    w[2 * i + 1] = hi;
    w[2 * i] = lo;
  }
  return values;
}

/** The paper's delta-of-delta buckets: control bits, their count, value bits, and the range. */
const TIME_BUCKETS = [
  { control: 0b10, controlBits: 2, bits: 7, min: -63, max: 64 },
  { control: 0b110, controlBits: 3, bits: 9, min: -255, max: 256 },
  { control: 0b1110, controlBits: 4, bits: 12, min: -2047, max: 2048 },
  { control: 0b11110, controlBits: 5, bits: 32, min: -(2 ** 31), max: 2 ** 31 - 1 },
] as const;

const TWO_32 = 2 ** 32;

/** Gorilla's delta-of-delta encoding of `times` (µs): the stream and its exact size in bits. */
export function gorillaTimes(times: BigInt64Array): { bits: number; words: Uint32Array } {
  const out = new BitWriter();
  const n = times.length;
  if (n === 0) return { bits: 0, words: out.finish() };
  const first = BigInt.asUintN(64, times[0]!);
  out.write64(Number(first >> 32n), Number(first & 0xffffffffn));
  let prev = times[0]!;
  let prevDelta = 0n;
  for (let i = 1; i < n; i++) {
    const t = times[i]!;
    const delta = t - prev;
    const dod = delta - prevDelta;
    prev = t;
    prevDelta = delta;
    if (dod === 0n) {
      out.write(0, 1);
      continue;
    }
    const bucket = dod >= -(2n ** 31n) && dod < 2n ** 31n ? TIME_BUCKETS.find((b) => dod >= BigInt(b.min) && dod <= BigInt(b.max)) : undefined;
    if (bucket !== undefined) {
      out.write(bucket.control, bucket.controlBits);
      // Two's complement in `bits` bits; the paper's ranges are one wider on the positive side,
      // so the value is stored offset by one below zero (as its reference implementations do).
      const v = Number(dod);
      out.write(v > 0 ? v - 1 : (v + TWO_32) % TWO_32, bucket.bits);
    } else {
      const u = BigInt.asUintN(64, dod);
      out.write(0b11111, 5);
      out.write64(Number(u >> 32n), Number(u & 0xffffffffn));
    }
  }
  return { bits: out.bits, words: out.finish() };
}

/** Decodes `count` times written by {@link gorillaTimes}. */
export function ungorillaTimes(words: Uint32Array, count: number): BigInt64Array {
  const times = new BigInt64Array(count);
  if (count === 0) return times;
  const input = new BitReader(words);
  const read64 = (): bigint => BigInt.asIntN(64, (BigInt(input.read(32)) << 32n) | BigInt(input.read(32)));
  let prev = read64();
  times[0] = prev;
  let prevDelta = 0n;
  for (let i = 1; i < count; i++) {
    let dod = 0n;
    if (input.bit() === 1) {
      let ones = 1;
      while (ones < 5 && input.bit() === 1) ones++;
      if (ones === 5) dod = read64();
      else {
        const bucket = TIME_BUCKETS[ones - 1]!;
        const raw = input.read(bucket.bits);
        // Values with the top bit set are negative; others were stored one below themselves.
        dod = raw >= 2 ** (bucket.bits - 1) ? BigInt(raw - 2 ** bucket.bits) : BigInt(raw + 1);
      }
    }
    const delta = prevDelta + dod;
    prev += delta;
    prevDelta = delta;
    times[i] = prev;
  }
  return times;
}
