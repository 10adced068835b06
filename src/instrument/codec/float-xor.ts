/**
 * Chimp-style XOR floats (Liakos et al., PVLDB 2022) on pairs of 32-bit words: each value is
 * XORed with the previous one and the result written by a 2-bit flag — same value, a centre
 * window after many trailing zeros, or the low bits below a rounded leading-zero count (reused
 * or new). float32 values are the high word of a 64-bit pattern whose low word is 0.
 */
import { BitReader, BitWriter } from './bit-pack.js';
import { ByteReader, ByteWriter, malformed } from './byte-io.js';

/** Leading-zero counts a code of 3 bits stands for. */
const LEAD_ROUND = [0, 8, 12, 16, 18, 20, 22, 24];
/** Code of each leading-zero count 0…64 (the largest rounded count not above it). */
const LEAD_CODE = Array.from({ length: 65 }, (_, lead) => {
  let code = 0;
  for (let c = 0; c < 8; c++) if (LEAD_ROUND[c]! <= lead) code = c;
  return code;
});
/** Trailing zeros above which the centre-window form is used. */
const TRAIL_THRESHOLD = 6;
/** "No leading count to reuse". */
const NO_LEAD = 65;

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Writes [xor id][bit stream to the end]. */
export function writeXor(w: ByteWriter, id: number, values: Float32Array | Float64Array, f32: boolean): void {
  const n = values.length;
  const u32 = new Uint32Array(values.buffer, values.byteOffset, f32 ? n : n * 2);
  w.byte(id);
  if (n === 0) return;
  const bw = new BitWriter(n * 40);
  let ph = f32 ? u32[0]! : u32[1]!;
  let pl = f32 ? 0 : u32[0]!;
  if (!f32) bw.bits(pl, 32);
  bw.bits(ph, 32);
  let prevLead = NO_LEAD;
  for (let i = 1; i < n; i++) {
    const hi = f32 ? u32[i]! : u32[2 * i + 1]!;
    const lo = f32 ? 0 : u32[2 * i]!;
    const xh = (hi ^ ph) >>> 0;
    const xl = (lo ^ pl) >>> 0;
    ph = hi;
    pl = lo;
    if ((xh | xl) === 0) {
      bw.bits(0, 2);
      prevLead = NO_LEAD;
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    const code = LEAD_CODE[lead]!;
    const leadR = LEAD_ROUND[code]!;
    if (trail > TRAIL_THRESHOLD) {
      const center = 64 - leadR - trail;
      bw.bits(1, 2);
      bw.bits(code, 3);
      bw.bits(center, 6);
      let cl: number;
      let ch: number;
      if (trail >= 32) {
        cl = xh >>> (trail - 32);
        ch = 0;
      } else {
        cl = ((xl >>> trail) | (xh << (32 - trail))) >>> 0;
        ch = xh >>> trail;
      }
      if (center <= 32) bw.bits(cl, center);
      else {
        bw.bits(cl, 32);
        bw.bits(ch, center - 32);
      }
      prevLead = NO_LEAD;
    } else {
      if (leadR === prevLead) bw.bits(2, 2);
      else {
        bw.bits(3, 2);
        bw.bits(code, 3);
        prevLead = leadR;
      }
      // 64 − leadR ≥ 40 low bits; the ones above the real leading zeros are zero.
      bw.bits(xl, 32);
      bw.bits(xh, 32 - leadR);
    }
  }
  bw.flush(w);
}

/** Reads what {@link writeXor} wrote after its id byte (the bit stream runs to the end). */
export function readXor(r: ByteReader, count: number, f32: boolean): Float32Array | Float64Array {
  const nBytes = r.left;
  if (count === 0) {
    if (nBytes !== 0) throw malformed('trailing bytes');
    return f32 ? new Float32Array(0) : new Float64Array(0);
  }
  const firstBits = f32 ? 32 : 64;
  if (firstBits + 2 * (count - 1) > nBytes * 8) throw malformed('too few bytes for the count');
  const br = new BitReader(r, nBytes);
  const out = f32 ? new Float32Array(count) : new Float64Array(count);
  const u32 = new Uint32Array(out.buffer);
  let pl = f32 ? 0 : br.bits(32) >>> 0;
  let ph = br.bits(32) >>> 0;
  const put = (i: number): void => {
    if (f32) u32[i] = ph;
    else {
      u32[2 * i] = pl;
      u32[2 * i + 1] = ph;
    }
  };
  put(0);
  let prevLead = NO_LEAD;
  for (let i = 1; i < count; i++) {
    const flag = br.bits(2);
    if (flag !== 0) {
      let xh: number;
      let xl: number;
      if (flag === 1) {
        const leadR = LEAD_ROUND[br.bits(3)]!;
        const center = br.bits(6);
        const trail = 64 - leadR - center;
        if (center === 0 || trail < 0) throw malformed('XOR centre out of range');
        const cl = center <= 32 ? br.bits(center) : br.bits(32);
        const ch = center <= 32 ? 0 : br.bits(center - 32);
        if (trail >= 32) {
          xh = cl << (trail - 32);
          xl = 0;
        } else if (trail === 0) {
          xh = ch;
          xl = cl;
        } else {
          xh = (ch << trail) | (cl >>> (32 - trail));
          xl = cl << trail;
        }
        prevLead = NO_LEAD;
      } else {
        if (flag === 3) prevLead = LEAD_ROUND[br.bits(3)]!;
        else if (prevLead === NO_LEAD) throw malformed('XOR reuses a leading count it does not have');
        xl = br.bits(32);
        xh = br.bits(32 - prevLead);
      }
      ph = (ph ^ xh) >>> 0;
      pl = (pl ^ xl) >>> 0;
      if (f32 && pl !== 0) throw malformed('float32 XOR sets low bits');
    } else prevLead = NO_LEAD;
    put(i);
    if (br.pos > br.limit) break;
  }
  br.check();
  // The stream must end in its last byte.
  if ((br.pos + 7) >>> 3 !== nBytes) throw malformed('trailing bytes');
  return out;
}
