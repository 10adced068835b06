/**
 * Instruments over HTTP with the embedded API's types (`TimeSeriesApi`, `KeyedColumnApi`):
 * points travel both ways as one keepr tuple block (wire/instrument-frame.ts), so values arrive
 * bit for bit, NaN payloads and NA sentinels included. Kind checks and creation go through the
 * server's `PUT`, so a remote instrument is created and checked by the same code as an embedded one.
 */
import { KeeprError } from '../errors.js';
import type {
  AlignOptions,
  AlignedRows,
  DownsampleOptions,
  DownsampleResult,
  InstrumentApi,
  InstrumentInfo,
  InstrumentKey,
  InstrumentOptions,
  InstrumentType,
  InstrumentValues,
  InstrumentValuesInput,
  InstrumentWriteReport,
  KeyRange,
  KeyedColumnApi,
  KeyedRows,
  SeriesRows,
  TimeRange,
  TimesInput,
  TimeSeriesApi,
} from '../instrument/instrument-types.js';
import { alignedOfFrame, blockValues, decodeFrame, downsampleOfFrame, encodeFrame, valuesBlock, type Frame } from '../wire/instrument-frame.js';
import { keysIn, timeIn, timesIn } from '../instrument/instrument-index.js';
import { boundBytes, prefixBytes } from '../keepr/keys.js';
import { checkInstrumentOptions, valuesIn } from '../instrument/instrument-values.js';
import { assertName } from '../keepr/names.js';
import { toBase64Url } from '../wire/state-wire.js';
import { hasCode, type Transport } from './http.js';

const BLOCK = 'application/vnd.keepr.block';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The URL path of an instrument. */
export function instrumentPath(name: string, rest = ''): string {
  return `/v1/instruments/${encodeURIComponent(name)}${rest}`;
}

type Query = Record<string, string | number | boolean | undefined>;

/** A limit as the embedded reads check it (ARGUMENT_INVALID before any request). */
function limitOf(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer', { details: { limit: typeof limit } });
  return limit;
}

function orderQuery(range: { readonly reverse?: boolean; readonly limit?: number }): Query {
  const q: Query = {};
  if (range.reverse !== undefined) {
    if (typeof range.reverse !== 'boolean') throw new KeeprError('ARGUMENT_INVALID', 'reverse must be a boolean');
    q['reverse'] = range.reverse;
  }
  const limit = limitOf(range.limit);
  if (limit !== undefined) q['limit'] = limit;
  return q;
}

function timeQuery(range: TimeRange): Query {
  const q: Query = {};
  for (const name of ['gt', 'gte', 'lt', 'lte'] as const) if (range[name] !== undefined) q[name] = timeIn(range[name], name, 'ARGUMENT_INVALID').toString();
  return { ...q, ...orderQuery(range) };
}

/** Key bounds as base64url (the server answers keys as bytes, turned back into strings here unless binary is asked for). */
function keyQuery(range: Omit<KeyRange, 'keyEncoding'>): Query {
  const q: Query = { keyEncoding: 'base64url' };
  for (const name of ['gt', 'gte', 'lt', 'lte'] as const) if (range[name] !== undefined) q[name] = toBase64Url(boundBytes(range[name], name));
  if (range.prefix !== undefined) q['prefix'] = toBase64Url(prefixBytes(range.prefix));
  return { ...q, ...orderQuery(range) };
}

function valueOf(frame: Frame): InstrumentValues {
  const value = frame.items.get('value');
  if (value === undefined) throw new KeeprError('HTTP_UNREACHABLE', 'the server answered an instrument block without values');
  return blockValues(value);
}

function integerOption(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new KeeprError('ARGUMENT_INVALID', `${name} must be an integer`, { details: { argument: name } });
  return value;
}

/** The operations both kinds share. */
abstract class RemoteInstrument<T extends InstrumentType> {
  /** The instrument's name. */
  readonly name: string;
  /** Its cell type. */
  readonly type: T;
  protected readonly http: Transport;

  constructor(http: Transport, info: InstrumentInfo) {
    this.http = http;
    this.name = info.name;
    this.type = info.type as T;
  }

  /** Facts about it (counts, bytes, first and last index). */
  async info(): Promise<InstrumentInfo> {
    return (await this.http.json('GET', instrumentPath(this.name))) as InstrumentInfo;
  }

  protected async write(frame: ReturnType<typeof encodeFrame>): Promise<InstrumentWriteReport> {
    return (await this.http.json('POST', instrumentPath(this.name, '/points'), { body: frame.bytes, headers: { 'content-type': BLOCK } })) as InstrumentWriteReport;
  }

  protected async frame(path: string, query: Query): Promise<Frame> {
    return decodeFrame(await this.http.bytes('GET', instrumentPath(this.name, path), { query: { ...query, format: 'block' }, headers: { accept: BLOCK } }));
  }

  protected async deleted(query: Query): Promise<number> {
    return ((await this.http.json('DELETE', instrumentPath(this.name, '/points'), { query })) as { deleted: number }).deleted;
  }
}

/** A time series on a server. */
export class RemoteTimeSeries<T extends InstrumentType = InstrumentType> extends RemoteInstrument<T> implements TimeSeriesApi<T> {
  /** Indexed by time. */
  readonly index = 'time' as const;

  /** Writes points (any order; equal times: the last one given wins), atomically. */
  async append(times: TimesInput, values: InstrumentValuesInput): Promise<InstrumentWriteReport> {
    // The embedded checks, run here: the same codes before any request, exact typed arrays on the wire.
    const checked = timesIn(times);
    return this.write(encodeFrame({ times: checked }, [['value', valuesBlock(this.type, valuesIn(this.type, values, checked.length))]]));
  }

  /** Points in a time range. */
  async read(range: TimeRange = {}): Promise<SeriesRows<T>> {
    const frame = await this.frame('/points', { ...timeQuery(range), ...(range.timeUnit === 'ms' ? { timeUnit: 'ms' } : {}) });
    return { times: frame.times ?? new BigInt64Array(0), values: valueOf(frame) } as SeriesRows<T>;
  }

  /** Deletes the points in a range; returns how many. */
  async delete(range: Omit<TimeRange, 'reverse' | 'limit' | 'timeUnit'>): Promise<number> {
    return this.deleted(timeQuery(range));
  }

  /** Per-bucket aggregates, or with `m4` the M4 points (values as float64), over a range. */
  downsample(options: DownsampleOptions & { m4: true }): Promise<SeriesRows<'float64'>>;
  downsample(options?: DownsampleOptions & { m4?: false }): Promise<DownsampleResult>;
  downsample(options: DownsampleOptions): Promise<DownsampleResult | SeriesRows<'float64'>>;
  async downsample(options: DownsampleOptions = {}): Promise<DownsampleResult | SeriesRows<'float64'>> {
    const query: Query = {
      ...timeQuery(options),
      ...(options.timeUnit === 'ms' ? { timeUnit: 'ms' } : {}),
      ...(options.buckets === undefined ? {} : { buckets: integerOption(options.buckets, 'buckets') }),
      ...(options.every === undefined ? {} : { every: options.every.toString() }),
      ...(options.ops === undefined ? {} : { ops: options.ops.join(',') }),
      ...(options.m4 === undefined ? {} : { m4: options.m4 }),
    };
    const frame = await this.frame('/downsample', query);
    if (frame.items.has('every')) return downsampleOfFrame(frame);
    return { times: frame.times ?? new BigInt64Array(0), values: valueOf(frame) } as SeriesRows<'float64'>;
  }
}

/** A keyed column on a server. */
export class RemoteKeyedColumn<T extends InstrumentType = InstrumentType> extends RemoteInstrument<T> implements KeyedColumnApi<T> {
  /** Indexed by key. */
  readonly index = 'key' as const;

  /** Writes values at keys (equal keys: the last one given wins), atomically. */
  async put(keys: readonly InstrumentKey[], values: InstrumentValuesInput): Promise<InstrumentWriteReport> {
    const checked = keysIn(keys);
    return this.write(encodeFrame({ keys: checked }, [['value', valuesBlock(this.type, valuesIn(this.type, values, checked.length))]]));
  }

  /** Rows in a key range. */
  async read(range: KeyRange = {}): Promise<KeyedRows<T>> {
    const { keyEncoding = 'utf8', ...rest } = range;
    const frame = await this.frame('/points', keyQuery(rest));
    const bytes = (frame.keys ?? []) as Uint8Array[];
    const keys =
      keyEncoding === 'binary'
        ? bytes
        : bytes.map((k) => {
            try {
              return strictUtf8.decode(k);
            } catch {
              throw new KeeprError('KEY_NOT_UTF8', "a key is not UTF-8; read it with keyEncoding: 'binary'", { details: { key: toBase64Url(k) } });
            }
          });
    return { keys, values: valueOf(frame) } as KeyedRows<T>;
  }

  /** Deletes the rows in a key range; returns how many. */
  async delete(range: Omit<KeyRange, 'reverse' | 'limit' | 'keyEncoding'>): Promise<number> {
    return this.deleted(keyQuery(range));
  }
}

function handle(http: Transport, info: InstrumentInfo): InstrumentApi {
  return info.index === 'key' ? new RemoteKeyedColumn(http, info) : new RemoteTimeSeries(http, info);
}

/** `instrument(name, options)` over HTTP: an existing one is checked here, a missing one created by the server's PUT. */
export async function remoteInstrument(http: Transport, name: string, options: InstrumentOptions = {}): Promise<InstrumentApi> {
  // The embedded checks, in the embedded order, so both refuse a bad call with the same code.
  assertName(name, 'instrument');
  checkInstrumentOptions(options);
  let info: InstrumentInfo;
  try {
    info = (await http.json('GET', instrumentPath(name))) as InstrumentInfo;
  } catch (err) {
    if (!hasCode(err, 'INSTRUMENT_NOT_FOUND') || options.create === false) throw err;
    // The PUT answers the instrument also when another client created it meanwhile (409 if of another kind).
    const body = JSON.stringify({ ...(options.type === undefined ? {} : { type: options.type }), ...(options.index === undefined ? {} : { index: options.index }) });
    info = (await http.json('PUT', instrumentPath(name), { body, headers: { 'content-type': 'application/json' } })) as InstrumentInfo;
  }
  if ((options.type !== undefined && options.type !== info.type) || (options.index !== undefined && options.index !== info.index)) {
    throw new KeeprError('INSTRUMENT_KIND_MISMATCH', `instrument ${JSON.stringify(name)} is a ${info.type} ${info.index === 'time' ? 'time series' : 'keyed column'}`, {
      details: { instrument: name, type: info.type, index: info.index },
    });
  }
  return handle(http, info);
}

/** Facts about every instrument on the server, sorted by name. */
export async function remoteInstruments(http: Transport): Promise<InstrumentInfo[]> {
  return ((await http.json('GET', '/v1/instruments')) as { instruments: InstrumentInfo[] }).instruments;
}

/** Drops an instrument on the server; false when it was not there. */
export async function remoteDropInstrument(http: Transport, name: string): Promise<boolean> {
  try {
    await http.send('DELETE', instrumentPath(name));
    return true;
  } catch (err) {
    if (hasCode(err, 'INSTRUMENT_NOT_FOUND')) return false;
    throw err;
  }
}

function isKeyAlign(options: AlignOptions): boolean {
  return options.prefix !== undefined || (['gt', 'gte', 'lt', 'lte'] as const).some((b) => typeof options[b] === 'string' || options[b] instanceof Uint8Array);
}

/** Several instruments read as columns of one table, on the server. */
export async function remoteAlign(http: Transport, names: readonly string[], options: AlignOptions = {}): Promise<AlignedRows> {
  const query: Query = {
    names: names.join(','),
    // Key bounds or a prefix mean keyed columns; otherwise the bounds are times.
    ...(isKeyAlign(options) ? keyQuery(options as Omit<KeyRange, 'keyEncoding'>) : timeQuery(options as TimeRange)),
    ...(options.timeUnit === 'ms' ? { timeUnit: 'ms' } : {}),
    ...(options.join === undefined ? {} : { join: options.join }),
    ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance.toString() }),
    format: 'block',
  };
  return alignedOfFrame(decodeFrame(await http.bytes('GET', '/v1/aligned', { query, headers: { accept: BLOCK } })));
}
