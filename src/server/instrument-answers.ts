/**
 * Instrument read answers in the representation the request asks for (`?format=`, else
 * Accept): JSON (the default), CSV, an Arrow IPC stream, or one keepr tuple block. Every read
 * (points, M4, downsample aggregates, aligned rows) is first a table: an index column (µs
 * times or keys) and named value columns, so the four formats cannot disagree.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeeprError } from '../errors.js';
import type { InstrumentType, InstrumentValues } from '../instrument/instrument-types.js';
import { csvLine } from '../wire/csv.js';
import { encodeFrame, valuesBlock } from '../wire/instrument-frame.js';
import { cellJson, cellText, timeText, type JsonCell, type TimeText } from '../wire/instrument-values.js';
import { toBase64Url, toHex } from '../wire/state-wire.js';
import { Block } from '../block/index.js';
import { header } from './bodies.js';
import { ARROW_STREAM_MEDIA_TYPE, BLOCK_MEDIA_TYPE, JSON_MEDIA_TYPE, negotiateAmong } from './content-types.js';
import { arrowStream, type ArrowColumn } from './instrument-arrow.js';
import { CSV_MEDIA_TYPE } from './instrument-bodies.js';

/** `?format=` values and their media types, in the order ties are settled. */
export const ANSWER_FORMATS = { json: JSON_MEDIA_TYPE, csv: CSV_MEDIA_TYPE, arrow: ARROW_STREAM_MEDIA_TYPE, block: BLOCK_MEDIA_TYPE } as const;

/** One of the answer formats. */
export type AnswerFormat = keyof typeof ANSWER_FORMATS;

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

/** The format of an answer: `?format=` when given, else negotiated from Accept. */
export function answerFormat(request: FastifyRequest, format: string | undefined): AnswerFormat {
  if (format !== undefined) return format as AnswerFormat;
  const type = negotiateAmong(header(request, 'accept'), Object.values(ANSWER_FORMATS));
  return (Object.keys(ANSWER_FORMATS) as AnswerFormat[]).find((f) => ANSWER_FORMATS[f] === type)!;
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

function jsonAnswer(table: AnswerTable, options: AnswerOptions): string {
  const indexField = table.times !== undefined ? 'times' : 'keys';
  const index = indexCells(table, options);
  if (table.shape === 'rows') return JSON.stringify({ [indexField]: index, values: columnJson(table.columns[0]!, options) });
  const columns = Object.fromEntries(table.columns.map((c) => [c.name, columnJson(c, options)]));
  return JSON.stringify({ [indexField]: index, ...(table.every === undefined ? {} : { every: String(table.every) }), columns });
}

function csvAnswer(table: AnswerTable, options: AnswerOptions): string {
  const index = indexCells(table, options).map(String);
  const lines = [csvLine([table.times !== undefined ? 'time' : 'key', ...table.columns.map((c) => c.name)])];
  for (let i = 0; i < index.length; i++) lines.push(csvLine([index[i]!, ...table.columns.map((c) => cellText(c.type, c.values, i, options.timeText))]));
  return lines.join('');
}

function blockAnswer(table: AnswerTable, options: AnswerOptions): Block {
  const index = table.times !== undefined ? { times: options.timeText === 'ms' ? Float64Array.from(table.times, (t) => Number(t) / 1000) : table.times } : { keys: table.keys ?? [] };
  if (table.shape === 'rows') return encodeFrame(index, [['value', valuesBlock(table.columns[0]!.type, table.columns[0]!.values)]]);
  const values = table.columns.map((c) => [c.name, valuesBlock(c.type, c.values)] as const);
  if (table.every !== undefined) return encodeFrame(index, [['every', Block.create({ type: 'int64', shape: [], data: [table.every] })], ...values]);
  return encodeFrame(index, [['columns', Block.tuple(values)]]);
}

function arrowColumns(table: AnswerTable): ArrowColumn[] {
  const index: ArrowColumn = table.times !== undefined ? { name: 'time', type: 'time', values: table.times } : { name: 'key', type: 'key', values: table.keys ?? [] };
  return [index, ...table.columns];
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sends a table in the chosen format (`Keepr-Every` carries a downsample's bucket width in every format). */
export async function sendTable(reply: FastifyReply, format: AnswerFormat, table: AnswerTable, options: AnswerOptions): Promise<FastifyReply> {
  const vary = reply.getHeader('vary');
  void reply.header('vary', vary === undefined ? 'Accept' : `${String(vary)}, Accept`);
  if (table.every !== undefined) void reply.header('keepr-every', String(table.every));
  switch (format) {
    case 'json':
      return reply.type(`${JSON_MEDIA_TYPE}; charset=utf-8`).send(jsonAnswer(table, options));
    case 'csv':
      return reply.type(`${CSV_MEDIA_TYPE}; charset=utf-8; header=present`).send(csvAnswer(table, options));
    case 'arrow':
      return reply.type(ARROW_STREAM_MEDIA_TYPE).send(asBuffer(await arrowStream(arrowColumns(table))));
    case 'block':
      return reply.type(BLOCK_MEDIA_TYPE).send(asBuffer(blockAnswer(table, options).bytes));
    default:
      throw new KeeprError('HTTP_REQUEST_INVALID', `format must be one of ${Object.keys(ANSWER_FORMATS).join(', ')}`);
  }
}
