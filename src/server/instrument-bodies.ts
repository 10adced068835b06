/**
 * The body of `POST /v1/instruments/{name}/points` as points of one instrument: CSV with a
 * `time,value` or `key,value` header, JSON `{ times | keys, values }`, an Arrow IPC stream, or
 * a keepr tuple block (the client's form). The whole body is read and checked before anything
 * is written, so a bad one changes nothing.
 */
import { KeeprError } from '../errors.js';
import type { InstrumentIndex, InstrumentKey, InstrumentType, InstrumentValues } from '../instrument/instrument-types.js';
import { isObject } from '../util/guards.js';
import { csvCell, parseCsv } from '../wire/csv.js';
import { blockValues, decodeFrame } from '../wire/instrument-frame.js';
import { badValue, parseTimeText, valuesFromCells, type CellInput } from '../wire/instrument-values.js';
import { parseJsonBody } from './bodies.js';
import { ARROW_STREAM_MEDIA_TYPE, BLOCK_MEDIA_TYPE, JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import { pointsFromArrow } from './instrument-arrow.js';

/** Media type of CSV. */
export const CSV_MEDIA_TYPE = 'text/csv';

/** Body types a points POST takes. */
export const POINTS_BODY_TYPES = [CSV_MEDIA_TYPE, JSON_MEDIA_TYPE, ARROW_STREAM_MEDIA_TYPE, BLOCK_MEDIA_TYPE] as const;

/** Points parsed from a body: times (a time series) or keys (a keyed column), and values. */
export interface PointsInput {
  readonly times?: BigInt64Array;
  readonly keys?: InstrumentKey[];
  readonly values: InstrumentValues;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(message: string): KeeprError {
  return new KeeprError('HTTP_BODY_MALFORMED', message);
}

function timesFrom(cells: readonly unknown[]): BigInt64Array {
  const out = new BigInt64Array(cells.length);
  cells.forEach((c, i) => {
    if (typeof c === 'string') out[i] = parseTimeText(c, i);
    else if (typeof c === 'number' && Number.isSafeInteger(c)) out[i] = parseTimeText(String(c), i);
    else throw badValue(i, `${JSON.stringify(c)} is not a time (µs integer or ISO-8601 text)`, 'time');
  });
  return out;
}

function keysFrom(cells: readonly unknown[]): string[] {
  return cells.map((c, i) => {
    if (typeof c !== 'string') throw badValue(i, `${JSON.stringify(c)} is not a key string`, 'key');
    return c;
  });
}

function sameLength(index: number, values: number): void {
  if (index !== values) throw new KeeprError('INSTRUMENT_VALUES_INVALID', `${index} index entries but ${values} values`, { details: { index, values } });
}

function fromCsv(body: Buffer, index: InstrumentIndex, type: InstrumentType): PointsInput {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw malformed('the CSV body is not UTF-8');
  }
  const [head, ...rows] = parseCsv(text);
  const indexName = index === 'time' ? 'time' : 'key';
  if (head === undefined || head.length !== 2 || head[0]!.text !== indexName || head[1]!.text !== 'value') throw malformed(`the CSV body needs the header row ${indexName},value`);
  rows.forEach((row, i) => {
    if (row.length !== 2) throw malformed(`CSV row ${i + 1} has ${row.length} fields, not 2`);
  });
  const values = valuesFromCells(type, rows.map((r) => csvCell(r[1]!)));
  if (index === 'key') return { keys: rows.map((r) => r[0]!.text), values };
  return { times: timesFrom(rows.map((r) => r[0]!.text)), values };
}

function fromJson(body: Buffer, index: InstrumentIndex, type: InstrumentType): PointsInput {
  const json = parseJsonBody(body);
  const field = index === 'time' ? 'times' : 'keys';
  if (!isObject(json) || Array.isArray(json)) throw malformed(`the JSON body must be an object { ${field}, values }`);
  const extra = Object.keys(json).find((k) => k !== field && k !== 'values');
  if (extra !== undefined) throw malformed(`the JSON body has an unknown field ${JSON.stringify(extra)} (a ${index === 'time' ? 'time series' : 'keyed column'} takes ${field} and values)`);
  const ix = (json as Record<string, unknown>)[field];
  const values = (json as Record<string, unknown>)['values'];
  if (!Array.isArray(ix) || !Array.isArray(values)) throw malformed(`the JSON body needs the arrays ${field} and values`);
  sameLength(ix.length, values.length);
  const cells = values.map((v: unknown, i): CellInput => {
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    throw badValue(i, 'is not a JSON number, string, boolean or null');
  });
  const parsed = valuesFromCells(type, cells);
  return index === 'time' ? { times: timesFrom(ix), values: parsed } : { keys: keysFrom(ix), values: parsed };
}

function fromBlock(body: Buffer, index: InstrumentIndex): PointsInput {
  const frame = decodeFrame(body);
  const value = frame.items.get('value');
  if (value === undefined) throw malformed('the instrument block has no value item');
  const values = blockValues(value);
  if (index === 'time') {
    if (frame.times === undefined || !(frame.times instanceof BigInt64Array)) throw malformed('the instrument block needs a time item of µs (a time block)');
    sameLength(frame.times.length, values.length);
    return { times: frame.times, values };
  }
  if (frame.keys === undefined) throw malformed('the instrument block needs a key item');
  sameLength(frame.keys.length, values.length);
  return { keys: frame.keys, values };
}

/** Reads a points body by its Content-Type (415 `HTTP_CONTENT_TYPE_UNSUPPORTED` for others). */
export async function pointsFromBody(body: Buffer | undefined, contentType: string | undefined, index: InstrumentIndex, type: InstrumentType): Promise<PointsInput> {
  const bytes = body ?? Buffer.alloc(0);
  const essence = mediaTypeEssence(contentType);
  switch (essence) {
    case CSV_MEDIA_TYPE:
      return fromCsv(bytes, index, type);
    case JSON_MEDIA_TYPE:
      return fromJson(bytes, index, type);
    case BLOCK_MEDIA_TYPE:
      return fromBlock(bytes, index);
    case ARROW_STREAM_MEDIA_TYPE: {
      const { index: ix, values } = await pointsFromArrow(bytes, index, type);
      sameLength(ix.length, values.length);
      return ix instanceof BigInt64Array ? { times: ix, values } : { keys: ix, values };
    }
    default:
      throw new KeeprError('HTTP_CONTENT_TYPE_UNSUPPORTED', `points are sent as one of ${POINTS_BODY_TYPES.join(', ')}, not ${essence ?? 'an untyped body'}`, {
        details: { available: POINTS_BODY_TYPES.join(', ') },
      });
  }
}
