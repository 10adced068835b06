/** Which methods each path accepts, for 405 answers with `Allow` (Fastify only knows its routes' patterns). */
import { KeeprError } from '../errors.js';

const GET = ['GET', 'HEAD'];

/** Path patterns under `/v1` and the methods each accepts. */
const ROUTE_METHODS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^\/v1\/sources$/, GET],
  [/^\/v1\/stats$/, GET],
  [/^\/v1\/sources\/[^/]+$/, [...GET, 'PUT', 'DELETE']],
  [/^\/v1\/sources\/[^/]+\/(?:blocks|entries)$/, GET],
  [/^\/v1\/sources\/[^/]+\/batch$/, ['POST']],
  [/^\/v1\/sources\/[^/]+\/blocks\/.*$/, [...GET, 'PUT', 'DELETE']],
  [/^\/v1\/volatiles$/, GET],
  [/^\/v1\/volatiles\/[^/]+$/, ['DELETE']],
  [/^\/v1\/volatiles\/(?:map|deque|queue|tree)\/[^/]+\/[^/]+$/, ['POST']],
  [/^\/v1\/states$/, GET],
  [/^\/v1\/states\/[^/]+$/, [...GET, 'PUT', 'DELETE']],
  [/^\/v1\/states\/[^/]+\/(?:commit|prune|audit)$/, ['POST']],
  [/^\/v1\/states\/[^/]+\/heights(?:\/[^/]+)?$/, GET],
  [/^\/v1\/states\/[^/]+\/heights\/[^/]+\/trees\/[^/]+\/(?:entries|keys\/.*)$/, GET],
  [/^\/(?:healthz|metrics|openapi\.json)$/, GET],
];

/** The methods a path accepts, or undefined when no route has that path. */
export function allowedMethods(path: string, web = true): readonly string[] | undefined {
  for (const [pattern, methods] of ROUTE_METHODS) if (pattern.test(path)) return methods;
  // Outside /v1 every path may be a web resource, which is only ever read.
  return web && !/^\/v\d+(?:\/|$)/.test(path) ? GET : undefined;
}

/** `HTTP_METHOD_NOT_ALLOWED` (with `Allow`) when the path exists for other methods, else undefined. */
export function methodNotAllowed(method: string, path: string, web = true): KeeprError | undefined {
  const allowed = allowedMethods(path, web);
  if (allowed === undefined || allowed.includes(method)) return undefined;
  const allow = allowed.join(', ');
  return new KeeprError('HTTP_METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allow}`, { details: { allow } });
}
