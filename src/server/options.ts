/** Options of `buildServer`, their defaults (the server limits of docs/operations.md) and checks. */
import type { Writable } from 'node:stream';
import { KeeprError } from '../errors.js';
import { assertName } from '../keepr/index.js';
import { isObject } from '../util/guards.js';
import { checkTokens, type TokenConfig } from './auth.js';
import { resolveCorsOptions, type CorsConfig, type CorsOptions } from './cors.js';

/** Default largest request body: 64 MiB. */
export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
/** Default largest JSON request body: 8 MiB (a JSON body takes about 13 times its size while parsed). */
export const DEFAULT_JSON_BODY_LIMIT = 8 * 1024 * 1024;
/** Default largest block accepted over HTTP (after a JSON body is turned into a block): 64 MiB. */
export const DEFAULT_MAX_BLOCK_BYTES = 64 * 1024 * 1024;
/** Default largest number of operations in one batch. */
export const DEFAULT_MAX_BATCH_OPS = 10_000;
/** Default most entries in one page of `/entries`. */
export const DEFAULT_ENTRIES_PAGE = 1000;
/** Block bytes after which an entries page stops early (at least one entry is always sent). */
export const ENTRIES_PAGE_BYTES = 8 * 1024 * 1024;
/** Default name of the source whose blocks are published as web resources. */
export const DEFAULT_WEB_SOURCE = 'www';

/** Log levels the server logger accepts. */
export type ServerLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Logger settings beyond on/off. */
export interface ServerLoggerOptions {
  /** Default `info`. */
  readonly level?: ServerLogLevel;
  /** Where log lines go (default stdout). */
  readonly stream?: Writable;
}

/** Options of `buildServer`. */
export interface ServerOptions {
  /** Log requests and errors (pino JSON lines); default false. */
  readonly logger?: boolean | ServerLoggerOptions;
  /** Largest accepted request body in bytes; default {@link DEFAULT_BODY_LIMIT}. */
  readonly bodyLimit?: number;
  /** Largest accepted JSON request body in bytes (at most `bodyLimit`); default {@link DEFAULT_JSON_BODY_LIMIT}. */
  readonly jsonBodyLimit?: number;
  /** Largest block accepted in a PUT, batch or volatile operation; default {@link DEFAULT_MAX_BLOCK_BYTES}. */
  readonly maxBlockBytes?: number;
  /** Most operations in one batch; default {@link DEFAULT_MAX_BATCH_OPS}. */
  readonly maxBatchOps?: number;
  /** Access tokens (see `loadTokens`); none: every request may do anything, so serve on loopback only. */
  readonly tokens?: readonly TokenConfig[];
  /** Source published as web resources (default `www`); false for none. */
  readonly webSource?: string | false;
  /** Web resources need no token (default true: they are published); false: they need `read`. */
  readonly webPublic?: boolean;
  /** Serve the web console at `/console/` from source `keepr.console` (default true; see `installConsole`). */
  readonly console?: boolean;
  /** Prometheus metrics at `/metrics` (default true); `'no-defaults'` leaves out process metrics. */
  readonly metrics?: boolean | 'no-defaults';
  /** CORS for browser pages on these exact origins (default none: no `Access-Control-*` headers). */
  readonly cors?: CorsOptions | false;
}

/** Options after defaults and checks. */
export interface ServerConfig {
  readonly bodyLimit: number;
  /** The JSON limit in force: `jsonBodyLimit`, or `bodyLimit` when that is smaller. */
  readonly jsonBodyLimit: number;
  readonly maxBlockBytes: number;
  readonly maxBatchOps: number;
  readonly tokens: readonly TokenConfig[];
  readonly webSource: string | undefined;
  readonly webPublic: boolean;
  readonly console: boolean;
  readonly metrics: boolean | 'no-defaults';
  readonly cors: CorsConfig | undefined;
}

const KNOWN = new Set(['logger', 'bodyLimit', 'jsonBodyLimit', 'maxBlockBytes', 'maxBatchOps', 'tokens', 'webSource', 'webPublic', 'console', 'metrics', 'cors']);

function positive(options: ServerOptions, name: 'bodyLimit' | 'jsonBodyLimit' | 'maxBlockBytes' | 'maxBatchOps', fallback: number): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new KeeprError('OPTION_INVALID', `${name} must be a positive integer`, { details: { option: name } });
  }
  return value;
}

/** Applies defaults and checks every option (`OPTION_INVALID`). */
export function resolveServerOptions(options: ServerOptions): ServerConfig {
  if (!isObject(options)) throw new KeeprError('OPTION_INVALID', 'server options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new KeeprError('OPTION_INVALID', `unknown server option ${JSON.stringify(key)}`, { details: { option: key } });
  }
  const web: unknown = options.webSource ?? DEFAULT_WEB_SOURCE;
  if (web !== false) {
    try {
      assertName(web, 'source');
    } catch (err) {
      throw new KeeprError('OPTION_INVALID', 'webSource must be a source name or false', { cause: err, details: { option: 'webSource' } });
    }
  }
  const metrics: unknown = options.metrics ?? true;
  if (metrics !== true && metrics !== false && metrics !== 'no-defaults') {
    throw new KeeprError('OPTION_INVALID', "metrics must be true, false or 'no-defaults'", { details: { option: 'metrics' } });
  }
  const bodyLimit = positive(options, 'bodyLimit', DEFAULT_BODY_LIMIT);
  return {
    bodyLimit,
    jsonBodyLimit: Math.min(bodyLimit, positive(options, 'jsonBodyLimit', DEFAULT_JSON_BODY_LIMIT)),
    maxBlockBytes: positive(options, 'maxBlockBytes', DEFAULT_MAX_BLOCK_BYTES),
    maxBatchOps: positive(options, 'maxBatchOps', DEFAULT_MAX_BATCH_OPS),
    tokens: checkTokens(options.tokens ?? []),
    webSource: web === false ? undefined : web,
    webPublic: options.webPublic !== false,
    console: options.console !== false,
    metrics,
    cors: resolveCorsOptions(options.cors),
  };
}
