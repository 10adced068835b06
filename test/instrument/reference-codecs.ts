/**
 * A second decoder of the instrument codec streams, written from docs/instrument-codecs.md alone.
 * It imports nothing from src/ so that it checks the docs, not the code. Integers are exact
 * (bigint); floats come out as bit patterns (bigint for float64, number for float32).
 */

/** A decode failure of the reference reader (the real decoder's CHUNK_MALFORMED). */
export class RefMalformed extends Error {}

/**
 * A damaged stream whose values leave ±(2^53 − 1): the docs leave its decoding unspecified
 * (keepr computes in doubles), so the reference reader does not pretend to know the answer.
 */
export class RefUnspecified extends Error {}

const SAFE = 2n ** 53n - 1n;

/** An exact integer-stream value or running value, which the docs keep within ±(2^53 − 1). */
function safe(v: bigint): bigint {
  if (v > SAFE || v < -SAFE) throw new RefUnspecified('integer stream value beyond 2^53 - 1');
  return v;
}

/** Throws RefMalformed unless the condition holds. */
export function need(ok: boolean, what: string): asserts ok {
  if (!ok) throw new RefMalformed(what);
}

/** A cursor over bytes. */
export class Cursor {
  pos = 0;
  /** Wraps the bytes. */
  constructor(readonly bytes: Uint8Array) {}
  /** One byte. */
  byte(): number {
    const b = this.bytes[this.pos];
    need(b !== undefined, 'read past the end');
    this.pos++;
    return b;
  }
  /** `n` bytes. */
  take(n: number): Uint8Array {
    need(n >= 0 && this.pos + n <= this.bytes.length, 'read past the end');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Unsigned LEB128 of at most 8 bytes, at most 2^53 − 1. */
  uvarint(): number {
    let v = 0n;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        need(v <= 2n ** 53n - 1n, 'uvarint above 2^53 - 1');
        return Number(v);
      }
    }
    throw new RefMalformed('uvarint longer than 8 bytes');
  }
  /** Sign-and-magnitude varint, magnitude at most 2^53 − 1. */
  svarint(): bigint {
    const b = this.byte();
    let mag = BigInt((b >> 1) & 0x3f);
    if (b & 0x80) mag |= BigInt(this.uvarint()) << 6n;
    need(mag <= 2n ** 53n - 1n, 'svarint magnitude above 2^53 - 1');
    need(!((b & 1) === 1 && mag === 0n), 'negative zero');
    return b & 1 ? -mag : mag;
  }
  /** svarint64: like svarint, then at most 9 LEB128 groups, magnitude below 2^64. */
  svarint64(): bigint {
    const b = this.byte();
    let mag = BigInt((b >> 1) & 0x3f);
    if (b & 0x80) {
      for (let i = 0; ; i++) {
        need(i < 9, 'svarint64 longer than 9 groups');
        const g = this.byte();
        mag |= BigInt(g & 0x7f) << BigInt(6 + 7 * i);
        if ((g & 0x80) === 0) break;
      }
    }
    need(mag < 2n ** 64n, 'svarint64 magnitude beyond 2^64');
    need(!((b & 1) === 1 && mag === 0n), 'negative zero');
    return b & 1 ? -mag : mag;
  }
  /** True when every byte is used. */
  done(): boolean {
    return this.pos === this.bytes.length;
  }
}

/** Reads fields least significant bit first from a byte range. */
export class BitReader {
  private bit = 0;
  /** Reads bits of `bytes`. */
  constructor(private readonly bytes: Uint8Array) {}
  /** A field of `w` bits (0..64), LSB first. */
  read(w: number): bigint {
    let v = 0n;
    for (let i = 0; i < w; i++) v |= BigInt(this.one()) << BigInt(i);
    return v;
  }
  /** One stream bit. */
  one(): number {
    const b = this.bytes[this.bit >> 3];
    need(b !== undefined, 'bit read past the end');
    const r = (b >> (this.bit & 7)) & 1;
    this.bit++;
    return r;
  }
  /** Bits read so far. */
  get used(): number {
    return this.bit;
  }
}

/** Reads `n` fields of width `w` packed in ⌈n·w/8⌉ bytes. */
function unpack(c: Cursor, n: number, w: number): bigint[] {
  const bytes = c.take(Math.ceil((n * w) / 8));
  const r = new BitReader(bytes);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(r.read(w));
  return out;
}

/** A position list: k uvarint gaps, strictly ascending positions below `count`. */
export function positions(c: Cursor, count: number): number[] {
  const k = c.uvarint();
  need(k <= count, 'more positions than values');
  const out: number[] = [];
  let p = -1;
  for (let i = 0; i < k; i++) {
    p = p + c.uvarint() + 1;
    need(p < count, 'position beyond the count');
    out.push(p);
  }
  return out;
}

const NESTED_IN_RLE = new Set([1, 2, 3, 10]);
const NESTED_IN_HUFFMAN = new Set([1, 2, 3]);

/** The body of integer stream id `id` over `n` values, exact. */
function intBody(c: Cursor, id: number, n: number): bigint[] {
  switch (id) {
    case 1: {
      const base = c.svarint();
      const w = c.byte();
      need(w <= 53, 'width above 53');
      return unpack(c, n, w).map((f) => safe(base + f));
    }
    case 2: {
      need(n >= 1, 'delta-bitpack needs a value');
      const first = c.svarint();
      const dmin = c.svarint();
      const w = c.byte();
      need(w <= 53, 'width above 53');
      const out = [first];
      for (const f of unpack(c, n - 1, w)) out.push(safe(safe(out[out.length - 1]! + dmin) + f));
      return out;
    }
    case 3: {
      need(n >= 1, 'delta-runs needs a value');
      const out = [c.svarint()];
      const r = c.uvarint();
      need(r <= n - 1, 'too many runs');
      let delta = 0n;
      for (let i = 0; i < r; i++) {
        delta = safe(delta + c.svarint());
        const len = c.uvarint();
        need(len >= 1 && out.length + len <= n, 'bad run length');
        for (let j = 0; j < len; j++) out.push(safe(out[out.length - 1]! + delta));
      }
      need(out.length === n, 'run lengths do not sum to n - 1');
      return out;
    }
    case 4: {
      const base = c.svarint64();
      const w = c.byte();
      need(w <= 64, 'width above 64');
      return unpack(c, n, w).map((f) => BigInt.asUintN(64, base + f));
    }
    case 9: {
      const r = c.uvarint();
      need(r <= n && (r === 0) === (n === 0), 'bad run count');
      const vals = nested(c, r, NESTED_IN_RLE);
      const lens = nested(c, r, NESTED_IN_RLE);
      const out: bigint[] = [];
      for (let i = 0; i < r; i++) {
        const len = lens[i]!;
        need(len >= 1n && BigInt(out.length) + len <= BigInt(n), 'bad run length');
        for (let j = 0n; j < len; j++) out.push(vals[i]!);
      }
      need(out.length === n, 'run lengths do not sum to n');
      return out;
    }
    case 10:
      return huffman(c, n);
    default:
      throw new RefMalformed(`integer stream id ${id}`);
  }
}

/** A nested stream: id byte without the NA flag, from `ids`, then its body. */
function nested(c: Cursor, n: number, ids: ReadonlySet<number>): bigint[] {
  const id = c.byte();
  need(ids.has(id), `nested id ${id}`);
  return intBody(c, id, n);
}

/** Body of id 10: canonical Huffman over values (mode 0) or deltas (mode 1). */
function huffman(c: Cursor, n: number): bigint[] {
  const mode = c.byte();
  need(mode === 0 || mode === 1, 'huffman mode');
  const first = mode === 1 ? c.svarint() : 0n;
  const k = c.uvarint();
  need(k >= 2 && k <= n, 'huffman symbol count');
  const symbols = nested(c, k, NESTED_IN_HUFFMAN);
  const lengths = nested(c, k, NESTED_IN_HUFFMAN).map((l) => {
    need(l >= 1n && l <= 24n, 'code length');
    return Number(l);
  });
  need(lengths.reduce((s, l) => s + 2 ** (24 - l), 0) <= 2 ** 24, 'Kraft');
  const order = lengths.map((l, i) => ({ l, i })).sort((a, b) => a.l - b.l || a.i - b.i);
  const table = new Map<string, bigint>();
  let code = 0;
  let prev = order[0]!.l;
  order.forEach(({ l, i }, j) => {
    if (j > 0) code = (code + 1) * 2 ** (l - prev);
    prev = l;
    table.set(`${l}:${code}`, symbols[i]!);
  });
  const m = c.uvarint();
  const bits = new BitReader(c.take(m));
  const codes = mode === 1 ? n - 1 : n;
  const syms: bigint[] = [];
  for (let i = 0; i < codes; i++) {
    let v = 0;
    for (let l = 1; ; l++) {
      need(l <= 24, 'huffman code out of range');
      v = v * 2 + bits.one();
      const s = table.get(`${l}:${v}`);
      if (s !== undefined) {
        syms.push(s);
        break;
      }
    }
  }
  need(Math.ceil(bits.used / 8) === m, 'huffman payload does not end in its last byte');
  if (mode === 0) return syms;
  const out = [first];
  for (const d of syms) out.push(safe(out[out.length - 1]! + d));
  return out;
}

/** A top-level integer stream: id (maybe with the NA flag and list), body. */
export interface IntStream {
  readonly values: bigint[];
  readonly na: number[];
}

/** Reads a top-level integer stream; `ids` are the ids allowed, `naOk` whether the NA flag is. */
export function intStream(c: Cursor, n: number, ids: ReadonlySet<number>, naOk: boolean): IntStream {
  const idByte = c.byte();
  const id = idByte & 0x7f;
  need(ids.has(id), `id ${id}`);
  let na: number[] = [];
  if (idByte & 0x80) {
    need(naOk && [1, 2, 3, 4, 9, 10].includes(id), 'NA flag not allowed');
    na = positions(c, n);
    need(na.length >= 1, 'empty NA list');
  }
  return { values: intBody(c, id, n), na };
}

/** Ids of an integer stream with no NA flag (ALP integers, bool and dict codes). */
export const PLAIN_INT_IDS: ReadonlySet<number> = new Set([1, 2, 3, 9, 10]);
