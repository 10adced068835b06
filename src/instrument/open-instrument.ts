/**
 * Opening, listing and dropping the instruments of a store: each is one engine namespace
 * `instrument:<name>` whose key 0x00 holds its metadata (JSON: format, type, index).
 */
import type { Engine } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { assertName } from '../keepr/names.js';
import { ChunkedColumn } from './chunked-column.js';
import { KEY_INDEX, TIME_INDEX } from './instrument-index.js';
import { INSTRUMENT_TYPES, type InstrumentIndex, type InstrumentOptions, type InstrumentType } from './instrument-types.js';
import { checkInstrumentOptions } from './instrument-values.js';
import { KeyedColumn } from './keyed-column.js';
import { TimeSeries } from './time-series.js';

/** Engine namespace prefix of instruments. */
export const INSTRUMENT_NS = 'instrument:';

/** Engine key of an instrument's metadata record. */
export const META_KEY = Uint8Array.of(0x00);

/** Instrument metadata format version. */
export const INSTRUMENT_FORMAT = 1;

/** What the metadata record holds. */
export interface InstrumentMeta {
  readonly format: number;
  readonly type: InstrumentType;
  readonly index: InstrumentIndex;
}

/** An opened instrument of either kind. */
export type Instrument = TimeSeries | KeyedColumn;

function parseMeta(name: string, bytes: Uint8Array): InstrumentMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new KeeprError('INSTRUMENT_CORRUPT', `instrument ${JSON.stringify(name)}: metadata is not JSON`, { details: { instrument: name }, cause: err });
  }
  const m = meta as Partial<InstrumentMeta> | null;
  if (m === null || typeof m !== 'object' || !(INSTRUMENT_TYPES as readonly unknown[]).includes(m.type) || (m.index !== 'time' && m.index !== 'key')) {
    throw new KeeprError('INSTRUMENT_CORRUPT', `instrument ${JSON.stringify(name)}: metadata names no valid type and index`, { details: { instrument: name } });
  }
  if (m.format !== INSTRUMENT_FORMAT) {
    throw new KeeprError('ENGINE_FORMAT_UNSUPPORTED', `instrument ${JSON.stringify(name)} has format ${String(m.format)}; this keepr reads format ${INSTRUMENT_FORMAT}`, { details: { instrument: name } });
  }
  return m as InstrumentMeta;
}

/** The error for a missing instrument. */
export function instrumentNotFound(name: string): KeeprError {
  return new KeeprError('INSTRUMENT_NOT_FOUND', `instrument ${JSON.stringify(name)} does not exist`, { details: { instrument: name } });
}

/** Reads an instrument's metadata; undefined when it does not exist. */
export async function readInstrumentMeta(engine: Engine, name: string): Promise<InstrumentMeta | undefined> {
  const namespace = INSTRUMENT_NS + name;
  if (!(await engine.hasNamespace(namespace))) return undefined;
  const bytes = await engine.get(namespace, META_KEY);
  return bytes === undefined ? undefined : parseMeta(name, bytes);
}

/** Checks that an instrument's kind is the one asked for. */
export function checkKind(name: string, meta: InstrumentMeta, options: InstrumentOptions): void {
  if ((options.type !== undefined && options.type !== meta.type) || (options.index !== undefined && options.index !== meta.index)) {
    throw new KeeprError(
      'INSTRUMENT_KIND_MISMATCH',
      `instrument ${JSON.stringify(name)} holds ${meta.type} by ${meta.index}, not ${options.type ?? meta.type} by ${options.index ?? meta.index}`,
      { details: { instrument: name, type: meta.type, index: meta.index } },
    );
  }
}

/** Opens (creating when asked and absent) the instrument `name` of an engine. */
export async function openInstrument(engine: Engine, name: string, options: InstrumentOptions = {}): Promise<Instrument> {
  assertName(name, 'instrument');
  checkInstrumentOptions(options);
  const namespace = INSTRUMENT_NS + name;
  let meta = await readInstrumentMeta(engine, name);
  if (meta === undefined) {
    if (options.create === false) throw instrumentNotFound(name);
    if (options.type === undefined) throw new KeeprError('ARGUMENT_INVALID', `instrument ${JSON.stringify(name)} does not exist; give its type to create it`, { details: { instrument: name } });
    const created: InstrumentMeta = { format: INSTRUMENT_FORMAT, type: options.type, index: options.index ?? 'time' };
    await engine.createNamespace(namespace);
    const value = new TextEncoder().encode(JSON.stringify(created));
    // Another process may create it at the same moment: the first metadata written wins.
    const outcome = await engine.write([
      { op: 'check', namespace, key: META_KEY, test: (cur) => cur === undefined },
      { op: 'put', namespace, key: META_KEY, value },
    ]);
    meta = outcome.committed ? created : await readInstrumentMeta(engine, name);
    if (meta === undefined) throw instrumentNotFound(name);
  }
  checkKind(name, meta, options);
  if (meta.index === 'time') return new TimeSeries(new ChunkedColumn(engine, namespace, name, meta.type, TIME_INDEX), name, meta.type);
  return new KeyedColumn(new ChunkedColumn(engine, namespace, name, meta.type, KEY_INDEX), name, meta.type);
}

/** Names of the instruments an engine holds, sorted. */
export async function listInstruments(engine: Engine): Promise<string[]> {
  return (await engine.listNamespaces())
    .filter((ns) => ns.startsWith(INSTRUMENT_NS))
    .map((ns) => ns.slice(INSTRUMENT_NS.length))
    .sort();
}
