/**
 * The header of NumPy's `.npy` format (numpy.lib.format, versions 1.0, 2.0 and 3.0):
 *
 *   6 bytes  magic `\x93NUMPY`
 *   2 bytes  major, minor version
 *   2 or 4   little-endian header length (u16 in 1.0, u32 in 2.0 and 3.0)
 *   header   a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`,
 *            ASCII (1.0, 2.0) or UTF-8 (3.0), padded with spaces and ended by `\n`
 *   data     the array's bytes
 *
 * Reading never trusts a length or a nesting depth: every malformed header is `NPY_MALFORMED`.
 */
import { KeeprError } from '../errors.js';

/** The six magic bytes every `.npy` file starts with. */
export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/** The header of a `.npy` file. */
export interface NpyHeader {
  /** Format version, `1.0`, `2.0` or `3.0`. */
  readonly version: '1.0' | '2.0' | '3.0';
  /** The dtype string, such as `<f8` or `<M8[us]`. */
  readonly descr: string;
  /** True when the data is in column-major (Fortran) order. */
  readonly fortranOrder: boolean;
  /** The array's dimensions (empty for a scalar). */
  readonly shape: readonly number[];
  /** Offset of the first data byte. */
  readonly dataOffset: number;
}

/** Longest header keepr reads; NumPy itself refuses headers over 10,000 bytes by default. */
const MAX_HEADER_BYTES = 1 << 20;
/** Deepest nesting of literals (structured dtypes nest; keepr rejects them anyway). */
const MAX_DEPTH = 16;
/** NumPy aligns the data to this many bytes. */
const ALIGN = 64;

/** An `NPY_MALFORMED` error with a reason. */
export function npyMalformed(reason: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('NPY_MALFORMED', `malformed .npy: ${reason}`, { details: { reason, ...details } });
}

/** A Python literal as found in `.npy` headers. */
type PyValue = string | number | boolean | null | PyValue[] | PyDict;
/** A Python dict literal with string keys. */
interface PyDict {
  readonly dict: Map<string, PyValue>;
}

/** A recursive-descent reader of the Python literal subset `.npy` headers use. */
class LiteralParser {
  #at = 0;
  constructor(private readonly text: string) {}

  parseAll(): PyValue {
    const value = this.#value(0);
    this.#skipSpace();
    if (this.#at !== this.text.length) throw npyMalformed('unexpected text after the header dict', { at: this.#at });
    return value;
  }

  #skipSpace(): void {
    while (this.#at < this.text.length && ' \t\r\n'.includes(this.text[this.#at]!)) this.#at++;
  }

  #value(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw npyMalformed('header literal nests too deep');
    this.#skipSpace();
    const c = this.text[this.#at];
    if (c === undefined) throw npyMalformed('header ends inside a literal');
    if (c === "'" || c === '"') return this.#string(c);
    if (c === '{') return this.#dict(depth);
    if (c === '(' || c === '[') return this.#sequence(c === '(' ? ')' : ']', depth);
    if (c === '-' || (c >= '0' && c <= '9')) return this.#integer();
    for (const [word, value] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return value;
      }
    }
    throw npyMalformed(`unexpected character ${JSON.stringify(c)} in the header`, { at: this.#at });
  }

  #string(quote: string): string {
    let out = '';
    for (this.#at++; this.#at < this.text.length; this.#at++) {
      const c = this.text[this.#at]!;
      if (c === quote) {
        this.#at++;
        return out;
      }
      if (c === '\\') {
        const next = this.text[++this.#at];
        // Only the escapes a dtype or field name could need; anything fancier is not a header.
        if (next !== '\\' && next !== "'" && next !== '"') throw npyMalformed('unsupported escape in a header string');
        out += next;
      } else if (c === '\n') {
        throw npyMalformed('line break inside a header string');
      } else {
        out += c;
      }
    }
    throw npyMalformed('unterminated string in the header');
  }

  #integer(): number {
    const m = /^-?\d{1,20}[Ll]?/.exec(this.text.slice(this.#at, this.#at + 22));
    if (m === null) throw npyMalformed('bad integer in the header', { at: this.#at });
    this.#at += m[0].length;
    // The `L` suffix comes from files written by Python 2.
    const value = Number(m[0].replace(/[Ll]$/, ''));
    if (!Number.isSafeInteger(value)) throw npyMalformed('integer out of range in the header');
    return value;
  }

  #sequence(close: string, depth: number): PyValue[] {
    const items: PyValue[] = [];
    this.#at++;
    for (;;) {
      this.#skipSpace();
      if (this.text[this.#at] === close) {
        this.#at++;
        return items;
      }
      items.push(this.#value(depth + 1));
      this.#skipSpace();
      const c = this.text[this.#at];
      if (c === ',') this.#at++;
      else if (c !== close) throw npyMalformed(`expected , or ${close} in the header`, { at: this.#at });
    }
  }

  #dict(depth: number): PyDict {
    const dict = new Map<string, PyValue>();
    this.#at++;
    for (;;) {
      this.#skipSpace();
      if (this.text[this.#at] === '}') {
        this.#at++;
        return { dict };
      }
      const key = this.#value(depth + 1);
      if (typeof key !== 'string') throw npyMalformed('header dict keys must be strings');
      this.#skipSpace();
      if (this.text[this.#at] !== ':') throw npyMalformed('expected : in the header dict', { at: this.#at });
      this.#at++;
      if (dict.has(key)) throw npyMalformed(`header key ${JSON.stringify(key)} repeats`);
      dict.set(key, this.#value(depth + 1));
      this.#skipSpace();
      const c = this.text[this.#at];
      if (c === ',') this.#at++;
      else if (c !== '}') throw npyMalformed('expected , or } in the header dict', { at: this.#at });
    }
  }
}

function isDict(value: PyValue): value is PyDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks the magic, version and header dict of a `.npy` file. */
export function readNpyHeader(bytes: Uint8Array): NpyHeader {
  if (!(bytes instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', '.npy input must be a Uint8Array');
  if (bytes.length < 10) throw npyMalformed('shorter than the fixed header');
  for (let i = 0; i < NPY_MAGIC.length; i++) if (bytes[i] !== NPY_MAGIC[i]) throw npyMalformed('bad magic (not a .npy file)');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw npyMalformed(`unknown format version ${major}.${minor}`, { version: `${major}.${minor}` });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw npyMalformed('shorter than the fixed header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (headerLength > MAX_HEADER_BYTES) throw npyMalformed(`header of ${headerLength} bytes is too long`);
  if (start + headerLength > bytes.length) throw npyMalformed('truncated header');
  const raw = bytes.subarray(start, start + headerLength);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw npyMalformed('header is not valid UTF-8');
    }
  } else {
    if (raw.some((b) => b > 0x7f)) throw npyMalformed('header is not ASCII (versions 1.0 and 2.0)');
    text = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
  }
  const parsed = new LiteralParser(text).parseAll();
  if (!isDict(parsed)) throw npyMalformed('header is not a dict');
  const keys = [...parsed.dict.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw npyMalformed('header dict must have exactly the keys descr, fortran_order and shape', { keys });
  }
  const descr = parsed.dict.get('descr')!;
  const fortran = parsed.dict.get('fortran_order')!;
  const shape = parsed.dict.get('shape')!;
  if (typeof fortran !== 'boolean') throw npyMalformed('fortran_order must be True or False');
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number' && d >= 0)) {
    throw npyMalformed('shape must be a tuple of non-negative integers');
  }
  // A list or dict descr is a structured dtype: well-formed, but not something keepr maps.
  const descrText = typeof descr === 'string' ? descr : JSON.stringify(descr);
  return { version: `${major}.0`, descr: descrText, fortranOrder: fortran, shape, dataOffset: start + headerLength };
}

/** Formats a shape as Python prints a tuple: `()`, `(3,)`, `(2, 3)`. */
function pyTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]!},)`;
  return `(${shape.join(', ')})`;
}

/**
 * The bytes of a `.npy` header (C order) as NumPy writes them: version 1.0 unless the header
 * needs more than 65,535 bytes, padded with spaces so the data starts at a multiple of 64.
 */
export function writeNpyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pyTuple(shape)}, }`;
  for (const major of [1, 2]) {
    const prefix = 8 + (major === 1 ? 2 : 4);
    // Like numpy.lib.format: pad to the alignment counting the final newline (1 to 64 spaces).
    const pad = ALIGN - ((prefix + dict.length + 1) % ALIGN);
    const headerLength = dict.length + pad + 1;
    if (major === 1 && headerLength > 0xffff) continue;
    const out = new Uint8Array(prefix + headerLength);
    out.set(NPY_MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (major === 1) view.setUint16(8, headerLength, true);
    else view.setUint32(8, headerLength, true);
    Buffer.from(out.buffer, prefix).write(`${dict}${' '.repeat(pad)}\n`, 'latin1');
    return out;
  }
  throw new KeeprError('NPY_UNSUPPORTED', 'the .npy header would be too long');
}
