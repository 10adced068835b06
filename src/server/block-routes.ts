/**
 * Routes for blocks under `/v1/sources/{source}/blocks`. Handlers stay thin: validate names and
 * headers, turn the body into a Block, call the Source, shape the answer. Every failure is
 * thrown and left to the one error handler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NPY_MEDIA_TYPE, blockToJSON, encodeNpy, type Block } from '../block/index.js';
import { KeeprError, isKeeprError } from '../errors.js';
import { assertName, keyFromText, keyLabel, keyToText, type Key } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { requireRole, type Role } from './auth.js';
import { blockFromBody, checkWritable, header } from './bodies.js';
import { arrowStreamOf, checkArrowable } from './block-arrow.js';
import { HTML_PAGE_CSP, blockPage } from './block-html.js';
import {
  ARROW_STREAM_MEDIA_TYPE,
  BLOCK_MEDIA_TYPE,
  BLOCK_REPRESENTATIONS,
  DEFAULT_FILE_MEDIA_TYPE,
  HTML_MEDIA_TYPE,
  KEEPR_JSON_MEDIA_TYPE,
  etagOf,
  ifNoneMatchHits,
  mediaTypeEssence,
  negotiateBlock,
  writeConditions,
  type BlockRepresentation,
} from './content-types.js';
import { sendContent } from './file-content.js';
import type { ServerConfig } from './options.js';
import { binarySchema, blockBodyDoc, blockJsonSchema, blockParamsSchema, errorResponses, listQuerySchema, listedBlockSchema, sourceParamsSchema } from './schemas.js';
import { blockPath, keyEncodingOfQuery, keyEncodingQuery, pathKey, rangeOfQuery, type RangeQuery } from './source-keys.js';

export { blockPath } from './source-keys.js';

/** Route parameters of a single block. */
interface BlockParams {
  readonly source: string;
  readonly '*': string;
}

const TAGS = ['blocks'];

/** True when the source exists: one this process has open, else one in the store. */
async function sourceExists(store: Store, name: string): Promise<boolean> {
  return store.knownSource(name) !== undefined || (await store.hasSource(name));
}

/**
 * The role a block PUT needs, told before its body is read: admin when it would create its
 * source. A PUT with If-Match never creates one (on a missing source its condition fails).
 */
async function putRole(store: Store, request: FastifyRequest): Promise<Role> {
  if (header(request, 'if-match') !== undefined) return 'write';
  return (await sourceExists(store, (request.params as BlockParams).source)) ? 'write' : 'admin';
}

/** Query string of a block GET. */
interface BlockQuery {
  readonly raw?: string;
  readonly format?: BlockRepresentation;
  readonly keyEncoding?: string;
}

const blockQuerySchema = {
  type: 'object',
  properties: {
    raw: { type: 'string', description: 'Present (and not false or 0): a file block\'s content with its MIME type' },
    format: { type: 'string', enum: Object.keys(BLOCK_REPRESENTATIONS), description: 'This representation whatever the Accept header says (for links): block, json, npy, arrow or html' },
    keyEncoding: keyEncodingQuery,
  },
  additionalProperties: false,
} as const;

/** Query string of a block PUT or DELETE. */
interface KeyQuery {
  readonly keyEncoding?: string;
}

const keyQuerySchema = { type: 'object', properties: { keyEncoding: keyEncodingQuery }, additionalProperties: false } as const;

const putAnswerSchema = {
  type: 'object',
  properties: { source: { type: 'string' }, ...listedBlockSchema.properties },
  required: ['source', ...listedBlockSchema.required],
} as const;

const blockAnswer = {
  description:
    "The block: binary format by default; the JSON view when Accept prefers application/vnd.keepr+json (or application/json, unless the block is a JSON file); a file block's content when Accept names its MIME type (an application/json file for application/json; Range and gzip/br apply); a NumPy .npy file when Accept names application/x-npy (406 for blocks .npy cannot hold); an Apache Arrow IPC stream when Accept names application/vnd.apache.arrow.stream (tensors of rank 0 to 2; 406 otherwise); a readable HTML page when Accept prefers text/html (an HTML file block is sent as itself); the file content with ?raw",
  content: {
    'application/vnd.keepr.block': { schema: binarySchema },
    [KEEPR_JSON_MEDIA_TYPE]: { schema: blockJsonSchema },
    'application/x-npy': { schema: binarySchema },
    'application/vnd.apache.arrow.stream': { schema: binarySchema },
    'text/html': { schema: { type: 'string' } },
    '*/*': { schema: binarySchema },
  },
} as const;

function notFound(source: string, key: Key): KeeprError {
  const label = keyLabel(key);
  return new KeeprError('BLOCK_NOT_FOUND', `no block under key ${JSON.stringify(label)} in source ${JSON.stringify(source)}`, {
    details: { source, key: label },
  });
}

/** Where a block sent by {@link sendBlock} lives, and a representation the caller already chose. */
export interface SendBlockOptions {
  /** The source and key of the block (for the HTML page's title and links). */
  readonly source: string;
  readonly key: Key;
  /** A representation chosen by the request (`?format=`), overriding Accept. */
  readonly format?: BlockRepresentation | undefined;
}

function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The `.npy` form of a block; a block NumPy cannot hold is not acceptable in that form. */
function npyOf(block: Block): Buffer {
  try {
    return asBuffer(encodeNpy(block));
  } catch (err) {
    if (!isKeeprError(err, 'NPY_UNSUPPORTED')) throw err;
    throw new KeeprError('HTTP_NOT_ACCEPTABLE', `${NPY_MEDIA_TYPE} cannot carry this block: ${err.message}`, {
      cause: err,
      details: { ...err.details, type: block.type, mediaType: NPY_MEDIA_TYPE },
    });
  }
}

/** True for a file block that is itself an HTML document: a browser gets it as it is. */
function isHtmlFile(block: Block): boolean {
  return block.type === 'bytes' && mediaTypeEssence(block.mime) === HTML_MEDIA_TYPE;
}

/**
 * Sends a block in the negotiated representation (or 304 when the client has it). The binary
 * block has the strong tag `"<hash>"`; every other representation is a different byte sequence
 * of the same block, so it gets the weak tag `W/"<hash>"` (If-None-Match compares weakly, and
 * If-Match on a write takes either). A file's content (asked for by its MIME type, or an HTML
 * file asked for as HTML) goes out through {@link sendContent}, with ranges and compression.
 */
export function sendBlock(request: FastifyRequest, reply: FastifyReply, block: Block, options: SendBlockOptions): FastifyReply | Promise<FastifyReply> {
  const fileType = block.type === 'bytes' ? (mediaTypeEssence(block.mime) ?? DEFAULT_FILE_MEDIA_TYPE) : undefined;
  const representation = options.format ?? negotiateBlock(header(request, 'accept'), fileType);
  const hash = block.hashHex;
  // Added to a Vary that CORS may have set (Origin).
  const vary = reply.getHeader('vary');
  void reply.header('vary', vary === undefined ? 'Accept' : `${String(vary)}, Accept`);
  if (representation === 'content' || (representation === 'html' && isHtmlFile(block))) return sendContent(request, reply, block, { weak: true });
  // Encoded before the 304 check: a block .npy cannot hold is 406 whatever the client holds.
  const npy = representation === 'npy' ? npyOf(block) : undefined;
  if (representation === 'arrow') checkArrowable(block);
  void reply.header('etag', representation === 'block' ? etagOf(hash) : `W/${etagOf(hash)}`);
  if (ifNoneMatchHits(header(request, 'if-none-match'), hash)) return reply.code(304).send();
  switch (representation) {
    case 'json':
      return reply.type(`${KEEPR_JSON_MEDIA_TYPE}; charset=utf-8`).send(JSON.stringify(blockToJSON(block)));
    case 'npy':
      return reply.type(NPY_MEDIA_TYPE).send(npy);
    case 'arrow':
      return arrowStreamOf(block).then((bytes) => reply.type(ARROW_STREAM_MEDIA_TYPE).send(asBuffer(bytes)));
    case 'html': {
      const page = blockPage(block, { key: keyLabel(options.key), path: blockPath(options.source, options.key) });
      return reply.header('content-security-policy', HTML_PAGE_CSP).header('x-content-type-options', 'nosniff').type('text/html; charset=utf-8').send(page);
    }
    default:
      return reply.type(BLOCK_MEDIA_TYPE).send(asBuffer(block.bytes));
  }
}

/**
 * Sends a file block's content as itself ({@link sendContent}): its MIME type, its language, a
 * strong tag from the block hash (the URL differs from the block's, so the tag cannot be
 * confused), `Cache-Control: no-cache`, ranges, compression, 304 on a match.
 */
export function sendFile(request: FastifyRequest, reply: FastifyReply, block: Block): FastifyReply | Promise<FastifyReply> {
  if (block.type !== 'bytes') {
    throw new KeeprError('BLOCK_TYPE_MISMATCH', `only a file (bytes) block has raw content; this one is ${block.type}`, { details: { type: block.type } });
  }
  return sendContent(request, reply, block, { noCache: true });
}

function wantsRaw(query: { raw?: string }): boolean {
  return query.raw !== undefined && query.raw !== 'false' && query.raw !== '0';
}

/** Registers listing, GET/HEAD, PUT and DELETE of blocks. */
export function registerBlockRoutes(app: FastifyInstance, store: Store, config: ServerConfig): void {
  app.get<{ Params: { source: string }; Querystring: RangeQuery }>(
    '/v1/sources/:source/blocks',
    {
      config: { role: 'read' },
      schema: {
        operationId: 'listBlocks',
        summary: 'One page of keys with header facts, in key order within bounds; continue with ?cursor=',
        tags: TAGS,
        params: sourceParamsSchema,
        querystring: listQuerySchema,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: listedBlockSchema }, cursor: { type: ['string', 'null'] } } }, ...errorResponses },
      },
    },
    async (request) => {
      const encoding = keyEncodingOfQuery(request.query);
      const range = rangeOfQuery(request.query);
      const source = await store.source(request.params.source, { create: false });
      const page = await source.list({ ...range, ...(request.query.limit === undefined ? {} : { limit: request.query.limit }) });
      const items = page.items.map((item) => ({ ...item, key: keyToText(item.key, encoding) }));
      return { items, cursor: page.cursor ?? null };
    },
  );

  // The hot read path: with a known source and an engine that reads synchronously, the whole
  // answer is built without a promise (Fastify then skips its async handler machinery).
  app.get<{ Params: BlockParams; Querystring: BlockQuery }>(
    '/v1/sources/:source/blocks/*',
    {
      config: { role: 'read' },
      schema: { operationId: 'getBlock', summary: 'Read a block (HEAD: its headers)', tags: TAGS, params: blockParamsSchema, querystring: blockQuerySchema, response: { 200: blockAnswer, ...errorResponses } },
    },
    (request, reply) => {
      const { source: name } = request.params;
      const { query } = request;
      const encoding = keyEncodingOfQuery(query);
      const send = (block: Block, key: Key): FastifyReply | Promise<FastifyReply> =>
        wantsRaw(query) ? sendFile(request, reply, block) : sendBlock(request, reply, block, { source: name, key, format: query.format });
      const known = store.engine.supports.syncReads ? store.knownSource(name) : undefined;
      if (known !== undefined) {
        // getSync checks the key first, with the same check (and error) as pathKey.
        const key = keyFromText(request.params['*'], encoding);
        const block = known.getSync(key);
        if (block === undefined) throw notFound(name, key);
        return send(block, key);
      }
      const key = pathKey(request.params['*'], encoding);
      return (async () => {
        const source = await store.source(name, { create: false });
        const block = await source.get(key);
        if (block === undefined) throw notFound(name, key);
        return send(block, key);
      })();
    },
  );

  app.put<{ Params: BlockParams; Querystring: KeyQuery; Body: Buffer | undefined }>(
    '/v1/sources/:source/blocks/*',
    {
      config: { role: 'write', roleOf: (request) => putRole(store, request), docBody: blockBodyDoc, fileBody: true },
      schema: {
        operationId: 'putBlock',
        summary: 'Store a block (creates the source); If-None-Match: * / If-Match make it conditional',
        tags: TAGS,
        params: blockParamsSchema,
        querystring: keyQuerySchema,
        response: { 201: { ...putAnswerSchema, description: 'Stored' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { source: name } = request.params;
      // Check everything about the request before touching the store, so a bad request changes nothing.
      assertName(name, 'source');
      const encoding = keyEncodingOfQuery(request.query);
      const key = pathKey(request.params['*'], encoding);
      const label = keyLabel(key);
      const conditions = writeConditions(header(request, 'if-none-match'), header(request, 'if-match'));
      const language = header(request, 'content-language')?.trim();
      const file = { ...(language ? { language } : {}), ...(name === config.webSource ? { url: `/${label}` } : {}) };
      const block = blockFromBody(request.body ?? Buffer.alloc(0), header(request, 'content-type'), request, file);
      checkWritable(config, name, label, block);
      const exists = await sourceExists(store, name);
      // A condition on a missing source fails without creating the source.
      if ((conditions.mode === 'if-exists' || conditions.ifHash !== undefined) && !exists) {
        const code = conditions.ifHash !== undefined ? 'WRITE_HASH_MISMATCH' : 'WRITE_KEY_ABSENT';
        throw new KeeprError(code, `write condition failed for key ${JSON.stringify(label)}: source ${JSON.stringify(name)} does not exist`, {
          details: { source: name, key: label },
        });
      }
      // Creating a source is an admin's right, also when a block PUT would do it on the way
      // (checked before the body was read too; again here, for a source dropped meanwhile).
      if (!exists) requireRole(request, 'admin', `creating source ${JSON.stringify(name)}`);
      const source = await store.source(name);
      await source.put(key, block, conditions);
      return reply
        .code(201)
        .header('etag', etagOf(block.hashHex))
        .header('location', blockPath(name, key))
        .send({ source: name, key: keyToText(key, encoding), hash: block.hashHex, type: block.type, shape: block.shape, byteLength: block.byteLength });
    },
  );

  app.delete<{ Params: BlockParams; Querystring: KeyQuery }>(
    '/v1/sources/:source/blocks/*',
    {
      config: { role: 'write' },
      schema: { operationId: 'deleteBlock', summary: 'Delete a block; If-Match: "<hash>" deletes only that block', tags: TAGS, params: blockParamsSchema, querystring: keyQuerySchema, response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses } },
    },
    async (request, reply) => {
      const { source: name } = request.params;
      assertName(name, 'source');
      const key = pathKey(request.params['*'], keyEncodingOfQuery(request.query));
      const conditions = writeConditions(header(request, 'if-none-match'), header(request, 'if-match'));
      if (conditions.mode === 'if-absent') {
        throw new KeeprError('HTTP_REQUEST_INVALID', 'If-None-Match is not supported on DELETE', { details: { header: 'If-None-Match' } });
      }
      const source = await store.source(name, { create: false });
      const existed = await source.delete(key, conditions.ifHash === undefined ? {} : { ifHash: conditions.ifHash });
      if (!existed) throw notFound(name, key);
      return reply.code(204).send();
    },
  );
}
