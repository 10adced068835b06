/**
 * Web resources from blocks: `GET /a/b.html` serves key `a/b.html` of the web source (default
 * `www`) when that block's URL attribute is `/a/b.html`; `/` and paths ending in `/` serve
 * their `index.html`. The path is looked up as a key and nothing else: no filesystem, and a
 * path that is not a valid key (`..`, empty segments) simply is not there.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Block } from '../block/index.js';
import { KeeprError, isKeeprError } from '../errors.js';
import { assertKey } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { sendBlock, sendFile } from './block-routes.js';
import type { ServerConfig } from './options.js';
import type { RouteTable } from './route-table.js';
import { binarySchema, errorResponses } from './schemas.js';

/** Path prefixes the API owns; the web source cannot shadow them. */
const RESERVED = /^(?:v\d+\/|healthz$|metrics$|openapi\.json$)/;

/** 404, or 405 for an API path that other methods have (this route catches every unmatched GET). */
function notFound(routes: RouteTable, path: string, method = 'GET'): KeeprError {
  return routes.methodNotAllowed(method, path) ?? new KeeprError('HTTP_ROUTE_NOT_FOUND', `no route or web resource for ${path}`, { details: { path } });
}

/** The web source key a request path names, or undefined when no key can match it. */
export function webKey(path: string): string | undefined {
  const key = path.endsWith('/') ? `${path.slice(1)}index.html` : path.slice(1);
  if (RESERVED.test(key)) return undefined;
  try {
    assertKey(key);
  } catch {
    return undefined;
  }
  return key;
}

/** Registers the catch-all web route (GET and HEAD); `routes` tells API paths it does not serve from wrong methods. */
export function registerWebRoutes(app: FastifyInstance, store: Store, config: ServerConfig & { readonly webSource: string }, routes: RouteTable): void {
  const web = config.webSource;
  const serve = (request: FastifyRequest, reply: FastifyReply, path: string, block: Block | undefined): FastifyReply | Promise<FastifyReply> => {
    // Published only at its own URL: a block whose URL attribute disagrees is not served.
    if (block?.url !== path) throw notFound(routes, path);
    return block.type === 'bytes' ? sendFile(request, reply, block) : sendBlock(request, reply, block, { source: web, key: path.slice(1) });
  };
  app.get<{ Params: { '*': string } }>(
    '/*',
    {
      // Only paths that can name a web key: the rest count as the API's for 405 answers.
      config: { ...(config.webPublic ? {} : { role: 'read' as const }), servesPath: (path: string) => webKey(path) !== undefined },
      schema: {
        operationId: 'getWebResource',
        summary: `A web resource: the block of source ${web} whose URL attribute is this path (…/ serves …/index.html)`,
        tags: ['web'],
        params: { type: 'object', properties: { '*': { type: 'string', description: 'The path after /' } }, required: ['*'] },
        response: { 200: { description: 'The file, with its MIME type, language and ETag', content: { '*/*': { schema: binarySchema } } }, ...errorResponses },
      },
    },
    (request, reply) => {
      // Percent-decoded once, like block keys in /v1 paths.
      const path = `/${request.params['*']}`;
      const key = webKey(path);
      if (key === undefined) throw notFound(routes, path, request.method);
      const url = `/${key}`;
      const known = store.engine.supports.syncReads ? store.knownSource(web) : undefined;
      if (known !== undefined) return serve(request, reply, url, known.getSync(key));
      return (async () => {
        let block: Block | undefined;
        try {
          block = await (await store.source(web, { create: false })).get(key);
        } catch (err) {
          if (isKeeprError(err, 'SOURCE_NOT_FOUND')) throw notFound(routes, path);
          throw err;
        }
        return serve(request, reply, url, block);
      })();
    },
  );
}
