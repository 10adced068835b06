/**
 * JSON schemas of the versioned state routes (parameters and queries enforced by Fastify,
 * bodies and answers for `/openapi.json`). Heights and keys in paths are plain strings here:
 * the routes parse them, so a bad one is `STATE_HEIGHT_INVALID` or `STATE_KEY_INVALID`.
 */
import { LIST_MAX_LIMIT } from '../keepr/index.js';
import { MAX_HEIGHT } from '../state/state-records.js';
import { DEFAULT_ENTRIES_PAGE } from './options.js';
import { blockJsonSchema, type DocBody } from './schemas.js';
import { KEY_ENCODINGS } from '../wire/state-wire.js';

const stateName = { type: 'string', description: 'State name: 1 to 64 of A-Z a-z 0-9 . _ -' } as const;
const heightText = { type: 'string', description: 'A committed height (decimal) or latest' } as const;
const treeName = { type: 'string', description: 'Tree name: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit' } as const;
const hex = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const treeRoots = { type: 'object', description: 'Tree name → root (hex)', additionalProperties: { type: 'string' } } as const;
const keyEncoding = { type: 'string', enum: KEY_ENCODINGS, description: 'How keys are written in this request and its answer (default utf8)' } as const;
const encoding = { type: 'string', enum: ['json', 'base64'], description: 'How block values come back: the JSON view (default) or blockBase64' } as const;

/** Route parameters: a state. */
export const stateParamsSchema = { type: 'object', properties: { state: stateName }, required: ['state'] } as const;

/** Route parameters: a height of a state. */
export const heightParamsSchema = { type: 'object', properties: { state: stateName, height: heightText }, required: ['state', 'height'] } as const;

/** Route parameters: a tree at a height. */
export const treeParamsSchema = {
  type: 'object',
  properties: { state: stateName, height: heightText, tree: treeName },
  required: ['state', 'height', 'tree'],
} as const;

/** Route parameters: a key of a tree at a height (the rest of the path, in `keyEncoding`). */
export const keyParamsSchema = {
  type: 'object',
  properties: { ...treeParamsSchema.properties, '*': { type: 'string', description: 'The key in keyEncoding, percent-encoded (utf8: / and all)' } },
  required: ['state', 'height', 'tree', '*'],
} as const;

/** A state value in a JSON answer or change: exactly one of bytes, block, blockBase64. */
export const stateValueProperties = {
  bytes: { type: 'string', format: 'byte', description: 'A raw-bytes value, base64' },
  block: { ...blockJsonSchema, description: 'A block value, JSON view' },
  blockBase64: { type: 'string', format: 'byte', description: 'A block value, binary format in base64' },
} as const;

/** Answer: a state and its latest height. */
export const summarySchema = {
  type: 'object',
  properties: {
    state: { type: 'string' },
    latest: { type: 'integer', nullable: true, description: 'The last committed height; null before the first commit' },
    prunedBefore: { type: 'integer', description: 'The first height still readable' },
    root: { ...hex, nullable: true, description: 'State root at latest (hex)' },
    trees: { ...treeRoots, description: 'Tree roots at latest (hex), by name' },
  },
  required: ['state', 'latest', 'prunedBefore', 'root', 'trees'],
} as const;

/** Answer: one height's record. */
export const heightRecordSchema = {
  type: 'object',
  properties: { height: { type: 'integer' }, root: hex, changes: { type: 'integer', description: 'Keys changed at this height' }, trees: treeRoots },
  required: ['height', 'root', 'changes', 'trees'],
} as const;

const heightBound = (what: string): Record<string, unknown> => ({ type: 'integer', minimum: 0, maximum: MAX_HEIGHT, description: what });
const cursor = { type: 'string', description: 'Continue after the page that answered this cursor (send the same other parameters)' } as const;
const nextCursor = { type: 'string', nullable: true, description: 'Cursor of the next page; null on the last page' } as const;

/** Query of the heights listing. */
export const heightsQuerySchema = {
  type: 'object',
  properties: {
    gt: heightBound('Only heights above this'),
    gte: heightBound('Only heights from this on'),
    lt: heightBound('Only heights below this'),
    lte: heightBound('Only heights up to this one'),
    limit: { type: 'integer', minimum: 1, maximum: LIST_MAX_LIMIT, description: `Page size (default ${DEFAULT_ENTRIES_PAGE})` },
    reverse: { type: 'boolean', description: 'Newest first' },
    cursor,
  },
  additionalProperties: false,
} as const;

/** Answer: a page of heights. */
export const heightsSchema = {
  type: 'object',
  properties: {
    items: { type: 'array', items: { type: 'object', properties: { height: { type: 'integer' }, root: hex, changes: { type: 'integer', description: 'Keys changed at this height' } }, required: ['height', 'root', 'changes'] } },
    cursor: nextCursor,
  },
  required: ['items', 'cursor'],
} as const;

/** Query of a key read. */
export const keyQuerySchema = {
  type: 'object',
  properties: { proof: { type: 'boolean', description: 'Also send the encoded proof (base64url)' }, keyEncoding, encoding },
  additionalProperties: false,
} as const;

/** Answer: a key at a height. */
export const keyAnswerSchema = {
  type: 'object',
  description: 'found: false (and no value) when the key is absent; the proof then proves its absence',
  properties: {
    height: { type: 'integer' },
    root: { ...hex, description: 'State root at this height (hex)' },
    tree: { type: 'string' },
    found: { type: 'boolean' },
    ...stateValueProperties,
    proof: { type: 'string', description: 'With ?proof=true: the encoded proof, base64url (docs/state.md)' },
  },
  required: ['height', 'root', 'tree', 'found'],
} as const;

/** Query of a tree range. */
export const entriesQuerySchema = {
  type: 'object',
  properties: {
    prefix: { type: 'string', description: 'Only keys starting with this' },
    gt: { type: 'string', description: 'Only keys after this' },
    gte: { type: 'string', description: 'Only keys from this on' },
    lt: { type: 'string', description: 'Only keys before this' },
    lte: { type: 'string', description: 'Only keys up to this one' },
    cursor,
    reverse: { type: 'boolean', description: 'Descending key order' },
    limit: { type: 'integer', minimum: 1, maximum: LIST_MAX_LIMIT, description: `Most entries in this page (default ${DEFAULT_ENTRIES_PAGE})` },
    keyEncoding,
    encoding,
  },
  additionalProperties: false,
} as const;

/** Answer: a page of a tree's entries. */
export const entriesSchema = {
  type: 'object',
  properties: {
    height: { type: 'integer' },
    root: hex,
    items: {
      type: 'array',
      items: {
        type: 'object',
        description: 'key in keyEncoding (keyHex instead when utf8 was asked for and the key is not UTF-8) and the value',
        properties: { key: { type: 'string' }, keyHex: { type: 'string' }, ...stateValueProperties },
      },
    },
    cursor: nextCursor,
  },
  required: ['height', 'root', 'items', 'cursor'],
} as const;

/** Answer: a committed height. */
export const commitAnswerSchema = {
  type: 'object',
  properties: { height: { type: 'integer' }, root: hex, trees: treeRoots, changes: { type: 'integer', description: 'Keys changed at this height' } },
  required: ['height', 'root', 'trees', 'changes'],
} as const;

/** Body of a commit. */
export const commitBodyDoc: DocBody = {
  description: 'A change set sealed as one height, all or nothing',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          changes: {
            type: 'array',
            items: {
              type: 'object',
              properties: { op: { type: 'string', enum: ['put', 'delete'] }, tree: { type: 'string' }, key: { type: 'string', description: 'In keyEncoding' }, ...stateValueProperties },
              required: ['op', 'tree', 'key'],
            },
          },
          height: { type: 'integer', minimum: 0, description: 'Default the next height; a committed one re-applies it (the same change set is a no-op)' },
          keyEncoding,
        },
        required: ['changes'],
      },
    },
  },
};

/** Body of a prune. */
export const pruneBodyDoc: DocBody = {
  description: 'Exactly one of keepLast (keep the last N heights) and from (the first height to keep)',
  content: {
    'application/json': { schema: { type: 'object', properties: { keepLast: { type: 'integer', minimum: 1 }, from: { type: 'integer', minimum: 0 } } } },
  },
};

/** Answer: what a prune removed. */
export const pruneAnswerSchema = {
  type: 'object',
  properties: { prunedBefore: { type: 'integer' }, deleted: { type: 'integer', description: 'Records deleted' } },
  required: ['prunedBefore', 'deleted'],
} as const;

/** Answer: an audit report. */
export const auditAnswerSchema = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    heights: { type: 'integer' },
    records: { type: 'integer' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          problem: { type: 'string' },
          height: { type: 'integer' },
          tree: { type: 'string' },
          key: { type: 'string' },
          keyPath: { type: 'string' },
          node: { type: 'object', properties: { level: { type: 'integer' }, index: { type: 'integer' } } },
          record: { type: 'string' },
          suspects: {
            type: 'array',
            items: { type: 'object', properties: { keyPath: { type: 'string' }, key: { type: 'string' } }, required: ['keyPath'] },
          },
        },
        required: ['problem'],
      },
    },
  },
  required: ['ok', 'heights', 'records', 'problems'],
} as const;
