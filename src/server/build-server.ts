/** Assembles the HTTP server: options, body parsing, error handling, access control, metrics, routes. */
import type { Writable } from 'node:stream';
import { fastify, type FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';
import { registerBatchRoutes } from './batch-routes.js';
import { registerBlockRoutes } from './block-routes.js';
import { installCors } from './cors.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './error-handler.js';
import { ServerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerInstrumentRoutes } from './instrument-routes.js';
import { registerOpsRoutes } from './ops-routes.js';
import { installBodyParser } from './request-body.js';
import { installRequestHooks } from './request-hooks.js';
import { resolveServerOptions, type ServerConfig, type ServerLogLevel, type ServerOptions } from './options.js';
import { RouteTable } from './route-table.js';
import { registerSourceRoutes } from './source-routes.js';
import { registerStateRoutes } from './state-routes.js';
import { registerVolatileRoutes } from './volatile-routes.js';
import { registerWebRoutes } from './web-routes.js';

function loggerOption(logger: ServerOptions['logger']): boolean | { level: ServerLogLevel; stream?: Writable } {
  if (logger === undefined || typeof logger === 'boolean') return logger ?? false;
  return { level: logger.level ?? 'info', ...(logger.stream === undefined ? {} : { stream: logger.stream }) };
}

/** A Fastify instance serving `store` (docs/http-api.md); call `listen`, or `inject` in tests. The store stays yours to close. */
export function buildServer(store: Store, options: ServerOptions = {}): FastifyInstance {
  const config: ServerConfig = resolveServerOptions(options);
  const app = fastify({
    logger: loggerOption(options.logger),
    bodyLimit: config.bodyLimit,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Source names are at most 64 characters; keys use the wildcard, which has no length cap.
    routerOptions: { maxParamLength: 256 },
  });

  installBodyParser(app, config);
  // Answers are plain JSON.stringify: answer schemas document, they never filter or coerce.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // Collects every route as it is declared: 405 answers with Allow follow from the declarations.
  const routes = RouteTable.collect(app);
  installErrorHandlers(app, (path) => routes.allowedMethods(path));
  // Before the token check: a preflight carries no token, and refusals must carry CORS headers.
  if (config.cors !== undefined) installCors(app, config.cors, routes);
  const metrics = config.metrics === false ? undefined : new ServerMetrics(store, { defaultMetrics: config.metrics === true });
  installRequestHooks(app, config.tokens, metrics);
  registerOpenApi(app);
  // Routes go in a plugin registered after the OpenAPI plugin, which sees routes declared later.
  void app.register((api, _opts, done) => {
    registerOpsRoutes(api, store, metrics, config.tokens);
    registerSourceRoutes(api, store);
    registerBlockRoutes(api, store, config);
    registerBatchRoutes(api, store, config);
    registerVolatileRoutes(api, store, config);
    registerStateRoutes(api, store, config);
    registerInstrumentRoutes(api, store);
    registerWebRoutes(api, store, config, routes);
    done();
  });
  return app;
}
