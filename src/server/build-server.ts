/**
 * Builds the keepr HTTP server: a Fastify instance wired to a Store, not yet listening (tests
 * drive it with `inject()`, the CLI calls `listen`). The Store stays the caller's to close.
 */
import type { Writable } from 'node:stream';
import { fastify, type FastifyInstance } from 'fastify';
import type { Store } from '../keepr/index.js';
import { allowedMethods, registerBlockRoutes } from './block-routes.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './error-handler.js';

/** Default largest request body: 64 MiB. */
export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

/** Log levels the server logger accepts. */
export type ServerLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Logger settings beyond on/off. */
export interface ServerLoggerOptions {
  /** Default `info`. */
  readonly level?: ServerLogLevel;
  /** Where log lines go (default stdout). */
  readonly stream?: Writable;
}

/** Options of {@link buildServer}. */
export interface ServerOptions {
  /** Log requests and errors (pino JSON lines); default false. */
  readonly logger?: boolean | ServerLoggerOptions;
  /** Largest accepted request body in bytes; default {@link DEFAULT_BODY_LIMIT}. */
  readonly bodyLimit?: number;
}

function loggerOption(logger: ServerOptions['logger']): boolean | { level: ServerLogLevel; stream?: Writable } {
  if (logger === undefined || typeof logger === 'boolean') return logger ?? false;
  return { level: logger.level ?? 'info', ...(logger.stream === undefined ? {} : { stream: logger.stream }) };
}

/** A Fastify instance serving `store` under `/v1`; call `listen` (or `inject` in tests). */
export function buildServer(store: Store, options: ServerOptions = {}): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = fastify({
    logger: loggerOption(options.logger),
    bodyLimit,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Source names are at most 64 characters; keys use the wildcard, which has no length cap.
    routerOptions: { maxParamLength: 256 },
  });

  // Every body arrives as a Buffer; the route decides what it means from the Content-Type, so a
  // bad body becomes a keepr error code rather than a parser's generic 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  installErrorHandlers(app, allowedMethods);
  registerBlockRoutes(app, store);
  return app;
}
