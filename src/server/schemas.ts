/**
 * JSON schemas shared by the routes. Parameter and query schemas are enforced by Fastify; body
 * and answer schemas document the API in `/openapi.json` (answers are serialised with
 * JSON.stringify, so a schema can never silently drop a field).
 */
import { LIST_DEFAULT_LIMIT } from '../keepr/index.js';
import { rangeQueryProperties } from './source-keys.js';

/** The error body every failure answers with. */
export const errorSchema = {
  type: 'object',
  description: 'An error: match on code (docs/errors.md)',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
  required: ['code', 'message'],
} as const;

/** Error answers every route may give. */
export const errorResponses = {
  '4XX': { ...errorSchema, description: 'Bad request, not found, failed condition, or missing rights' },
  '5XX': { ...errorSchema, description: 'The store is closed or failed' },
} as const;

/** A block in the JSON view (docs/block-format.md). */
export const blockJsonSchema = {
  type: 'object',
  description: 'A block in the JSON view',
  properties: {
    type: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
    hash: { type: 'string' },
    attributes: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: true,
} as const;

/** Bytes of any kind. */
export const binarySchema = { type: 'string', format: 'binary' } as const;

/** A block in the JSON view or as base64 of the binary format (`encoding`). */
export const blockValueSchema = {
  description: 'A block: the JSON view (encoding json) or base64 of the binary format (encoding base64)',
  anyOf: [blockJsonSchema, { type: 'string', format: 'byte' }],
} as const;

/** Route parameters: a source. */
export const sourceParamsSchema = {
  type: 'object',
  properties: { source: { type: 'string', description: 'Source name: 1 to 64 of A-Z a-z 0-9 . _ -' } },
  required: ['source'],
} as const;

/** Route parameters: a source and a key (the rest of the path). */
export const blockParamsSchema = {
  type: 'object',
  properties: {
    source: { type: 'string', description: 'Source name' },
    '*': { type: 'string', description: 'Block key: the rest of the path, / included, each segment percent-decoded once' },
  },
  required: ['source', '*'],
} as const;

/** Facts about a stored block, as listings and PUT answers give them. */
export const listedBlockSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    type: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
    byteLength: { type: 'integer' },
    hash: { type: 'string' },
  },
  required: ['key', 'type', 'shape', 'byteLength', 'hash'],
} as const;

/** Query of a block listing. */
export const listQuerySchema = {
  type: 'object',
  properties: rangeQueryProperties(LIST_DEFAULT_LIMIT),
  additionalProperties: false,
} as const;

/** Documentation of a request body that the route reads itself (not validated by Fastify). */
export interface DocBody {
  readonly description: string;
  readonly content: Readonly<Record<string, { readonly schema: unknown }>>;
}

/** The JSON and binary forms of a block as a request body. */
export const blockBodyDoc: DocBody = {
  description:
    'The block: binary block format, a block description (application/vnd.keepr+json), a NumPy .npy file (stored as a tensor block), or any other bytes (application/json documents too) as a file block of that MIME type, stored byte for byte (no Content-Type: application/octet-stream; application/x-www-form-urlencoded is refused with 415 HTTP_FORM_BODY_REFUSED)',
  content: {
    'application/vnd.keepr.block': { schema: binarySchema },
    'application/vnd.keepr+json': { schema: blockJsonSchema },
    'application/json': { schema: {} },
    'application/x-npy': { schema: binarySchema },
    'application/octet-stream': { schema: binarySchema },
  },
};
