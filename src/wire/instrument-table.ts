/**
 * Instrument reads as tables (an index column of µs times or keys, and named value columns)
 * and their JSON and CSV text, shared by the HTTP answers and the CLI so both write the same.
 */
import { KeeprError } from '../errors.js';
import type { InstrumentType, InstrumentValues } from '../instrument/instrument-types.js';
import { csvLine } from './csv.js';
import { cellJson, cellText, timeText, type JsonCell, type TimeText } from './instrument-values.js';
import { toBase64Url, toHex } from './state-wire.js';

/** How keys are written in text answers (and whether binary formats carry strings or bytes). */
export type KeyText = 'utf8' | 'hex' | 'base64url';

/** One named value column of a table. */
export interface TableColumn {
  readonly name: string;
  readonly type: InstrumentType;
  readonly values: InstrumentValues;
}

/** A read as a table: its index and value columns, and how its JSON is shaped. */
export interface AnswerTable {
  readonly times?: BigInt64Array;
  /** Strings for `keyText: 'utf8'`, bytes otherwise. */
  readonly keys?: string[] | Uint8Array[];
  readonly columns: readonly TableColumn[];
  /** `rows`: `{ times|keys, values }`; `columns`: `{ times|keys, [every,] columns: { name: [...] } }`. */
  readonly shape: 'rows' | 'columns';
  /** Bucket width of a downsample (µs). */
  readonly every?: bigint;
}

/** How index values are written: times in text answers, keys everywhere. */
export interface AnswerOptions {
  readonly timeText: TimeText;
  readonly keyText: KeyText;
}

const utf8 = new TextEncoder();

function keyText(key: string | Uint8Array, encoding: KeyText): string {
  if (encoding === 'utf8' && typeof key === 'string') return key;
  if (typeof key === 'string') key = utf8.encode(key);
  else if (encoding === 'utf8') throw new KeeprError('KEY_NOT_UTF8', 'a key is not UTF-8; read with keyEncoding=hex or base64url', { details: { keyEncoding: 'utf8' } });
  return encoding === 'hex' ? toHex(key) : toBase64Url(key);
}

function indexCells(table: AnswerTable, options: AnswerOptions): (string | number)[] {
  if (table.times !== undefined) return Array.from(table.times, (t) => (options.timeText === 'ms' ? Number(t) / 1000 : timeText(t, options.timeText)));
  return (table.keys ?? []).map((k: string | Uint8Array) => keyText(k, options.keyText));
}

function columnJson(column: TableColumn, options: AnswerOptions): JsonCell[] {
  return Array.from({ length: column.values.length }, (_, i) => cellJson(column.type, column.values, i, options.timeText));
}

/** A table as the JSON of an answer. */
export function tableJson(table: AnswerTable, options: AnswerOptions): string {
  const indexField = table.times !== undefined ? 'times' : 'keys';
  const index = indexCells(table, options);
  if (table.shape === 'rows') return JSON.stringify({ [indexField]: index, values: columnJson(table.columns[0]!, options) });
  const columns = Object.fromEntries(table.columns.map((c) => [c.name, columnJson(c, options)]));
  return JSON.stringify({ [indexField]: index, ...(table.every === undefined ? {} : { every: String(table.every) }), columns });
}

/** A table as text rows: the header (index column first), then one row per index value (null = NA). */
export function tableRows(table: AnswerTable, options: AnswerOptions): (string | null)[][] {
  const index = indexCells(table, options).map(String);
  const rows: (string | null)[][] = [[table.times !== undefined ? 'time' : 'key', ...table.columns.map((c) => c.name)]];
  for (let i = 0; i < index.length; i++) rows.push([index[i]!, ...table.columns.map((c) => cellText(c.type, c.values, i, options.timeText))]);
  return rows;
}

/** A table as CSV with a header row (index column first). */
export function tableCsv(table: AnswerTable, options: AnswerOptions): string {
  return tableRows(table, options).map(csvLine).join('');
}

