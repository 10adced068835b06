/**
 * Instrument read answers in the representation the request asks for (`?format=`, else
 * Accept): JSON (the default), CSV, an Arrow IPC stream, or one keepr tuple block. Every read
 * (points, M4, downsample aggregates, aligned rows) is first a table: an index column (µs
 * times or keys) and named value columns, so the four formats cannot disagree.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeeprError } from '../errors.js';
import { encodeFrame, valuesBlock } from '../wire/instrument-frame.js';
import { tableCsv, tableJson, type AnswerOptions, type AnswerTable } from '../wire/instrument-table.js';
import { Block } from '../block/index.js';
import { header } from './bodies.js';
import { ARROW_STREAM_MEDIA_TYPE, BLOCK_MEDIA_TYPE, JSON_MEDIA_TYPE, negotiateAmong } from './content-types.js';
import { arrowStream, type ArrowColumn } from './instrument-arrow.js';
import { CSV_MEDIA_TYPE } from './instrument-bodies.js';

export type { AnswerTable, KeyText } from '../wire/instrument-table.js';

/** `?format=` values and their media types, in the order ties are settled. */
export const ANSWER_FORMATS = { json: JSON_MEDIA_TYPE, csv: CSV_MEDIA_TYPE, arrow: ARROW_STREAM_MEDIA_TYPE, block: BLOCK_MEDIA_TYPE } as const;

/** One of the answer formats. */
export type AnswerFormat = keyof typeof ANSWER_FORMATS;

/** The format of an answer: `?format=` when given, else negotiated from Accept. */
export function answerFormat(request: FastifyRequest, format: string | undefined): AnswerFormat {
  if (format !== undefined) return format as AnswerFormat;
  const type = negotiateAmong(header(request, 'accept'), Object.values(ANSWER_FORMATS));
  return (Object.keys(ANSWER_FORMATS) as AnswerFormat[]).find((f) => ANSWER_FORMATS[f] === type)!;
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
      return reply.type(`${JSON_MEDIA_TYPE}; charset=utf-8`).send(tableJson(table, options));
    case 'csv':
      return reply.type(`${CSV_MEDIA_TYPE}; charset=utf-8; header=present`).send(tableCsv(table, options));
    case 'arrow':
      return reply.type(ARROW_STREAM_MEDIA_TYPE).send(asBuffer(await arrowStream(arrowColumns(table))));
    case 'block':
      return reply.type(BLOCK_MEDIA_TYPE).send(asBuffer(blockAnswer(table, options).bytes));
    default:
      throw new KeeprError('HTTP_REQUEST_INVALID', `format must be one of ${Object.keys(ANSWER_FORMATS).join(', ')}`);
  }
}
