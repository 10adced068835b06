import { readFileSync } from 'node:fs';
import type { RouteOptions } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { describe, expect, it, onTestFinished } from 'vitest';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open } from '../../src/store/index.js';
import { buildServer, type ServerOptions } from '../../src/server/index.js';
import { wildcardName } from '../../src/server/openapi.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Declared {
  readonly method: string;
  readonly url: string;
  readonly operationId: unknown;
  readonly hidden: boolean;
}

/** A server whose route declarations the test collects itself, independently of the server's own table. */
async function declaredServer(options: ServerOptions = {}): Promise<{ app: ReturnType<typeof buildServer>; declared: Declared[] }> {
  const store = await open({ engine: memoryEngine() });
  const app = buildServer(store, options);
  const declared: Declared[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as { operationId?: unknown; hide?: unknown } | undefined;
    for (const method of [route.method].flat()) declared.push({ method, url: route.url, operationId: schema?.operationId, hidden: schema?.hide === true });
  });
  onTestFinished(async () => {
    await app.close();
    await store.close();
  });
  await app.ready();
  return { app, declared };
}

/** The OpenAPI path of a Fastify URL pattern. */
function openApiPath(url: string): string {
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return path.endsWith('*') ? `${path.slice(0, -1)}{${wildcardName(url)}}` : path;
}

/** A request path the pattern matches. */
function samplePath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, 'x1').replace(/\*$/, url === '/*' ? 'dir/page.html' : 'a/b');
}

describe('routes declared once', () => {
  it('documents every declared route in OpenAPI under a unique camelCase operationId, and nothing else', async () => {
    const { app, declared } = await declaredServer();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenAPIV3.Document>();
    const documented = new Map<string, string | undefined>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item?.[method];
        if (op !== undefined) documented.set(`${method.toUpperCase()} ${path}`, op.operationId);
      }
    }
    const operations = declared.filter((r) => r.method !== 'HEAD' && !r.hidden);
    expect(operations.length).toBeGreaterThan(30);
    for (const route of operations) {
      const key = `${route.method} ${openApiPath(route.url)}`;
      expect.soft(documented.get(key), key).toBe(route.operationId);
      expect.soft(route.operationId, key).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    }
    expect(documented.size).toBe(operations.length);
    const ids = [...documented.values()];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['getBlock', 'putBlock', 'deleteBlock', 'listSources', 'runBatch', 'commitState', 'callMap', 'getWebResource']));
    // docs/http-api.md lists the same ids.
    const docs = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
    const table = docs.slice(docs.indexOf('| area | operationIds |'));
    const listed = [...table.slice(0, table.indexOf('\n\n')).matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual(ids.sort());
  });

  it('answers a method a path lacks with 405 and exactly the methods declared for it in Allow', async () => {
    const { app, declared } = await declaredServer();
    const byUrl = new Map<string, Set<string>>();
    for (const route of declared.filter((r) => !r.hidden)) byUrl.set(route.url, (byUrl.get(route.url) ?? new Set()).add(route.method));
    for (const [url, methods] of byUrl) {
      const path = samplePath(url);
      const res = await app.inject({ method: 'PATCH', url: path, payload: 'x' });
      expect.soft(res.statusCode, path).toBe(405);
      expect.soft(res.json<{ code: string }>().code, path).toBe('HTTP_METHOD_NOT_ALLOWED');
      expect.soft(String(res.headers.allow).split(', ').sort(), path).toEqual([...methods].sort());
    }
    // Declared routes only: an API path the web catch-all does not serve gets the API's methods.
    const batch = await app.inject({ method: 'GET', url: '/v1/sources/s/batch' });
    expect([batch.statusCode, batch.headers.allow]).toEqual([405, 'POST']);
    expect((await app.inject({ method: 'DELETE', url: '/v2/sources' })).statusCode).toBe(404);
  });

  it('follows the routes a server really has: no /metrics route, no 405 for it', async () => {
    const { app, declared } = await declaredServer({ metrics: false, webSource: false });
    expect(declared.some((r) => r.url === '/metrics')).toBe(false);
    const res = await app.inject({ method: 'POST', url: '/metrics', payload: 'x' });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([404, 'HTTP_ROUTE_NOT_FOUND']);
    const web = await app.inject({ method: 'PUT', url: '/index.html', payload: 'x' });
    expect(web.statusCode).toBe(404);
    const options = await app.inject({ method: 'OPTIONS', url: '/v1/sources' });
    expect([options.statusCode, options.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});
