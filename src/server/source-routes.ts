/**
 * Routes for sources as a whole: list, create, stat, drop, scan their entries page by page,
 * and the store's statistics.
 */
import type { FastifyInstance } from 'fastify';
import type { Block } from '../block/index.js';
import { keyEncodingOfQuery, rangeOfQuery, rangeQueryProperties, type RangeQuery } from './source-keys.js';
import { KeeprError } from '../errors.js';
import { encodeCursor, keyToText, sourceStats } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { roleAllows } from './auth.js';
import { serverFacts } from './server-facts.js';
import { encodeEntries, BATCH_MEDIA_TYPE } from '../wire/batch-wire.js';
import { encodingOf, renderBlock } from './bodies.js';
import { acceptsExactly } from './content-types.js';
import { DEFAULT_ENTRIES_PAGE, ENTRIES_PAGE_BYTES } from './options.js';
import { binarySchema, blockValueSchema, errorResponses, sourceParamsSchema } from './schemas.js';

const TAGS = ['sources'];

/** Query string of an entries page. */
interface EntriesQuery extends RangeQuery {
  readonly encoding?: string;
}

const entriesQuerySchema = {
  type: 'object',
  properties: {
    ...rangeQueryProperties(DEFAULT_ENTRIES_PAGE),
    encoding: { type: 'string', enum: ['json', 'base64'], description: 'How blocks appear in the JSON answer (default json)' },
  },
  additionalProperties: false,
} as const;

const sourceStatSchema = {
  type: 'object',
  properties: { source: { type: 'string' }, blocks: { type: 'integer' }, byteLength: { type: 'integer' } },
  required: ['source', 'blocks', 'byteLength'],
} as const;

/** Registers the source routes and `/v1/stats`. */
export function registerSourceRoutes(app: FastifyInstance, store: Store): void {
  app.get(
    '/v1/sources',
    {
      config: { role: 'read' },
      schema: { operationId: 'listSources', summary: 'Names of all sources', tags: TAGS, response: { 200: { type: 'object', properties: { sources: { type: 'array', items: { type: 'string' } } } }, ...errorResponses } },
    },
    async () => ({ sources: await store.sources() }),
  );

  app.put<{ Params: { source: string } }>(
    '/v1/sources/:source',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createSource',
        summary: 'Create a source (409 SOURCE_EXISTS when it is there)',
        tags: TAGS,
        params: sourceParamsSchema,
        response: { 201: { type: 'object', properties: { source: { type: 'string' } }, description: 'Created' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const source = await store.createSource(request.params.source);
      return reply.code(201).header('location', `/v1/sources/${encodeURIComponent(source.name)}`).send({ source: source.name });
    },
  );

  app.get<{ Params: { source: string } }>(
    '/v1/sources/:source',
    {
      config: { role: 'read' },
      schema: { operationId: 'getSource', summary: 'Block count and byteLength (summed block sizes) of a source (reads every header)', tags: TAGS, params: sourceParamsSchema, response: { 200: sourceStatSchema, ...errorResponses } },
    },
    async (request) => sourceStats(await store.source(request.params.source, { create: false })),
  );

  app.delete<{ Params: { source: string } }>(
    '/v1/sources/:source',
    {
      config: { role: 'admin' },
      schema: { operationId: 'dropSource', summary: 'Drop a source and every block in it', tags: TAGS, params: sourceParamsSchema, response: { 204: { type: 'null', description: 'Dropped' }, ...errorResponses } },
    },
    async (request, reply) => {
      const { source } = request.params;
      if (!(await store.dropSource(source))) {
        throw new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(source)} does not exist`, { details: { source } });
      }
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { source: string }; Querystring: EntriesQuery }>(
    '/v1/sources/:source/entries',
    {
      config: { role: 'read' },
      schema: {
        operationId: 'listEntries',
        summary: 'One page of keys and blocks in key order within bounds; continue with ?cursor=',
        tags: TAGS,
        params: sourceParamsSchema,
        querystring: entriesQuerySchema,
        response: {
          200: {
            description: 'A page of entries: JSON, or the binary framing when Accept names application/vnd.keepr.batch',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { items: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, block: blockValueSchema } } }, cursor: { type: ['string', 'null'] } },
                },
              },
              [BATCH_MEDIA_TYPE]: { schema: binarySchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_ENTRIES_PAGE, encoding: enc } = request.query;
      const encoding = encodingOf(enc, 'HTTP_REQUEST_INVALID');
      const keyEncoding = keyEncodingOfQuery(request.query);
      const range = rangeOfQuery(request.query);
      const binary = acceptsExactly(request.headers.accept, BATCH_MEDIA_TYPE);
      const source = await store.source(request.params.source, { create: false });
      const page: [Uint8Array, Block][] = [];
      let bytes = 0;
      let more = false;
      // One entry beyond the page tells whether another follows; a byte budget keeps pages of big blocks small.
      for await (const [key, block] of source.entries({ ...range, keyEncoding: 'binary', limit: limit + 1 })) {
        if (page.length === limit || bytes >= ENTRIES_PAGE_BYTES) {
          more = true;
          break;
        }
        page.push([key, block]);
        bytes += block.byteLength;
      }
      const last = page.at(-1);
      const cursor = more && last !== undefined ? encodeCursor(last[0]) : undefined;
      if (binary) return reply.type(BATCH_MEDIA_TYPE).send(encodeEntries(page.map(([key, block]) => [key, block.bytes]), cursor));
      return { items: page.map(([key, block]) => ({ key: keyToText(key, keyEncoding), block: renderBlock(block, encoding) })), cursor: cursor ?? null };
    },
  );

  app.get(
    '/v1/stats',
    {
      config: { role: 'read' },
      schema: {
        operationId: 'getStats',
        summary: 'Store statistics: engine (with its reader table), sources, volatiles, durability, block cache, the serving process (engine.path and server.host for admin tokens only)',
        tags: TAGS,
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async (request) => {
      const stats = await store.stats();
      if (roleAllows(request.keeprRole, 'admin')) return { ...stats, server: serverFacts(true) };
      // Where the data lives on the host is of use to its operator only, and a map for an attacker.
      const { path: _path, ...engine } = stats.engine;
      return { ...stats, engine, server: serverFacts(false) };
    },
  );
}
