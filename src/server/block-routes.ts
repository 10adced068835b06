/**
 * Routes for sources and blocks under `/v1`. Handlers stay thin: validate names and headers,
 * turn the body into a Block, call the Source, shape the answer. Every failure is thrown and
 * left to the one error handler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Block, blockInitFromJSON, blockToJSON } from '../block/index.js';
import { KeeprError, isKeeprError, type ErrorCode } from '../errors.js';
import { LIST_MAX_LIMIT, assertKey, assertName, type Store } from '../keepr/index.js';
import {
  BLOCK_MEDIA_TYPE,
  DEFAULT_FILE_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  etagOf,
  ifNoneMatchHits,
  mediaTypeEssence,
  negotiateBlock,
  writeConditions,
} from './content-types.js';

/** Route parameters of a single block. */
interface BlockParams {
  readonly source: string;
  readonly '*': string;
}

/** Query string of a block listing. */
interface ListQuery {
  readonly prefix?: string;
  readonly limit?: number;
  readonly cursor?: string;
  readonly reverse?: boolean;
}

const sourceParamsSchema = {
  type: 'object',
  properties: { source: { type: 'string' } },
  required: ['source'],
} as const;

const blockParamsSchema = {
  type: 'object',
  properties: { source: { type: 'string' }, '*': { type: 'string' } },
  required: ['source', '*'],
} as const;

const listQuerySchema = {
  type: 'object',
  properties: {
    prefix: { type: 'string' },
    limit: { type: 'integer', minimum: 1, maximum: LIST_MAX_LIMIT },
    cursor: { type: 'string' },
    reverse: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Path patterns and the methods each accepts, for 405 answers from the not-found handler. */
const ROUTE_METHODS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^\/v1\/sources$/, ['GET', 'HEAD']],
  [/^\/v1\/sources\/[^/]+\/blocks$/, ['GET', 'HEAD']],
  [/^\/v1\/sources\/[^/]+\/blocks\/.*$/, ['GET', 'HEAD', 'PUT', 'DELETE']],
];

/** The methods a `/v1` path accepts, or undefined when no route has that path. */
export function allowedMethods(path: string): readonly string[] | undefined {
  for (const [pattern, methods] of ROUTE_METHODS) if (pattern.test(path)) return methods;
  return undefined;
}

/** Runs a conversion of client bytes; a non-KeeprError from it is still the client's bad input. */
function fromClient(code: ErrorCode, what: string, request: FastifyRequest, build: () => Block): Block {
  try {
    return build();
  } catch (err) {
    if (isKeeprError(err)) throw err;
    // A library gap, not a server fault: report it as bad input but leave a trace to fix it.
    request.log.warn({ err }, `non-keepr error while reading ${what}`);
    const reason = err instanceof Error ? err.message : String(err);
    throw new KeeprError(code, `the body is not a valid ${what}: ${reason}`, { cause: err });
  }
}

/** Turns a request body into a block according to its Content-Type. */
export function blockFromBody(body: Buffer, contentType: string | undefined, request: FastifyRequest): Block {
  const essence = mediaTypeEssence(contentType) ?? DEFAULT_FILE_MEDIA_TYPE;
  if (essence === BLOCK_MEDIA_TYPE) return fromClient('BLOCK_MALFORMED', 'binary block', request, () => Block.decode(body));
  if (essence === JSON_MEDIA_TYPE) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(strictUtf8.decode(body));
    } catch (err) {
      throw new KeeprError('HTTP_BODY_MALFORMED', `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    return fromClient('BLOCK_JSON_INVALID', 'JSON block', request, () => Block.create(blockInitFromJSON(parsed)));
  }
  const mime = contentType?.trim() || DEFAULT_FILE_MEDIA_TYPE;
  return fromClient('BLOCK_INVALID', 'file block', request, () => Block.file(body, mime));
}

/** The URL path of a block, each key segment escaped. */
export function blockPath(source: string, key: string): string {
  return `/v1/sources/${encodeURIComponent(source)}/blocks/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function notFound(source: string, key: string): KeeprError {
  return new KeeprError('BLOCK_NOT_FOUND', `no block under key ${JSON.stringify(key)} in source ${JSON.stringify(source)}`, {
    details: { source, key },
  });
}

/** Sends a block in the negotiated representation (or 304 when the client has it). */
function sendBlock(request: FastifyRequest, reply: FastifyReply, block: Block): FastifyReply {
  const representation = negotiateBlock(header(request, 'accept'));
  const hash = block.hashHex;
  // The JSON view is a different byte sequence, so it gets a weak tag; If-None-Match compares weakly.
  const etag = representation === 'block' ? etagOf(hash) : `W/${etagOf(hash)}`;
  void reply.header('vary', 'Accept').header('etag', etag);
  if (ifNoneMatchHits(header(request, 'if-none-match'), hash)) return reply.code(304).send();
  if (representation === 'json') return reply.type('application/json; charset=utf-8').send(blockToJSON(block));
  const bytes = block.bytes;
  return reply.type(BLOCK_MEDIA_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Registers the `/v1` source and block routes on `app`. */
export function registerBlockRoutes(app: FastifyInstance, store: Store): void {
  app.get('/v1/sources', async () => ({ sources: await store.sources() }));

  app.get<{ Params: { source: string }; Querystring: ListQuery }>(
    '/v1/sources/:source/blocks',
    { schema: { params: sourceParamsSchema, querystring: listQuerySchema } },
    async (request) => {
      const source = await store.source(request.params.source, { create: false });
      const { prefix, limit, cursor, reverse } = request.query;
      const page = await source.list({ prefix, limit, cursor, reverse });
      return { items: page.items, cursor: page.cursor ?? null };
    },
  );

  // The hot read path: with a known source and an engine that reads synchronously, the whole
  // answer is built without a promise (Fastify then skips its async handler machinery).
  app.get<{ Params: BlockParams }>('/v1/sources/:source/blocks/*', (request, reply) => {
    const { source: name, '*': key } = request.params;
    const known = store.engine.supports.syncReads ? store.knownSource(name) : undefined;
    if (known !== undefined) {
      const block = known.getSync(key);
      if (block === undefined) throw notFound(name, key);
      return sendBlock(request, reply, block);
    }
    return (async () => {
      const source = await store.source(name, { create: false });
      const block = await source.get(key);
      if (block === undefined) throw notFound(name, key);
      return sendBlock(request, reply, block);
    })();
  });

  app.put<{ Params: BlockParams; Body: Buffer | undefined }>(
    '/v1/sources/:source/blocks/*',
    { schema: { params: blockParamsSchema } },
    async (request, reply) => {
      const { source: name, '*': key } = request.params;
      // Check everything about the request before touching the store, so a bad request changes nothing.
      assertName(name, 'source');
      assertKey(key);
      const conditions = writeConditions(header(request, 'if-none-match'), header(request, 'if-match'));
      const block = blockFromBody(request.body ?? Buffer.alloc(0), header(request, 'content-type'), request);
      // A condition on a missing source fails without creating the source.
      if ((conditions.mode === 'if-exists' || conditions.ifHash !== undefined) && !(await store.hasSource(name))) {
        const code = conditions.ifHash !== undefined ? 'WRITE_HASH_MISMATCH' : 'WRITE_KEY_ABSENT';
        throw new KeeprError(code, `write condition failed for key ${JSON.stringify(key)}: source ${JSON.stringify(name)} does not exist`, {
          details: { source: name, key },
        });
      }
      const source = await store.source(name);
      await source.put(key, block, conditions);
      return reply
        .code(201)
        .header('etag', etagOf(block.hashHex))
        .header('location', blockPath(name, key))
        .send({ source: name, key, hash: block.hashHex, type: block.type, shape: block.shape, byteLength: block.byteLength });
    },
  );

  app.delete<{ Params: BlockParams }>('/v1/sources/:source/blocks/*', { schema: { params: blockParamsSchema } }, async (request, reply) => {
    const { source: name, '*': key } = request.params;
    assertName(name, 'source');
    assertKey(key);
    const conditions = writeConditions(header(request, 'if-none-match'), header(request, 'if-match'));
    if (conditions.mode === 'if-absent') {
      throw new KeeprError('HTTP_REQUEST_INVALID', 'If-None-Match is not supported on DELETE', { details: { header: 'If-None-Match' } });
    }
    const source = await store.source(name, { create: false });
    const existed = await source.delete(key, conditions.ifHash === undefined ? {} : { ifHash: conditions.ifHash });
    if (!existed) throw notFound(name, key);
    return reply.code(204).send();
  });
}
