/**
 * JSON schemas of the instrument routes: parameters and queries enforced by Fastify, bodies
 * and answers for `/openapi.json`. Bounds are strings here (µs, ISO-8601 or an encoded key):
 * the routes parse them by the instrument's index kind.
 */
import { DOWNSAMPLE_OPS, INSTRUMENT_TYPES } from '../instrument/instrument-types.js';
import { binarySchema, type DocBody } from './schemas.js';

const name = { type: 'string', description: 'Instrument name: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit' } as const;

/** Route parameters: an instrument. */
export const instrumentParamsSchema = { type: 'object', properties: { name }, required: ['name'] } as const;

/** Facts about an instrument. */
export const instrumentInfoSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: INSTRUMENT_TYPES },
    index: { type: 'string', enum: ['time', 'key'] },
    points: { type: 'integer' },
    chunks: { type: 'integer' },
    bytes: { type: 'integer' },
    first: { type: ['string', 'null'], description: 'First index value: µs (decimal) for a time series, base64url for keys' },
    last: { type: ['string', 'null'], description: 'Last index value' },
  },
  required: ['name', 'type', 'index', 'points', 'chunks', 'bytes', 'first', 'last'],
} as const;

/** Answer of a points write. */
export const writeAnswerSchema = {
  type: 'object',
  properties: { points: { type: 'integer', description: 'Points written (inserted or replaced)' }, chunks: { type: 'integer', description: 'Chunks rewritten or created' } },
  required: ['points', 'chunks'],
} as const;

/** Body of an instrument PUT. */
export const createBodyDoc: DocBody = {
  description: 'The kind of the instrument: { type, index } (index default time); may be empty when it exists',
  content: {
    'application/json': {
      schema: { type: 'object', properties: { type: { type: 'string', enum: INSTRUMENT_TYPES }, index: { type: 'string', enum: ['time', 'key'] } }, additionalProperties: false },
    },
  },
};

/** Body of a points POST. */
export const pointsBodyDoc: DocBody = {
  description: 'Points: CSV with the header time,value (or key,value), JSON { times | keys, values }, an Arrow IPC stream with columns time (or key) and value, or a keepr tuple block with items time (or key) and value',
  content: {
    'text/csv': { schema: { type: 'string' } },
    'application/json': {
      schema: { type: 'object', properties: { times: { type: 'array', items: {} }, keys: { type: 'array', items: { type: 'string' } }, values: { type: 'array', items: {} } }, required: ['values'] },
    },
    'application/vnd.apache.arrow.stream': { schema: binarySchema },
    'application/vnd.keepr.block': { schema: binarySchema },
  },
};

const bound = (what: string): Record<string, unknown> => ({ type: 'string', description: `${what}: µs or ISO-8601 for a time series, a key in keyEncoding for a keyed column` });

const bounds = {
  gt: bound('Only points after this'),
  gte: bound('Only points from this on'),
  lt: bound('Only points before this'),
  lte: bound('Only points up to this'),
} as const;

const keyed = {
  prefix: { type: 'string', description: 'Keyed column: only keys starting with this (in keyEncoding)' },
  keyEncoding: { type: 'string', enum: ['utf8', 'hex', 'base64url'], description: 'How keys are written in bounds and answers (default utf8)' },
} as const;

const timeUnit = { type: 'string', enum: ['us', 'ms', 'iso'], description: 'Times in JSON and CSV answers: us (decimal strings, default), ms (numbers) or iso; ms also turns the time item of a block answer into float64 ms' } as const;
const format = { type: 'string', enum: ['json', 'csv', 'arrow', 'block'], description: 'The answer format, overriding Accept' } as const;
const order = {
  reverse: { type: 'boolean', description: 'Descending order' },
  limit: { type: 'integer', description: 'At most this many points (the instrument refuses a negative one: ARGUMENT_INVALID)' },
} as const;

/** Query of a points read. */
export const readQuerySchema = { type: 'object', properties: { ...bounds, ...order, ...keyed, timeUnit, format } } as const;

/** Query of a points delete. */
export const deleteQuerySchema = { type: 'object', properties: { ...bounds, ...keyed } } as const;

/** Query of a downsample. */
export const downsampleQuerySchema = {
  type: 'object',
  properties: {
    ...bounds,
    buckets: { type: 'integer', description: 'Equal buckets over the range (default 1000; 1 to 1,000,000)' },
    every: { type: 'string', pattern: '^-?[0-9]+$', description: 'Bucket width in µs (instead of buckets)' },
    ops: { type: 'string', description: `Comma-separated aggregates among ${DOWNSAMPLE_OPS.join(', ')} (default all)` },
    m4: { type: 'boolean', description: 'Per bucket the first, min, max and last points instead of aggregates' },
    timeUnit,
    format,
  },
} as const;

/** Query of an aligned read. */
export const alignedQuerySchema = {
  type: 'object',
  properties: {
    names: { type: 'string', description: 'Comma-separated instrument names, all of one index kind; the first decides as-of times' },
    ...bounds,
    ...order,
    ...keyed,
    join: { type: 'string', enum: ['outer', 'asof'], description: 'Time series: outer (default) or asof' },
    tolerance: { type: 'string', pattern: '^-?[0-9]+$', description: 'As-of: how far back (µs) a value may be' },
    timeUnit,
    format,
  },
  required: ['names'],
} as const;

/** Answers of the reads, by media type. */
export const tableAnswer = {
  description: 'The rows: JSON (default), CSV, Arrow IPC stream or a keepr tuple block, by Accept or ?format=',
  content: {
    'application/json': { schema: { type: 'object', additionalProperties: true } },
    'text/csv': { schema: { type: 'string' } },
    'application/vnd.apache.arrow.stream': { schema: binarySchema },
    'application/vnd.keepr.block': { schema: binarySchema },
  },
} as const;
