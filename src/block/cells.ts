/**
 * Cell-level rules shared by the encoder and the decoder: NA detection and which cell values
 * are allowed, so that a block's has-NA flag and its cells can be checked in one place.
 */
import { NA_BOOL, NA_FLOAT32_BITS, NA_FLOAT64_WORDS, NA_INT16, NA_INT32, NA_INT8, type CellTypeInfo } from './cell-type.js';

/**
 * Scans `count` cells at `offset` of `bytes` and reports whether any is NA. Returns `'invalid'`
 * when a cell holds a value its type forbids (a bool other than 0, 1 or NA). String and factor
 * cells are checked by their own validators, so only their NA presence is reported here.
 */
export function scanCells(type: CellTypeInfo, bytes: Uint8Array, offset: number, count: number): boolean | 'invalid' {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * type.size);
  switch (type.name) {
    case 'bool': {
      let na = false;
      for (let i = 0; i < count; i++) {
        const v = view.getUint8(i);
        if (v === NA_BOOL) na = true;
        else if (v > 1) return 'invalid';
      }
      return na;
    }
    case 'int8':
      for (let i = 0; i < count; i++) if (view.getInt8(i) === NA_INT8) return true;
      return false;
    case 'int16':
      for (let i = 0; i < count; i++) if (view.getInt16(2 * i, true) === NA_INT16) return true;
      return false;
    case 'int32':
    case 'factor':
      for (let i = 0; i < count; i++) if (view.getInt32(4 * i, true) === NA_INT32) return true;
      return false;
    case 'int64':
    case 'time':
      // INT64_MIN: low word 0, high word 0x80000000.
      for (let i = 0; i < count; i++) {
        if (view.getUint32(8 * i + 4, true) === 0x80000000 && view.getUint32(8 * i, true) === 0) return true;
      }
      return false;
    case 'float32': {
      let na = false;
      for (let i = 0; i < count; i++) {
        const bits = view.getUint32(4 * i, true);
        if (bits === NA_FLOAT32_BITS) na = true;
        else if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0 && bits !== NAN_FLOAT32_BITS) return 'invalid';
      }
      return na;
    }
    case 'float64': {
      let na = false;
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(8 * i, true);
        const hi = view.getUint32(8 * i + 4, true);
        if (lo === NA_FLOAT64_WORDS.lo && hi === NA_FLOAT64_WORDS.hi) na = true;
        else if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0x000fffff) !== 0 || lo !== 0) && !(hi === NAN_FLOAT64_HI && lo === 0)) return 'invalid';
      }
      return na;
    }
    case 'string':
      for (let i = 0; i < count; i++) if (view.getUint32(4 * i, true) === 0) return true;
      return false;
    default:
      // uint*, bytes and tuples have no NA.
      return false;
  }
}

/** The one canonical float32 NaN (quiet, positive, no payload). */
export const NAN_FLOAT32_BITS = 0x7fc00000;
/** High word of the one canonical float64 NaN 0x7FF8000000000000 (low word 0). */
export const NAN_FLOAT64_HI = 0x7ff80000;

/** Writes the canonical NaN of a float type at `at`. */
export function setCanonicalNaNAt(type: CellTypeInfo, view: DataView, at: number): void {
  if (type.name === 'float32') {
    view.setUint32(at, NAN_FLOAT32_BITS, true);
  } else {
    view.setUint32(at, 0, true);
    view.setUint32(at + 4, NAN_FLOAT64_HI, true);
  }
}

/** Rewrites, in place, every NaN of little-endian float cells that is not NA as the canonical NaN. */
export function canonicalizeNaNs(type: CellTypeInfo, cells: Uint8Array): void {
  const view = new DataView(cells.buffer, cells.byteOffset, cells.byteLength);
  const size = type.size;
  for (let at = 0; at + size <= cells.length; at += size) {
    if (size === 4) {
      const bits = view.getUint32(at, true);
      if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0 && bits !== NA_FLOAT32_BITS) setCanonicalNaNAt(type, view, at);
    } else {
      const lo = view.getUint32(at, true);
      const hi = view.getUint32(at + 4, true);
      const nan = (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0x000fffff) !== 0 || lo !== 0);
      if (nan && !(lo === NA_FLOAT64_WORDS.lo && hi === NA_FLOAT64_WORDS.hi)) setCanonicalNaNAt(type, view, at);
    }
  }
}

/** True when a float64 held in `view` at `at` is the NA bit pattern. */
export function isNAFloat64At(view: DataView, at: number): boolean {
  return view.getUint32(at, true) === NA_FLOAT64_WORDS.lo && view.getUint32(at + 4, true) === NA_FLOAT64_WORDS.hi;
}

/** Writes the float64 NA bit pattern. */
export function setNAFloat64At(view: DataView, at: number): void {
  view.setUint32(at, NA_FLOAT64_WORDS.lo, true);
  view.setUint32(at + 4, NA_FLOAT64_WORDS.hi, true);
}

/** True when the float64 `x` carries the NA bit pattern (NaN payloads survive typed-array copies). */
export function isNAFloat64(x: number): boolean {
  if (!Number.isNaN(x)) return false;
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x, true);
  return isNAFloat64At(v, 0);
}

/** True when `text` holds a lone UTF-16 surrogate, which UTF-8 cannot carry. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
