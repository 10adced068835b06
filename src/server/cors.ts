/**
 * CORS for browser clients on other origins, off unless the server is given an exact list of
 * origins. Built on @fastify/cors with a per-request delegate, so that an origin not on the
 * list gets no `Access-Control-*` header at all, and a preflight lists the methods the route
 * table has for that path (the routes' own declarations, as for 405 answers).
 */
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { KeeprError } from '../errors.js';
import { isObject } from '../util/guards.js';
import type { RouteTable } from './route-table.js';

/** Default `Access-Control-Max-Age` of preflight answers: 10 minutes. */
export const DEFAULT_CORS_MAX_AGE = 600;

/** Request headers a cross-origin request may send (a preflight's `Access-Control-Allow-Headers`). */
export const CORS_ALLOWED_HEADERS: readonly string[] = ['Authorization', 'Content-Type', 'Content-Language', 'Accept', 'If-Match', 'If-None-Match', 'Range', 'If-Range'];

/** Answer headers a cross-origin script may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS: readonly string[] = ['ETag', 'Location', 'Allow', 'WWW-Authenticate', 'Keepr-Error-Code', 'Content-Range', 'Accept-Ranges'];

/** The `cors` server option. */
export interface CorsOptions {
  /** Exact origins allowed (`https://app.example`, `http://localhost:5173`): scheme, host, port; no `*`. */
  readonly origins: readonly string[];
  /** Seconds a browser may cache a preflight answer; default {@link DEFAULT_CORS_MAX_AGE}. */
  readonly maxAge?: number;
}

/** The `cors` option after checks. */
export interface CorsConfig {
  readonly origins: readonly string[];
  readonly maxAge: number;
}

function invalid(message: string): KeeprError {
  return new KeeprError('OPTION_INVALID', message, { details: { option: 'cors' } });
}

/** Checks the `cors` option (`OPTION_INVALID`); undefined or false: no CORS. */
export function resolveCorsOptions(value: unknown): CorsConfig | undefined {
  if (value === undefined || value === false) return undefined;
  if (!isObject(value) || Array.isArray(value)) throw invalid('cors must be { origins: [...] } or false');
  const fields = value as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(fields)) if (key !== 'origins' && key !== 'maxAge') throw invalid(`unknown cors option ${JSON.stringify(key)}`);
  const origins: unknown = fields['origins'];
  if (!Array.isArray(origins) || origins.length === 0) throw invalid('cors.origins must be a non-empty list of origins');
  for (const origin of origins as unknown[]) {
    let exact = false;
    try {
      exact = typeof origin === 'string' && /^https?:$/.test(new URL(origin).protocol) && new URL(origin).origin === origin;
    } catch {
      exact = false;
    }
    if (!exact) throw invalid(`cors origin ${JSON.stringify(origin)} is not an exact origin like https://app.example (no path, no trailing /, no *)`);
  }
  const maxAge: unknown = fields['maxAge'] ?? DEFAULT_CORS_MAX_AGE;
  if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0) throw invalid('cors.maxAge must be a whole number of seconds');
  return { origins: [...(origins as string[])], maxAge };
}

/**
 * Registers CORS; call it before the token check's hooks, so that a preflight (which carries no
 * token) is answered first and error answers to listed origins carry the CORS headers too.
 */
export function installCors(app: FastifyInstance, config: CorsConfig, routes: RouteTable): void {
  const origins = new Set(config.origins);
  const refused: FastifyCorsOptions = { origin: false };
  void app.register(cors, {
    hideOptionsRoute: true,
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      if (origin === undefined || !origins.has(origin)) {
        callback(null, refused);
        return;
      }
      let methods: readonly string[] | undefined = [];
      if (request.method === 'OPTIONS') {
        // A preflight for a path no route has falls through to the 404 answer.
        methods = routes.allowedMethods(request.url.split('?', 1)[0]!);
        if (methods === undefined) {
          callback(null, refused);
          return;
        }
      }
      callback(null, {
        origin,
        methods: [...methods],
        allowedHeaders: [...CORS_ALLOWED_HEADERS],
        exposedHeaders: [...CORS_EXPOSED_HEADERS],
        maxAge: config.maxAge,
        // An OPTIONS without Access-Control-Request-Method still gets the CORS answer, never a text/plain 400.
        strictPreflight: false,
      });
    },
  });
}
