/**
 * Instrument rows as one keepr tuple block (`application/vnd.keepr.block`), the binary form the
 * HTTP routes answer and take and the client uses both ways, so values cross bit for bit (NaN
 * payloads, −0, NA sentinels). Items, in this order (docs/http-api.md, "Instruments"):
 * - `time`: a `time` block of µs, or a `float64` block of ms; or `key`: a `string` block of
 *   UTF-8 keys, or a `uint8` block of all key bytes end to end with `keyEnds`, a `uint32` block
 *   of each key's end offset (binary keys);
 * - `value`: a block of the instrument's cell type; or, for a downsample, `every` (an `int64`
 *   scalar) and one `float64` item per aggregate; or, for aligned rows, `columns`: a tuple of
 *   one value block per instrument, by name.
 */
import { Block } from '../block/index.js';
import { KeeprError, isKeeprError } from '../errors.js';
import type { AlignedRows, DownsampleOp, DownsampleResult, InstrumentType, InstrumentValues } from '../instrument/instrument-types.js';
import { DOWNSAMPLE_OPS, INSTRUMENT_TYPES } from '../instrument/instrument-types.js';

/** The index column of a frame to encode: times (µs or ms) or keys (strings, bytes, or both: then all as bytes). */
export interface FrameIndex {
  readonly times?: BigInt64Array | Float64Array;
  readonly keys?: readonly (string | Uint8Array)[];
}

/** A decoded frame: its index, and every value item by name. */
export interface Frame {
  readonly times?: BigInt64Array | Float64Array;
  /** Strings when the block carries a string key column, bytes when it carries key bytes. */
  readonly keys?: string[] | Uint8Array[];
  readonly items: Map<string, Block>;
}

function malformed(why: string): KeeprError {
  return new KeeprError('HTTP_BODY_MALFORMED', `the instrument block ${why}`, { details: { reason: why } });
}

/** The `kind` attribute of a uint64 or uint32 block that carries float64 or float32 bit patterns. */
export const FLOAT_BITS_KIND = { float64: 'float64-bits', float32: 'float32-bits' } as const;

/**
 * A block of `type` holding `values` exactly. Float cells travel as their bit patterns (a
 * `uint64` or `uint32` block with the `kind` attribute `float64-bits` or `float32-bits`):
 * blocks keep only the canonical NaN, instruments keep every NaN payload.
 */
export function valuesBlock(type: InstrumentType, values: InstrumentValues | readonly unknown[]): Block {
  if (values instanceof Float64Array) return Block.create({ type: 'uint64', shape: [values.length], data: new BigUint64Array(values.buffer, values.byteOffset, values.length), attributes: { kind: FLOAT_BITS_KIND.float64 } });
  if (values instanceof Float32Array) return Block.create({ type: 'uint32', shape: [values.length], data: new Uint32Array(values.buffer, values.byteOffset, values.length), attributes: { kind: FLOAT_BITS_KIND.float32 } });
  const data = values as Parameters<typeof Block.create>[0]['data'];
  return Block.create({ type, shape: [values.length], data });
}

/**
 * The values a block holds, as an instrument takes them: a typed array of the block's cells (a
 * copy, aligned; float bit patterns as floats), or strings with null for NA for string and
 * factor blocks.
 */
export function blockValues(block: Block): InstrumentValues {
  if (block.type === 'string' || block.type === 'factor') return block.strings();
  const kind = block.attribute('kind');
  if (kind === FLOAT_BITS_KIND.float64 && block.type === 'uint64' && block.rank === 1) return new Float64Array((block.values() as BigUint64Array).slice().buffer);
  if (kind === FLOAT_BITS_KIND.float32 && block.type === 'uint32' && block.rank === 1) return new Float32Array((block.values() as Uint32Array).slice().buffer);
  if (!(INSTRUMENT_TYPES as readonly string[]).includes(block.type)) throw malformed(`has a ${block.type} value item, which no instrument holds`);
  if (block.rank !== 1) throw malformed('has a value item that is not one-dimensional');
  return (block.values() as InstrumentValues & { slice(): InstrumentValues }).slice();
}

const utf8 = new TextEncoder();

/** The items of an index column. */
function indexItems(index: FrameIndex): [string, Block][] {
  if (index.times !== undefined) {
    return [['time', index.times instanceof BigInt64Array ? Block.create({ type: 'time', shape: [index.times.length], data: index.times }) : Block.create({ type: 'float64', shape: [index.times.length], data: index.times })]];
  }
  const keys = index.keys ?? [];
  if ((keys as (string | Uint8Array)[]).every((k) => typeof k === 'string')) return [['key', Block.create({ type: 'string', shape: [keys.length], data: keys as string[] })]];
  const bytes = (keys as (string | Uint8Array)[]).map((k) => (typeof k === 'string' ? utf8.encode(k) : k));
  const ends = new Uint32Array(bytes.length);
  let total = 0;
  bytes.forEach((k, i) => {
    total += k.length;
    ends[i] = total;
  });
  const all = new Uint8Array(total);
  bytes.forEach((k, i) => { all.set(k, i === 0 ? 0 : ends[i - 1]); });
  return [
    ['key', Block.create({ type: 'uint8', shape: [total], data: all })],
    ['keyEnds', Block.create({ type: 'uint32', shape: [ends.length], data: ends })],
  ];
}

/** One tuple block: the index column, then the given items. */
export function encodeFrame(index: FrameIndex, items: readonly (readonly [string, Block])[]): Block {
  return Block.tuple([...indexItems(index), ...items]);
}

/** Reads the index column of a frame's items (keys as bytes when the block carries them as bytes). */
function readIndex(items: Map<string, Block>): Omit<Frame, 'items'> {
  const time = items.get('time');
  if (time !== undefined) {
    if (time.type === 'time' && time.rank === 1) return { times: (time.values() as BigInt64Array).slice() };
    if (time.type === 'float64' && time.rank === 1) return { times: (time.values() as Float64Array).slice() };
    if (time.type === 'int64' && time.rank === 1) return { times: new BigInt64Array((time.values() as BigInt64Array).slice().buffer) };
    throw malformed('has a time item that is not a time, int64 or float64 column');
  }
  const key = items.get('key');
  if (key === undefined) return {};
  if (key.type === 'string' && key.rank === 1) {
    const keys = key.strings();
    if (keys.includes(null)) throw malformed('has an NA key');
    return { keys: keys as string[] };
  }
  const ends = items.get('keyEnds');
  if (key.type !== 'uint8' || key.rank !== 1 || ends === undefined || ends.type !== 'uint32' || ends.rank !== 1) throw malformed('has a key item that is neither strings nor uint8 bytes with uint32 keyEnds');
  const all = key.values() as Uint8Array;
  const keys: Uint8Array[] = [];
  let start = 0;
  for (const end of ends.values() as Uint32Array) {
    if (end < start || end > all.length) throw malformed('has keyEnds out of order or past the key bytes');
    keys.push(all.slice(start, end));
    start = end;
  }
  if (start !== all.length) throw malformed('has key bytes after the last keyEnds offset');
  return { keys };
}

/** Decodes untrusted bytes as a frame (`HTTP_BODY_MALFORMED` unless a tuple block). */
export function decodeFrame(bytes: Uint8Array): Frame {
  let block: Block;
  try {
    block = Block.decode(bytes);
  } catch (err) {
    if (isKeeprError(err)) throw new KeeprError('HTTP_BODY_MALFORMED', `the body is not a keepr block: ${err.message}`, { cause: err, details: { reason: err.code } });
    throw err;
  }
  if (block.type !== 'tuple') throw malformed(`is a ${block.type} block, not a tuple`);
  const items = block.items();
  return { ...readIndex(items), items };
}

/** A downsample result from a frame that has `every`. */
export function downsampleOfFrame(frame: Frame): DownsampleResult {
  const every = frame.items.get('every');
  if (every === undefined || every.type !== 'int64') throw malformed('has no int64 every item');
  const columns: Partial<Record<DownsampleOp, Float64Array>> = {};
  // In the order the block has them (the order of ops).
  for (const [op, column] of frame.items) {
    if ((DOWNSAMPLE_OPS as readonly string[]).includes(op)) {
      const values = blockValues(column);
      if (!(values instanceof Float64Array)) throw malformed(`has a ${op} item that is not float64`);
      columns[op as DownsampleOp] = values;
    }
  }
  return { times: frame.times ?? new BigInt64Array(0), every: (every.values() as BigInt64Array)[0]!, columns };
}

/** Aligned rows as a frame: the index, then `columns` as a tuple of value blocks by name. */
export function alignedFrame(rows: AlignedRows, types: ReadonlyMap<string, InstrumentType>): Block {
  const columns = Object.entries(rows.columns).map(([name, values]) => [name, valuesBlock(types.get(name) ?? 'float64', values)] as const);
  return encodeFrame(rows.times !== undefined ? { times: rows.times } : { keys: rows.keys ?? [] }, [['columns', Block.tuple(columns)]]);
}

/** Aligned rows from a frame. */
export function alignedOfFrame(frame: Frame): AlignedRows {
  const columns = frame.items.get('columns');
  if (columns === undefined || columns.type !== 'tuple') throw malformed('has no columns tuple');
  const out: Record<string, InstrumentValues> = {};
  for (const [name, block] of columns.items()) out[name] = blockValues(block);
  return { ...(frame.times === undefined ? {} : { times: frame.times }), ...(frame.keys === undefined ? {} : { keys: frame.keys }), columns: out };
}
