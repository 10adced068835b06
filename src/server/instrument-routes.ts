/**
 * Instruments over HTTP under `/v1/instruments` (docs/http-api.md, "Instruments"): list,
 * describe, create and drop; write points (CSV, JSON, Arrow, block), read, delete and
 * downsample them; and `/v1/aligned` for several instruments read as columns of one table.
 * Every request is checked whole (names, bounds, body) before the store is written.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeeprError, isKeeprError } from '../errors.js';
import type { AlignOptions, DownsampleOp, DownsampleOptions, InstrumentApi, InstrumentKey, InstrumentOptions, InstrumentsApi, InstrumentType, KeyedRows } from '../instrument/instrument-types.js';
import { INSTRUMENT_TYPES } from '../instrument/instrument-types.js';
import { assertName } from '../keepr/names.js';
import { parseTimeText, type TimeText } from '../wire/instrument-values.js';
import { fromBase64Url } from '../wire/state-wire.js';
import { header, parseJsonBody } from './bodies.js';
import { JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import { answerFormat, sendTable, type AnswerTable, type KeyText } from './instrument-answers.js';
import { pointsFromBody } from './instrument-bodies.js';
import {
  alignedQuerySchema,
  createBodyDoc,
  deleteQuerySchema,
  downsampleQuerySchema,
  instrumentInfoSchema,
  instrumentParamsSchema,
  pointsBodyDoc,
  readQuerySchema,
  tableAnswer,
  writeAnswerSchema,
} from './instrument-schemas.js';
import { errorResponses } from './schemas.js';

const TAGS = ['instruments'];

interface BoundsQuery {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly prefix?: string;
  readonly keyEncoding?: KeyText;
}

interface ReadQuery extends BoundsQuery {
  readonly reverse?: boolean;
  readonly limit?: number;
  readonly timeUnit?: TimeText;
  readonly format?: string;
}

interface DownsampleQuery extends BoundsQuery {
  readonly buckets?: number;
  readonly every?: string;
  readonly ops?: string;
  readonly m4?: boolean;
  readonly timeUnit?: TimeText;
  readonly format?: string;
}

interface AlignedQuery extends ReadQuery {
  readonly names: string;
  readonly join?: 'outer' | 'asof';
  readonly tolerance?: string;
}

type Params = { name: string };

/** The URL path of an instrument. */
export function instrumentPath(name: string, rest = ''): string {
  return `/v1/instruments/${encodeURIComponent(name)}${rest}`;
}

function badQuery(parameter: string, message: string): KeeprError {
  return new KeeprError('HTTP_REQUEST_INVALID', `${parameter}: ${message}`, { details: { parameter } });
}

const BOUND_NAMES = ['gt', 'gte', 'lt', 'lte'] as const;

/** Time bounds in µs from the query (`HTTP_REQUEST_INVALID` for a bad one; key-only parameters refused). */
function timeBounds(query: BoundsQuery): Partial<Record<(typeof BOUND_NAMES)[number], bigint>> {
  if (query.prefix !== undefined || query.keyEncoding !== undefined) {
    throw new KeeprError('INSTRUMENT_OP_UNSUPPORTED', 'prefix and keyEncoding apply to keyed columns, not to a time series', { details: { parameter: query.prefix !== undefined ? 'prefix' : 'keyEncoding' } });
  }
  const out: Partial<Record<(typeof BOUND_NAMES)[number], bigint>> = {};
  for (const name of BOUND_NAMES) {
    const text = query[name];
    if (text === undefined) continue;
    try {
      out[name] = parseTimeText(text);
    } catch (err) {
      throw badQuery(name, isKeeprError(err) ? err.message : String(err));
    }
  }
  return out;
}

/** A key given as text in a key encoding (`KEY_INVALID` when it is not that encoding). */
function keyOfText(text: string, encoding: KeyText, parameter: string): InstrumentKey {
  if (encoding === 'utf8') return text;
  const bytes = encoding === 'hex' ? (/^(?:[0-9a-fA-F]{2})*$/.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined) : fromBase64Url(text);
  if (bytes === undefined) throw new KeeprError('KEY_INVALID', `${parameter} is not ${encoding} text`, { details: { parameter, keyEncoding: encoding } });
  return bytes;
}

/** Key bounds and prefix from the query, in its keyEncoding. */
function keyBounds(query: BoundsQuery): Partial<Record<(typeof BOUND_NAMES)[number] | 'prefix', InstrumentKey>> {
  const encoding = query.keyEncoding ?? 'utf8';
  const out: Partial<Record<(typeof BOUND_NAMES)[number] | 'prefix', InstrumentKey>> = {};
  for (const name of [...BOUND_NAMES, 'prefix'] as const) {
    const text = query[name];
    if (text !== undefined) out[name] = keyOfText(text, encoding, name);
  }
  return out;
}

function orderOf(query: ReadQuery): { reverse?: boolean; limit?: number } {
  return { ...(query.reverse === undefined ? {} : { reverse: query.reverse }), ...(query.limit === undefined ? {} : { limit: query.limit }) };
}

/** The instrument `name`, which must exist (`INSTRUMENT_NOT_FOUND`). */
async function existing(instruments: InstrumentsApi, name: string): Promise<InstrumentApi> {
  assertName(name, 'instrument');
  return instruments.instrument(name, { create: false });
}

/** The `{ type, index }` body of a PUT (empty allowed). */
function createOptions(request: FastifyRequest): InstrumentOptions {
  const body = request.body as Buffer | undefined;
  if (body === undefined || body.length === 0) return {};
  const essence = mediaTypeEssence(header(request, 'content-type'));
  if (essence !== JSON_MEDIA_TYPE) throw new KeeprError('HTTP_CONTENT_TYPE_UNSUPPORTED', `the body is ${JSON_MEDIA_TYPE}, not ${essence ?? 'an untyped body'}`);
  const json = parseJsonBody(body);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new KeeprError('HTTP_BODY_MALFORMED', 'the body must be a JSON object { type, index }');
  const { type, index, ...rest } = json as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new KeeprError('HTTP_BODY_MALFORMED', `the body has an unknown field ${JSON.stringify(extra)}`, { details: { field: extra } });
  if (type !== undefined && !(INSTRUMENT_TYPES as readonly unknown[]).includes(type)) throw new KeeprError('HTTP_BODY_MALFORMED', `type must be one of ${INSTRUMENT_TYPES.join(', ')}`, { details: { field: 'type' } });
  if (index !== undefined && index !== 'time' && index !== 'key') throw new KeeprError('HTTP_BODY_MALFORMED', 'index must be time or key', { details: { field: 'index' } });
  return { ...(type === undefined ? {} : { type: type as InstrumentType }), ...(index === undefined ? {} : { index: index }) };
}

/** The ops list as given (the embedded downsample checks it: ARGUMENT_INVALID). */
function opsOf(text: string | undefined): DownsampleOp[] | undefined {
  if (text === undefined) return undefined;
  return (text === '' ? [] : text.split(',')) as DownsampleOp[];
}

function keyedTable(rows: KeyedRows, type: InstrumentType): AnswerTable {
  return { keys: rows.keys, columns: [{ name: 'value', type, values: rows.values }], shape: 'rows' };
}

/** Registers the instrument routes. */
export function registerInstrumentRoutes(app: FastifyInstance, instruments: InstrumentsApi): void {
  app.get('/v1/instruments', { config: { role: 'read' }, schema: { operationId: 'listInstruments', summary: 'Facts about every instrument, sorted by name', tags: TAGS, response: { 200: { type: 'object', properties: { instruments: { type: 'array', items: instrumentInfoSchema } } }, ...errorResponses } } }, async () => ({
    instruments: await instruments.instruments(),
  }));

  app.get<{ Params: Params }>(
    '/v1/instruments/:name',
    { config: { role: 'read' }, schema: { operationId: 'getInstrument', summary: 'Facts about an instrument', tags: TAGS, params: instrumentParamsSchema, response: { 200: instrumentInfoSchema, ...errorResponses } } },
    async (request) => (await existing(instruments, request.params.name)).info(),
  );

  app.put<{ Params: Params }>(
    '/v1/instruments/:name',
    {
      config: { role: 'write', docBody: createBodyDoc },
      schema: {
        operationId: 'createInstrument',
        summary: 'Create an instrument (201), or describe it when it is there with that kind (200); another kind is 409',
        tags: TAGS,
        params: instrumentParamsSchema,
        response: { 200: { ...instrumentInfoSchema, description: 'It was there' }, 201: { ...instrumentInfoSchema, description: 'Created' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      assertName(name, 'instrument');
      const options = createOptions(request);
      let existed = true;
      try {
        await instruments.instrument(name, { create: false });
      } catch (err) {
        if (!isKeeprError(err, 'INSTRUMENT_NOT_FOUND')) throw err;
        existed = false;
      }
      const instrument = await instruments.instrument(name, { ...options, create: true });
      return reply.code(existed ? 200 : 201).header('location', instrumentPath(name)).send(await instrument.info());
    },
  );

  app.delete<{ Params: Params }>(
    '/v1/instruments/:name',
    { config: { role: 'write' }, schema: { operationId: 'dropInstrument', summary: 'Drop an instrument with all its chunks', tags: TAGS, params: instrumentParamsSchema, response: { 204: { type: 'null', description: 'Dropped' }, ...errorResponses } } },
    async (request, reply) => {
      const { name } = request.params;
      assertName(name, 'instrument');
      if (!(await instruments.dropInstrument(name))) throw new KeeprError('INSTRUMENT_NOT_FOUND', `instrument ${JSON.stringify(name)} does not exist`, { details: { instrument: name } });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Params }>(
    '/v1/instruments/:name/points',
    {
      config: { role: 'write', docBody: pointsBodyDoc },
      schema: { operationId: 'writeInstrumentPoints', summary: 'Append (time series) or put (keyed column) points, all or nothing', tags: TAGS, params: instrumentParamsSchema, response: { 200: writeAnswerSchema, ...errorResponses } },
    },
    async (request) => {
      const instrument = await existing(instruments, request.params.name);
      // The whole body is parsed and checked before the instrument is written.
      const points = await pointsFromBody(request.body as Buffer | undefined, header(request, 'content-type'), instrument.index, instrument.type);
      if (instrument.index === 'time') return instrument.append(points.times!, points.values);
      return instrument.put(points.keys!, points.values);
    },
  );

  app.get<{ Params: Params; Querystring: ReadQuery }>(
    '/v1/instruments/:name/points',
    { config: { role: 'read' }, schema: { operationId: 'readInstrumentPoints', summary: 'Points in a range, as JSON, CSV, Arrow or a keepr block', tags: TAGS, params: instrumentParamsSchema, querystring: readQuerySchema, response: { 200: tableAnswer, ...errorResponses } } },
    async (request, reply) => {
      const { query } = request;
      const format = answerFormat(request, query.format);
      const instrument = await existing(instruments, request.params.name);
      const options = { timeText: query.timeUnit ?? 'us', keyText: query.keyEncoding ?? 'utf8' } as const;
      if (instrument.index === 'time') {
        const rows = await instrument.read({ ...timeBounds(query), ...orderOf(query) });
        return sendTable(reply, format, { times: rows.times as BigInt64Array, columns: [{ name: 'value', type: instrument.type, values: rows.values }], shape: 'rows' }, options);
      }
      const rows = await instrument.read({ ...keyBounds(query), ...orderOf(query), keyEncoding: options.keyText === 'utf8' ? 'utf8' : 'binary' });
      return sendTable(reply, format, keyedTable(rows, instrument.type), options);
    },
  );

  app.delete<{ Params: Params; Querystring: BoundsQuery }>(
    '/v1/instruments/:name/points',
    {
      config: { role: 'write' },
      schema: { operationId: 'deleteInstrumentPoints', summary: 'Delete the points in a range (retention: ?lt=)', tags: TAGS, params: instrumentParamsSchema, querystring: deleteQuerySchema, response: { 200: { type: 'object', properties: { deleted: { type: 'integer' } }, required: ['deleted'] }, ...errorResponses } },
    },
    async (request) => {
      const instrument = await existing(instruments, request.params.name);
      const deleted = instrument.index === 'time' ? await instrument.delete(timeBounds(request.query)) : await instrument.delete(keyBounds(request.query));
      return { deleted };
    },
  );

  app.get<{ Params: Params; Querystring: DownsampleQuery }>(
    '/v1/instruments/:name/downsample',
    {
      config: { role: 'read' },
      schema: { operationId: 'downsampleInstrument', summary: 'Per-bucket aggregates, or M4 points, over a time range', tags: TAGS, params: instrumentParamsSchema, querystring: downsampleQuerySchema, response: { 200: tableAnswer, ...errorResponses } },
    },
    async (request, reply) => {
      const { query } = request;
      const format = answerFormat(request, query.format);
      const ops = opsOf(query.ops);
      const instrument = await existing(instruments, request.params.name);
      if (instrument.index !== 'time') throw new KeeprError('INSTRUMENT_OP_UNSUPPORTED', `instrument ${JSON.stringify(instrument.name)} is a keyed column; only time series downsample`, { details: { instrument: instrument.name } });
      const options: DownsampleOptions = {
        ...timeBounds(query),
        ...(query.buckets === undefined ? {} : { buckets: query.buckets }),
        ...(query.every === undefined ? {} : { every: BigInt(query.every) }),
        ...(ops === undefined ? {} : { ops }),
        ...(query.m4 === undefined ? {} : { m4: query.m4 }),
      };
      const result = await instrument.downsample(options);
      const text = { timeText: query.timeUnit ?? 'us', keyText: 'utf8' } as const;
      if ('columns' in result) {
        // In the order the embedded result has them: the order of ops.
        const columns = Object.entries(result.columns).map(([op, values]) => ({ name: op, type: 'float64' as const, values }));
        return sendTable(reply, format, { times: result.times as BigInt64Array, columns, shape: 'columns', every: result.every }, text);
      }
      // M4 values are float64 whatever the instrument's type (as the embedded downsample gives them).
      return sendTable(reply, format, { times: result.times as BigInt64Array, columns: [{ name: 'value', type: 'float64', values: result.values }], shape: 'rows' }, text);
    },
  );

  app.get<{ Querystring: AlignedQuery }>(
    '/v1/aligned',
    {
      config: { role: 'read' },
      schema: { operationId: 'readAlignedInstruments', summary: 'Several instruments of one index kind read as columns of one table', tags: TAGS, querystring: alignedQuerySchema, response: { 200: tableAnswer, ...errorResponses } },
    },
    async (request, reply) => {
      const { query } = request;
      const format = answerFormat(request, query.format);
      const names = query.names.split(',');
      for (const name of names) assertName(name, 'instrument');
      const kinds = await Promise.all(names.map((name) => existing(instruments, name)));
      const keyed = kinds[0]!.index === 'key';
      // Keyed columns: the embedded align hands key bounds and prefix to each column's read.
      const options: AlignOptions = {
        ...(keyed ? keyBounds(query) : timeBounds(query)),
        ...orderOf(query),
        ...(query.join === undefined ? {} : { join: query.join }),
        ...(query.tolerance === undefined ? {} : { tolerance: BigInt(query.tolerance) }),
      };
      const rows = await instruments.align(names, options);
      const types = new Map(kinds.map((k) => [k.name, k.type]));
      const columns = [...types].map(([name, type]) => ({ name, type, values: rows.columns[name]! }));
      const text = { timeText: query.timeUnit ?? 'us', keyText: query.keyEncoding ?? 'utf8' } as const;
      const index = rows.times !== undefined ? { times: rows.times as BigInt64Array } : { keys: rows.keys ?? [] };
      return sendTable(reply, format, { ...index, columns, shape: 'columns' }, text);
    },
  );
}
