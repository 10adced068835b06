/**
 * `POST /v1/sources/{source}/batch`: many reads and writes of one source in one call and one
 * transaction (Source.transact): all writes land or none does, and gets read the state before
 * the batch's writes. The body is JSON or the binary framing of batch-wire.ts; the answer uses
 * the framing of the request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import { assertAnyKey, assertName, keyFromText, keyLabel, type KeyTextEncoding, type TransactOp, type TransactResult, type WriteMode } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { isArray, isObject } from '../util/guards.js';
import { requireRole } from './auth.js';
import { BATCH_MEDIA_TYPE, decodeBatchRequest, encodeBatchAnswer, tooManyOps, type WireOp } from '../wire/batch-wire.js';
import { atIndex, blockFromField, checkWritable, encodingOf, fieldsOf, header, parseJsonBody, renderBlock, type BlockEncoding } from './bodies.js';
import { JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';
import { binarySchema, blockJsonSchema, blockValueSchema, errorResponses, sourceParamsSchema } from './schemas.js';
import { keyEncodingOfQuery, keyEncodingQuery } from './source-keys.js';

const BODY_FIELDS = new Set(['ops', 'encoding']);
const OP_FIELDS = new Set(['op', 'key', 'block', 'blockBase64', 'mode', 'ifHash']);
const MODES: readonly WriteMode[] = ['always', 'if-absent', 'if-exists'];

const opSchema = {
  type: 'object',
  properties: {
    op: { type: 'string', enum: ['get', 'put', 'delete'] },
    key: { type: 'string', description: 'The key, in the keyEncoding of the query' },
    block: { ...blockJsonSchema, description: 'put: the block as a JSON block description (or a bare JSON value)' },
    blockBase64: { type: 'string', format: 'byte', description: 'put: the block in the binary format, base64' },
    mode: { type: 'string', enum: MODES },
    ifHash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
  },
  required: ['op', 'key'],
} as const;

const batchBodyDoc = {
  description: 'Operations, as JSON or in the binary framing (docs/http-api.md)',
  content: {
    'application/json': {
      schema: { type: 'object', properties: { ops: { type: 'array', items: opSchema }, encoding: { type: 'string', enum: ['json', 'base64'] } }, required: ['ops'] },
    },
    [BATCH_MEDIA_TYPE]: { schema: binarySchema },
  },
};

const resultSchema = {
  type: 'object',
  description: 'get: { block } (null when absent); put: { hash }; delete: { existed }',
  properties: { block: { ...blockValueSchema, nullable: true }, hash: { type: 'string' }, existed: { type: 'boolean' } },
} as const;

/** Turns one JSON operation into a transact operation (its key text read in `keyEncoding`). */
function jsonOp(value: unknown, index: number, keyEncoding: KeyTextEncoding): TransactOp {
  const raw = fieldsOf(value, OP_FIELDS, 'BATCH_INVALID', `operation ${index}`);
  const { op, mode, ifHash } = raw;
  if (typeof raw['key'] !== 'string') throw new KeeprError('BATCH_INVALID', `operation ${index}: key must be a string`, { details: { index } });
  const key = keyFromText(raw['key'], keyEncoding);
  if (ifHash !== undefined && (typeof ifHash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(ifHash))) {
    throw new KeeprError('BATCH_INVALID', `operation ${index}: ifHash must be 64 hex digits`, { details: { index } });
  }
  const condition = ifHash === undefined ? {} : { ifHash };
  const noBlock = raw['block'] === undefined && raw['blockBase64'] === undefined;
  if (op === 'get' && mode === undefined && ifHash === undefined && noBlock) return { op, key };
  if (op === 'delete' && mode === undefined && noBlock) return { op, key, ...condition };
  if (op === 'put') {
    if (mode !== undefined && !MODES.includes(mode as WriteMode)) throw new KeeprError('BATCH_INVALID', `operation ${index}: mode must be one of ${MODES.join(', ')}`, { details: { index } });
    return { op, key, block: blockFromField(raw), ...(mode === undefined ? {} : { mode: mode as WriteMode }), ...condition };
  }
  const what = op === 'get' || op === 'delete' ? `a ${op} takes only key${op === 'delete' ? ' and ifHash' : ''}` : 'op must be get, put or delete';
  throw new KeeprError('BATCH_INVALID', `operation ${index}: ${what}`, { details: { index } });
}

/** Turns one framed operation into a transact operation (the block is fully validated). */
function wireOp(op: WireOp): TransactOp {
  if (op.op !== 'put') return op;
  let block: Block;
  try {
    block = Block.decode(op.block);
  } catch (err) {
    throw err instanceof KeeprError ? err : new KeeprError('BLOCK_MALFORMED', `not a valid binary block: ${String(err)}`, { cause: err });
  }
  return { op: 'put', key: op.key, block, ...(op.mode === undefined ? {} : { mode: op.mode }), ...(op.ifHash === undefined ? {} : { ifHash: op.ifHash }) };
}

/**
 * `AUTH_FORBIDDEN` for a batch that writes from a token that may not. Only the body tells, so
 * this runs as soon as the operation names are read, before any block is built from the body.
 */
function checkWrites(request: FastifyRequest, names: readonly unknown[]): void {
  if (names.some((name) => name === 'put' || name === 'delete')) requireRole(request, 'write', 'a batch that writes');
}

/** Reads the operations of a batch request, by its Content-Type. */
function readOps(request: FastifyRequest, maxOps: number, keyEncoding: KeyTextEncoding): { ops: TransactOp[]; binary: boolean; encoding: BlockEncoding } {
  const essence = mediaTypeEssence(header(request, 'content-type'));
  const body = request.body as Buffer | undefined;
  if (essence === BATCH_MEDIA_TYPE) {
    const framed = decodeBatchRequest(body ?? Buffer.alloc(0), maxOps);
    checkWrites(request, framed.map((op) => op.op));
    return { ops: framed.map((op, i) => indexed(i, () => wireOp(op))), binary: true, encoding: 'base64' };
  }
  if (essence !== JSON_MEDIA_TYPE) {
    throw new KeeprError('HTTP_CONTENT_TYPE_UNSUPPORTED', `a batch is ${JSON_MEDIA_TYPE} or ${BATCH_MEDIA_TYPE}, not ${essence ?? 'an untyped body'}`);
  }
  const parsed = fieldsOf(parseJsonBody(body), BODY_FIELDS, 'BATCH_INVALID', 'the batch');
  const list = parsed['ops'];
  if (!isArray(list)) throw new KeeprError('BATCH_INVALID', 'ops must be an array of operations');
  if (list.length > maxOps) throw tooManyOps(list.length, maxOps);
  checkWrites(request, list.map((op) => (isObject(op) ? (op as Record<string, unknown>)['op'] : undefined)));
  return { ops: list.map((value, i) => indexed(i, () => jsonOp(value, i, keyEncoding))), binary: false, encoding: encodingOf(parsed['encoding'], 'BATCH_INVALID') };
}

function indexed<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { details?: { index?: unknown } };
    throw e.details?.index === undefined ? atIndex(err, index) : err;
  }
}

/** The JSON answer of one operation. */
function jsonResult(op: TransactOp, result: TransactResult, encoding: BlockEncoding): Record<string, unknown> {
  if (op.op === 'get') return { block: result instanceof Block ? renderBlock(result, encoding) : null };
  if (op.op === 'put') return { hash: op.block.hashHex };
  return { existed: result === true };
}

/** Registers the batch route. */
export function registerBatchRoutes(app: FastifyInstance, store: Store, config: ServerConfig): void {
  app.post<{ Params: { source: string }; Querystring: { keyEncoding?: string } }>(
    '/v1/sources/:source/batch',
    {
      config: { role: 'read', docBody: batchBodyDoc },
      schema: {
        operationId: 'runBatch',
        summary: 'Read and write many blocks of one source in one transaction, all or nothing (needs write when it writes)',
        tags: ['blocks'],
        params: sourceParamsSchema,
        querystring: { type: 'object', properties: { keyEncoding: keyEncodingQuery }, additionalProperties: false },
        response: {
          200: {
            description: 'One result per operation, in the framing of the request',
            content: {
              'application/json': { schema: { type: 'object', properties: { results: { type: 'array', items: resultSchema } } } },
              [BATCH_MEDIA_TYPE]: { schema: binarySchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const name = request.params.source;
      assertName(name, 'source');
      const { ops, binary, encoding } = readOps(request, config.maxBatchOps, keyEncodingOfQuery(request.query));
      ops.forEach((op, i) => {
        indexed(i, () => {
          assertAnyKey(op.key);
          if (op.op === 'put') checkWritable(config, name, keyLabel(op.key), op.block);
        });
      });
      const source = await store.source(name, { create: false });
      const results = await source.transact(ops);
      if (binary) return reply.type(BATCH_MEDIA_TYPE).send(encodeBatchAnswer(results.map((r) => (r instanceof Block ? r.bytes : r))));
      return { results: ops.map((op, i) => jsonResult(op, results[i], encoding)) };
    },
  );
}
