/**
 * Web resources from blocks: `GET /a/b.html` serves key `a/b.html` of the web source (default
 * `www`) when that block's URL attribute is `/a/b.html`; `/` and paths ending in `/` serve
 * their `index.html`, and `/a` redirects to `/a/` when only the latter is published. The path
 * is looked up as a key and nothing else: no filesystem, and a path that is not a valid key
 * (`..`, empty segments) simply is not there. A browser gets missing pages as HTML.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Block } from '../block/index.js';
import { KeeprError, isKeeprError } from '../errors.js';
import { assertKey } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { CONSOLE_PATH, CONSOLE_SOURCE } from './console-install.js';
import { header } from './bodies.js';
import { HTML_PAGE_CSP, escapeHtml } from './block-html.js';
import { sendBlock, sendFile } from './block-routes.js';
import { prefersHtml } from './content-types.js';
import type { ServerConfig } from './options.js';
import type { RouteTable } from './route-table.js';
import { binarySchema, errorResponses } from './schemas.js';

/** Path prefixes the API owns; the web source cannot shadow them. */
const RESERVED = /^(?:v\d+\/|healthz$|metrics$|openapi\.json$)/;

/** 404, or 405 for an API path that other methods have (this route catches every unmatched GET). */
function notFound(routes: RouteTable, path: string, method = 'GET'): KeeprError {
  return routes.methodNotAllowed(method, path) ?? new KeeprError('HTTP_ROUTE_NOT_FOUND', `no route or web resource for ${path}`, { details: { path } });
}

/** The key of the page a browser gets for a missing web resource, when the web source has it. */
export const NOT_FOUND_PAGE_KEY = '404.html';

/** The built-in page for a missing web resource (no script, nothing loaded). */
function notFoundPage(path: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>404 Not Found</title></head>\n<body><h1>Not Found</h1><p>Nothing is published at <code>${escapeHtml(path)}</code>.</p></body></html>\n`;
}

/** The URL path of a web key, each segment escaped (so a Location can never leave the site). */
function urlOf(key: string): string {
  return `/${key.split('/').map(encodeURIComponent).join('/')}`;
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

/** Answers a GET of `path` from the web resources of one source. */
type SiteHandler = (request: FastifyRequest, reply: FastifyReply, path: string) => FastifyReply | Promise<FastifyReply>;

/** The handler of the web resources of `web`: blocks whose URL attribute is their path. */
function siteHandler(store: Store, routes: RouteTable, web: string): SiteHandler {
  /** The block published under `key` (its URL attribute is `/key`), read without a promise when the engine can. */
  const published = (key: string): Block | undefined | Promise<Block | undefined> => {
    const url = `/${key}`;
    const known = store.engine.supports.syncReads ? store.knownSource(web) : undefined;
    if (known !== undefined) {
      const block = known.getSync(key);
      return block?.url === url ? block : undefined;
    }
    return (async () => {
      try {
        const block = await (await store.source(web, { create: false })).get(key);
        return block?.url === url ? block : undefined;
      } catch (err) {
        if (isKeeprError(err, 'SOURCE_NOT_FOUND')) return undefined;
        throw err;
      }
    })();
  };
  const serve = (request: FastifyRequest, reply: FastifyReply, key: string, block: Block): FastifyReply | Promise<FastifyReply> =>
    block.type === 'bytes' ? sendFile(request, reply, block) : sendBlock(request, reply, block, { source: web, key });

  /** 404: an HTML page for a browser (the site's own `/404.html` if published), JSON otherwise. */
  const missing = async (request: FastifyRequest, reply: FastifyReply, path: string): Promise<FastifyReply> => {
    const error = notFound(routes, path, request.method);
    if (error.code !== 'HTTP_ROUTE_NOT_FOUND' || RESERVED.test(path.slice(1)) || !prefersHtml(header(request, 'accept'))) throw error;
    const vary = reply.getHeader('vary');
    void reply.code(404).header('keepr-error-code', error.code).header('vary', vary === undefined ? 'Accept' : `${String(vary)}, Accept`).header('cache-control', 'no-cache');
    const page = await published(NOT_FOUND_PAGE_KEY);
    if (page?.type === 'bytes') {
      const data = page.data();
      const language = page.language;
      if (language !== undefined) void reply.header('content-language', language);
      return reply.type(page.mime ?? 'text/html; charset=utf-8').send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    return reply.header('content-security-policy', HTML_PAGE_CSP).header('x-content-type-options', 'nosniff').type('text/html; charset=utf-8').send(notFoundPage(path));
  };

  /** Not published under its own key: `/a` whose `/a/` is published redirects there, anything else is missing. */
  const unpublished = async (request: FastifyRequest, reply: FastifyReply, path: string, key: string): Promise<FastifyReply> => {
    const index = path.endsWith('/') ? undefined : webKey(`${path}/`);
    if (index !== undefined && (await published(index)) !== undefined) {
      const query = request.url.indexOf('?');
      const location = `${urlOf(key)}/${query === -1 ? '' : request.url.slice(query)}`;
      return reply.code(301).header('location', location).header('cache-control', 'no-cache').send();
    }
    return missing(request, reply, path);
  };

  return (request, reply, path) => {
    const key = webKey(path);
    if (key === undefined) return missing(request, reply, path);
    const block = published(key);
    const answer = (found: Block | undefined): FastifyReply | Promise<FastifyReply> => (found === undefined ? unpublished(request, reply, path, key) : serve(request, reply, key, found));
    return block instanceof Promise ? block.then(answer) : answer(block);
  };
}

const RESPONSES = {
  200: { description: 'The file, with its MIME type, language and ETag (gzip or br for text when accepted)', content: { '*/*': { schema: binarySchema } } },
  206: { description: 'One byte range of the file (Range: bytes=…)', content: { '*/*': { schema: binarySchema } } },
  301: { description: 'Moved to the path with a slash, whose index.html is published', type: 'null' },
  ...errorResponses,
};
const PATH_PARAMS = { type: 'object', properties: { '*': { type: 'string', description: 'The path after the prefix' } }, required: ['*'] };

/**
 * The console's pages may load only what the console serves, and talk only to this server
 * (styles inline for uPlot; images from blobs of file previews).
 */
export const CONSOLE_CSP = "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * Registers the catch-all web route of the web source (GET and HEAD) and, when the console is
 * on, `/console/…` from {@link CONSOLE_SOURCE}; `routes` tells API paths from wrong methods.
 */
export function registerWebRoutes(app: FastifyInstance, store: Store, config: ServerConfig, routes: RouteTable): void {
  const web = config.webSource;
  if (web !== undefined) {
    const handle = siteHandler(store, routes, web);
    app.get<{ Params: { '*': string } }>(
      '/*',
      {
        // Only paths that can name a web key: the rest count as the API's for 405 answers.
        config: { ...(config.webPublic ? {} : { role: 'read' as const }), servesPath: (path: string) => webKey(path) !== undefined },
        schema: {
          operationId: 'getWebResource',
          summary: `A web resource: the block of source ${web} whose URL attribute is this path (…/ serves …/index.html; /a redirects to /a/ when only that is published)`,
          tags: ['web'],
          params: PATH_PARAMS,
          response: RESPONSES,
        },
      },
      // Percent-decoded once, like block keys in /v1 paths.
      (request, reply) => handle(request, reply, `/${request.params['*']}`),
    );
  }
  if (!config.console) return;
  const handle = siteHandler(store, routes, CONSOLE_SOURCE);
  // Public whatever the tokens: the console's files hold no data, and it asks for a token itself.
  app.get('/console', { config: { servesPath: (path: string) => path === '/console' }, schema: { operationId: 'getConsoleRoot', summary: 'Redirects to /console/', tags: ['web'], response: { 301: RESPONSES[301], ...errorResponses } } }, (_request, reply) =>
    reply.code(301).header('location', CONSOLE_PATH).header('cache-control', 'no-cache').send(),
  );
  app.get<{ Params: { '*': string } }>(
    '/console/*',
    {
      config: { servesPath: (path: string) => path.startsWith(CONSOLE_PATH) && webKey(path) !== undefined },
      schema: {
        operationId: 'getConsoleFile',
        summary: `The web console: the block of source ${CONSOLE_SOURCE} whose URL attribute is this path (installed by keepr serve or keepr console install)`,
        tags: ['web'],
        params: PATH_PARAMS,
        response: RESPONSES,
      },
    },
    (request, reply) => {
      void reply.header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      return handle(request, reply, `${CONSOLE_PATH}${request.params['*']}`);
    },
  );
}
