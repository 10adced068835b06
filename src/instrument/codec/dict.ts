/**
 * String and factor columns by dictionary: the distinct strings in order of first appearance,
 * then one code per value through the integer stream (so long runs of one string cost almost
 * nothing). NA (null) has its own code after the strings, so it stays distinct from ''.
 */
import { hasLoneSurrogate } from '../../block/cells.js';
import { KeeprError } from '../../errors.js';
import { ByteReader, ByteWriter, MAX_COUNT, checkCount, malformed } from './byte-io.js';
import { doubles } from './int-columns.js';
import { ID, readIntStream, writeIntStream } from './int-stream.js';

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encodes strings (null = NA); ARGUMENT_INVALID for anything else or a lone surrogate. */
export function encodeDict(values: readonly (string | null)[]): Uint8Array {
  if (!Array.isArray(values)) throw new KeeprError('ARGUMENT_INVALID', 'string values must be an array of strings and nulls');
  const n = values.length;
  const codes = new Map<string, number>();
  const v = doubles(n);
  const naAt: number[] = [];
  for (let i = 0; i < n; i++) {
    const s: unknown = values[i];
    if (s === null) {
      naAt.push(i);
      continue;
    }
    if (typeof s !== 'string') throw new KeeprError('ARGUMENT_INVALID', `string value ${i} is neither a string nor null`, { details: { index: i } });
    let code = codes.get(s);
    if (code === undefined) {
      if (hasLoneSurrogate(s)) throw new KeeprError('ARGUMENT_INVALID', `string value ${i} holds a lone surrogate`, { details: { index: i } });
      code = codes.size;
      codes.set(s, code);
    }
    v[i] = code;
  }
  const d = codes.size;
  for (const i of naAt) v[i] = d;
  const w = new ByteWriter();
  w.byte(ID.dict);
  w.varint(d * 2 + (naAt.length > 0 ? 1 : 0));
  for (const s of codes.keys()) {
    const b = encoder.encode(s);
    w.varint(b.length);
    w.bytes(b);
  }
  writeIntStream(w, v, n);
  return w.finish();
}

/** Decodes `count` strings; CHUNK_MALFORMED on bad bytes, bad UTF-8 or a code out of range. */
export function decodeDict(bytes: Uint8Array, count: number): (string | null)[] {
  checkCount(count);
  const r = new ByteReader(bytes);
  if (r.byte() !== ID.dict) throw malformed('string columns use the dict codec');
  const head = r.varint();
  const d = Math.floor(head / 2);
  if (d > r.left || d > MAX_COUNT) throw malformed('dictionary size out of range');
  const dict: (string | null)[] = [];
  for (let k = 0; k < d; k++) {
    const len = r.varint();
    try {
      dict.push(strictUtf8.decode(r.view(len)));
    } catch (err) {
      if (err instanceof KeeprError) throw err;
      throw malformed('dictionary string is not UTF-8');
    }
  }
  if (head % 2 === 1) dict.push(null);
  const v = doubles(count);
  readIntStream(r, v, count, false);
  r.end();
  const out = new Array<string | null>(count);
  const size = dict.length;
  for (let i = 0; i < count; i++) {
    const c = v[i]!;
    if (!(c >= 0 && c < size)) throw malformed('dictionary code out of range');
    out[i] = dict[c]!;
  }
  return out;
}
