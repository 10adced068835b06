/** Operations routes: `/healthz` (always open), Prometheus `/metrics`, `/openapi.json` and `/v1/whoami`. */
import type { FastifyInstance } from 'fastify';
import { KeeprError } from '../errors.js';
import type { Store } from '../store/index.js';
import { tokenIdentifier, type TokenConfig } from './auth.js';
import type { ServerMetrics } from './metrics.js';
import { KEEPR_VERSION } from '../util/package-version.js';
import { errorResponses } from './schemas.js';

const TAGS = ['operations'];

/** Registers the operations routes; `/metrics` only when `metrics` is given. */
export function registerOpsRoutes(app: FastifyInstance, store: Store, metrics: ServerMetrics | undefined, tokens: readonly TokenConfig[]): void {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Health: 200 while the store is open and takes writes; else the error a write would get (503 STORE_CLOSED, 507 STORE_FULL) (no token needed)',
        tags: TAGS,
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, version: { type: 'string' } } }, ...errorResponses },
      },
    },
    () => {
      if (!store.isOpen) throw new KeeprError('STORE_CLOSED', 'the store is closed');
      // A store that cannot write (a full disk) is not healthy, though reads still answer.
      const health = store.health();
      if (!health.writable) throw new KeeprError(health.code ?? 'ENGINE_FAILURE', `the store cannot take writes: ${health.message ?? 'unknown reason'}`);
      return { status: 'ok', version: KEEPR_VERSION };
    },
  );

  if (metrics !== undefined) {
    app.get(
      '/metrics',
      {
        config: { role: 'metrics' },
        schema: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics: requests by route and status, latency, store size, block cache',
          tags: TAGS,
          response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses },
        },
      },
      async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.render()),
    );
  }

  const identify = tokens.length === 0 ? undefined : tokenIdentifier(tokens);
  app.get(
    '/v1/whoami',
    {
      schema: {
        operationId: 'getWhoAmI',
        summary: "The role of the request's token (no token needed): null without one, admin on a server without tokens; 401 AUTH_TOKEN_INVALID for a token it does not know",
        tags: TAGS,
        response: {
          200: {
            type: 'object',
            properties: { role: { type: 'string', enum: ['metrics', 'read', 'write', 'admin'], nullable: true }, auth: { type: 'boolean', description: 'True when the server checks tokens' } },
            required: ['role', 'auth'],
          },
          ...errorResponses,
        },
      },
    },
    (request) => {
      if (identify === undefined) return { role: 'admin', auth: false };
      const role = identify(request.headers.authorization);
      if (role instanceof KeeprError) {
        if (role.code === 'AUTH_REQUIRED') return { role: null, auth: true };
        throw role;
      }
      return { role, auth: true };
    },
  );

  app.get(
    '/openapi.json',
    { schema: { operationId: 'getOpenApi', summary: 'This OpenAPI document', tags: TAGS, response: { 200: { type: 'object', additionalProperties: true, description: 'OpenAPI 3.0' } } } },
    () => app.swagger(),
  );
}
