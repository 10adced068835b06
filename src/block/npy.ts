/**
 * NumPy `.npy` files to and from blocks. Reading maps NumPy dtypes onto keepr cell types (see
 * the table in docs/cli.md): booleans, signed and unsigned integers, floats (float16 widened to
 * float32), datetime64 in any unit (converted to keepr's microseconds) and fixed-width unicode
 * strings. Big-endian data is swapped to keepr's little-endian cells and Fortran-order data is
 * transposed to row-major. Anything else (complex, structured, object, bytes, timedelta) is
 * `NPY_UNSUPPORTED`; bytes that are not a well-formed `.npy` file are `NPY_MALFORMED`.
 */
import { KeeprError } from '../errors.js';
import type { AttributesInit } from './attributes.js';
import { Block } from './block.js';
import { MAX_RANK, NA_INT64, type CellType } from './cell-type.js';
import { MAX_EMPTY_EXTENT } from './layout.js';
import { npyMalformed, readNpyHeader, writeNpyHeader } from './npy-header.js';

export { readNpyHeader, type NpyHeader } from './npy-header.js';

/** Media type commonly used for `.npy` files. */
export const NPY_MEDIA_TYPE = 'application/x-npy';

/** Options of {@link decodeNpy}. */
export interface DecodeNpyOptions {
  /** Attributes for the new block (a file name, a kind...). */
  readonly attributes?: AttributesInit;
}

/** A dtype keepr can read: the cell type it becomes and how its items are laid out. */
interface NpyDtype {
  readonly type: CellType;
  /** `f2`: half floats, widened to float32. */
  readonly half: boolean;
  readonly bigEndian: boolean;
  /** Bytes per item in the file. */
  readonly itemSize: number;
  /** datetime64: microseconds per tick as a fraction `num / den`, or a calendar unit. */
  readonly time?: { readonly num: bigint; readonly den: bigint } | { readonly calendar: 'Y' | 'M'; readonly mult: number };
}

function unsupported(reason: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('NPY_UNSUPPORTED', `cannot map this .npy to a block: ${reason}`, { details: { reason, ...details } });
}

const INT_TYPES: Readonly<Record<string, CellType>> = { i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64', u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64' };

/** Microseconds per datetime64 unit as `[num, den]`; Y and M are calendar units, handled apart. */
const TIME_UNITS: Readonly<Record<string, readonly [bigint, bigint]>> = {
  W: [604_800_000_000n, 1n],
  D: [86_400_000_000n, 1n],
  h: [3_600_000_000n, 1n],
  m: [60_000_000n, 1n],
  s: [1_000_000n, 1n],
  ms: [1000n, 1n],
  us: [1n, 1n],
  μs: [1n, 1n],
  ns: [1n, 1000n],
  ps: [1n, 1_000_000n],
  fs: [1n, 1_000_000_000n],
  as: [1n, 1_000_000_000_000n],
};

/** Parses a dtype string (`<f8`, `>i4`, `|b1`, `<M8[ns]`, `<U12`) into what keepr needs. */
function parseDescr(descr: string): NpyDtype {
  const m = /^([<>|=])([a-zA-Z])(\d+)(?:\[(\d*)([A-Za-zμ]+)\])?$/.exec(descr);
  if (m === null) throw unsupported(`dtype ${descr} (structured, object or unknown dtypes have no cell type)`, { descr });
  const [, order, kind, sizeText, multText, unit] = m as unknown as [string, string, string, string, string | undefined, string | undefined];
  // NumPy always writes '<', '>' or '|'; '=' (native) would depend on the machine that wrote it.
  if (order === '=') throw unsupported(`dtype ${descr}: native byte order is ambiguous in a file`, { descr });
  const size = Number(sizeText);
  const bigEndian = order === '>';
  const code = `${kind}${sizeText}`;
  if (unit !== undefined && kind !== 'M') throw unsupported(`dtype ${descr}`, { descr });
  if (code === 'b1') return { type: 'bool', half: false, bigEndian: false, itemSize: 1 };
  const intType = INT_TYPES[code];
  if (intType !== undefined) return { type: intType, half: false, bigEndian, itemSize: size };
  if (code === 'f2' || code === 'f4') return { type: 'float32', half: code === 'f2', bigEndian, itemSize: size };
  if (code === 'f8') return { type: 'float64', half: false, bigEndian, itemSize: 8 };
  if (kind === 'U') {
    if (size > 0x3fffffff) throw unsupported(`dtype ${descr}: strings too wide`, { descr });
    return { type: 'string', half: false, bigEndian, itemSize: 4 * size };
  }
  if (code === 'M8') {
    if (unit === undefined) throw unsupported('datetime64 without a unit', { descr });
    const mult = multText === undefined || multText === '' ? 1 : Number(multText);
    if (!Number.isSafeInteger(mult) || mult < 1) throw unsupported(`dtype ${descr}: bad unit multiplier`, { descr });
    if (unit === 'Y' || unit === 'M') return { type: 'time', half: false, bigEndian, itemSize: 8, time: { calendar: unit, mult } };
    const factor = TIME_UNITS[unit];
    if (factor === undefined) throw unsupported(`dtype ${descr}: unknown datetime64 unit ${unit}`, { descr });
    return { type: 'time', half: false, bigEndian, itemSize: 8, time: { num: factor[0] * BigInt(mult), den: factor[1] } };
  }
  throw unsupported(`dtype ${descr} (${kindName(kind)})`, { descr });
}

function kindName(kind: string): string {
  const names: Readonly<Record<string, string>> = { c: 'complex', m: 'timedelta64', S: 'byte strings', a: 'byte strings', V: 'void/structured', O: 'Python objects' };
  return names[kind] ?? 'no keepr cell type';
}

/** Reorders items of a column-major array into row-major order. */
function fortranToC(data: Uint8Array, shape: readonly number[], itemSize: number, count: number): Uint8Array {
  const rank = shape.length;
  if (rank < 2 || count === 0) return data;
  const out = new Uint8Array(data.length);
  const fstride: number[] = [];
  let s = 1;
  for (const d of shape) {
    fstride.push(s);
    s *= d;
  }
  const idx = new Array<number>(rank).fill(0);
  let f = 0;
  for (let i = 0; i < count; i++) {
    out.set(data.subarray(f * itemSize, (f + 1) * itemSize), i * itemSize);
    // Advance the row-major counter (last index fastest), keeping the Fortran offset in step.
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]!++;
      f += fstride[k]!;
      if (idx[k]! < shape[k]!) break;
      f -= idx[k]! * fstride[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

/** Widens an IEEE 754 half float to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const INT64_MAX = 2n ** 63n - 1n;

/** Converts datetime64 ticks to keepr microseconds; NaT stays NA; floor for finer units. */
function ticksToMicros(ticks: bigint, time: NonNullable<NpyDtype['time']>, index: number): bigint {
  if (ticks === NA_INT64) return NA_INT64;
  let us: bigint;
  if ('calendar' in time) {
    const n = Number(ticks) * time.mult;
    const d = new Date(0);
    if (time.calendar === 'Y') d.setUTCFullYear(1970 + n, 0, 1);
    else d.setUTCFullYear(1970, n, 1);
    const ms = d.getTime();
    if (!Number.isSafeInteger(n) || Number.isNaN(ms)) throw unsupported(`datetime cell ${index} is outside keepr's time range`, { cell: index });
    us = BigInt(ms) * 1000n;
  } else {
    const n = ticks * time.num;
    us = n / time.den;
    if (n % time.den !== 0n && n < 0n) us -= 1n;
  }
  if (us > INT64_MAX || us <= NA_INT64) throw unsupported(`datetime cell ${index} is outside keepr's time range`, { cell: index });
  return us;
}

/** Converts the file's items (already row-major) into the cell data of `dtype.type`. */
function cellData(dtype: NpyDtype, data: Uint8Array, count: number): ArrayBufferView | string[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = !dtype.bigEndian;
  const size = dtype.itemSize;
  switch (dtype.type) {
    case 'bool':
      // NumPy reads any non-zero byte as True; keepr bools are exactly 0 or 1.
      return data.map((b) => (b === 0 ? 0 : 1));
    case 'string': {
      const out: string[] = [];
      const chars = size / 4;
      for (let i = 0; i < count; i++) {
        const points: number[] = [];
        for (let j = 0; j < chars; j++) points.push(view.getUint32(i * size + 4 * j, le));
        // NumPy pads with NUL code points and strips them when reading.
        while (points.length > 0 && points[points.length - 1] === 0) points.pop();
        for (const p of points) if (p > 0x10ffff || (p >= 0xd800 && p <= 0xdfff)) throw npyMalformed(`string cell ${i} holds an invalid code point`, { cell: i });
        out.push(String.fromCodePoint(...points));
      }
      return out;
    }
    case 'time': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = ticksToMicros(view.getBigInt64(8 * i, le), dtype.time!, i);
      return out;
    }
    case 'float32':
      if (dtype.half) return Float32Array.from({ length: count }, (_, i) => halfToNumber(view.getUint16(2 * i, le)));
      break;
    default:
      break;
  }
  // Fixed-size numbers: copy into an aligned buffer, swapping bytes when the file is big-endian.
  const out = new Uint8Array(count * size);
  if (le || size === 1) out.set(data);
  else for (let i = 0; i < count * size; i += size) for (let j = 0; j < size; j++) out[i + j] = data[i + size - 1 - j]!;
  switch (dtype.type) {
    case 'int8':
      return new Int8Array(out.buffer);
    case 'int16':
      return new Int16Array(out.buffer);
    case 'int32':
      return new Int32Array(out.buffer);
    case 'int64':
      return new BigInt64Array(out.buffer);
    case 'uint16':
      return new Uint16Array(out.buffer);
    case 'uint32':
      return new Uint32Array(out.buffer);
    case 'uint64':
      return new BigUint64Array(out.buffer);
    case 'float32':
      return new Float32Array(out.buffer);
    case 'float64':
      return new Float64Array(out.buffer);
    default:
      return out;
  }
}

/**
 * Reads a `.npy` file into a block. Values that equal a keepr NA sentinel (INT32_MIN in an
 * int32 array, NaT in a datetime64 array, R's NA NaN payload in a float array) read as NA.
 */
export function decodeNpy(bytes: Uint8Array, options: DecodeNpyOptions = {}): Block {
  const header = readNpyHeader(bytes);
  const dtype = parseDescr(header.descr);
  const { shape } = header;
  // Check the data length before anything else: a truncated file is malformed whatever it holds.
  let count = 1;
  for (const d of shape) count *= d;
  const available = bytes.length - header.dataOffset;
  if (count * dtype.itemSize !== available) {
    throw npyMalformed(`data is ${available} bytes but shape (${shape.join(', ')}) of ${header.descr} needs ${count * dtype.itemSize}`, { expected: count * dtype.itemSize, actual: available });
  }
  if (shape.length > MAX_RANK) throw unsupported(`rank ${shape.length} is above keepr's ${MAX_RANK}`, { rank: shape.length });
  if (shape.some((d) => d > 0xffffffff) || count > 0xffffffff) throw unsupported('a dimension or the cell count is above 2^32-1');
  if (count === 0 && shape.reduce((a, d) => a * (d === 0 ? 1 : d), 1) > MAX_EMPTY_EXTENT) {
    throw unsupported(`an empty array's non-zero dimensions may multiply to at most ${MAX_EMPTY_EXTENT}`);
  }
  let data = bytes.subarray(header.dataOffset);
  if (header.fortranOrder) data = fortranToC(data, shape, dtype.itemSize, count);
  return Block.create({ type: dtype.type, shape: [...shape], data: cellData(dtype, data, count), attributes: options.attributes });
}

/** The dtype string NumPy uses for the cells of each fixed-size cell type. */
const DESCR: Partial<Record<CellType, string>> = {
  bool: '|b1',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  uint16: '<u2',
  uint32: '<u4',
  uint64: '<u8',
  float32: '<f4',
  float64: '<f8',
  time: '<M8[us]',
  bytes: '|u1',
};

/** The `<U` items of string cells (string blocks, or factor labels): NUL-padded UCS-4. */
function unicodeItems(cells: readonly (string | null)[]): { descr: string; data: Uint8Array } {
  const points = cells.map((s, i) => {
    if (s === null) throw unsupported(`string cell ${i} is NA, which .npy unicode arrays cannot hold`, { cell: i });
    return Array.from(s, (c) => c.codePointAt(0)!);
  });
  const chars = Math.max(1, ...points.map((p) => p.length));
  const data = new Uint8Array(4 * chars * cells.length);
  const view = new DataView(data.buffer);
  points.forEach((p, i) => {
    p.forEach((c, j) => {
      view.setUint32(4 * (chars * i + j), c, true);
    });
  });
  return { descr: `<U${chars}`, data };
}

/**
 * Writes a block as a `.npy` file (version 1.0, C order). NA cells keep their keepr bit
 * patterns (INT_MIN, NaT, the NA NaN), which NumPy reads as ordinary values; bool NA, string NA
 * and tuples have no `.npy` form (`NPY_UNSUPPORTED`). Factors are written as their labels.
 */
export function encodeNpy(block: Block): Uint8Array {
  let descr = DESCR[block.type];
  let data: Uint8Array;
  if (descr !== undefined) {
    if (block.type === 'bool' && block.hasNA) throw unsupported('a bool block with NA cells has no .npy form');
    data = block.data();
  } else if (block.type === 'string' || block.type === 'factor') {
    ({ descr, data } = unicodeItems(block.strings()));
  } else {
    throw unsupported(`a ${block.type} block has no .npy form`, { type: block.type });
  }
  const header = writeNpyHeader(descr, block.shape);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}
