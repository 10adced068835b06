import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open } from '../../src/store/index.js';
import { buildServer, type ServerOptions } from '../../src/server/index.js';
import { putBlock, serverFixture } from './server-fixture.js';

const APP = 'https://app.example';
const OTHER = 'https://evil.example';
const TOKEN = 'cors-test-token-0123456789abcdef';

function corsHeaders(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

function preflight(url: string, origin: string, method = 'PUT'): { method: 'OPTIONS'; url: string; headers: Record<string, string> } {
  return { method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, if-match' } };
}

describe('CORS', () => {
  it('is off by default: a preflight is 405 and no Access-Control-* header is sent', async () => {
    const { app } = await serverFixture({}, 'memory');
    const pre = await app.inject(preflight('/v1/sources/s/blocks/k', APP));
    expect(pre.statusCode).toBe(405);
    expect(corsHeaders(pre.headers)).toEqual([]);
    const get = await app.inject({ method: 'GET', url: '/v1/sources', headers: { origin: APP } });
    expect(get.statusCode).toBe(200);
    expect(corsHeaders(get.headers)).toEqual([]);
  });

  it('answers a preflight from a listed origin with 204, the path\'s methods, the headers keepr reads and Max-Age', async () => {
    const { app } = await serverFixture({ cors: { origins: [APP, 'http://localhost:5173'] } }, 'memory');
    const pre = await app.inject(preflight('/v1/sources/s/blocks/a/b', APP));
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(APP);
    expect(pre.headers['access-control-allow-methods']).toBe('GET, HEAD, PUT, DELETE');
    const allowed = String(pre.headers['access-control-allow-headers']).toLowerCase().split(', ');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match', 'if-none-match']));
    expect(pre.headers['access-control-max-age']).toBe('600');
    expect(pre.headers.vary).toContain('Origin');
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    // The methods follow the route declarations of each path.
    const batch = await app.inject(preflight('/v1/sources/s/batch', 'http://localhost:5173', 'POST'));
    expect([batch.statusCode, batch.headers['access-control-allow-methods']]).toEqual([204, 'POST']);
    // A path no route has is still 404, without CORS headers.
    const none = await app.inject(preflight('/v2/nothing', APP));
    expect(none.statusCode).toBe(404);
    expect(corsHeaders(none.headers)).toEqual([]);
    // The preflight route is not an API operation.
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.values(doc.paths).some((item) => 'options' in item)).toBe(false);
  });

  it('echoes a listed origin on actual requests, errors included, and exposes ETag', async () => {
    const { app } = await serverFixture({ cors: { origins: [APP], maxAge: 60 } }, 'memory');
    await putBlock(app, '/v1/sources/s/blocks/k', Block.from(1));
    const get = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k', headers: { origin: APP, accept: 'application/json' } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    expect(String(get.headers['access-control-expose-headers']).split(', ')).toEqual(expect.arrayContaining(['ETag', 'Location', 'Keepr-Error-Code', 'Content-Range']));
    // Vary names both what the answer depends on: the origin (CORS) and Accept (negotiation).
    expect(String(get.headers.vary).split(', ').sort()).toEqual(['Accept', 'Origin']);
    const missing = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/none', headers: { origin: APP } });
    expect([missing.statusCode, missing.headers['access-control-allow-origin']]).toEqual([404, APP]);
    const pre = await app.inject(preflight('/v1/sources/s', APP));
    expect(pre.headers['access-control-max-age']).toBe('60');
  });

  it('sends nothing to an origin not on the list, nor to a request without Origin', async () => {
    const { app } = await serverFixture({ cors: { origins: [APP] } }, 'memory');
    for (const origin of [OTHER, `${APP}:8443`, 'http://app.example', 'null']) {
      const pre = await app.inject(preflight('/v1/sources/s/blocks/k', origin));
      expect.soft(pre.statusCode, origin).toBe(405);
      expect.soft(corsHeaders(pre.headers), origin).toEqual([]);
      const get = await app.inject({ method: 'GET', url: '/v1/sources', headers: { origin } });
      expect.soft(get.statusCode, origin).toBe(200);
      expect.soft(corsHeaders(get.headers), origin).toEqual([]);
    }
    const plain = await app.inject({ method: 'GET', url: '/v1/sources' });
    expect(corsHeaders(plain.headers)).toEqual([]);
  });

  it('answers a preflight before the token check, and a refused request still carries CORS headers', async () => {
    const { app } = await serverFixture({ cors: { origins: [APP] }, tokens: [{ token: TOKEN, role: 'admin' }] }, 'memory');
    const pre = await app.inject(preflight('/v1/sources/s/blocks/k', APP));
    expect([pre.statusCode, pre.headers['access-control-allow-origin']]).toEqual([204, APP]);
    const refused = await app.inject({ method: 'GET', url: '/v1/sources', headers: { origin: APP } });
    expect([refused.statusCode, refused.headers['access-control-allow-origin']]).toEqual([401, APP]);
    const ok = await app.inject({ method: 'GET', url: '/v1/sources', headers: { origin: APP, authorization: `Bearer ${TOKEN}` } });
    expect([ok.statusCode, ok.headers['access-control-allow-origin']]).toEqual([200, APP]);
  });

  it('refuses origins that are not exact (OPTION_INVALID)', async () => {
    const store = await open({ engine: memoryEngine() });
    try {
      const bad: unknown[] = [{ origins: [] }, { origins: ['*'] }, { origins: ['https://app.example/'] }, { origins: ['app.example'] }, { origins: [APP], maxAge: -1 }, { origins: [APP], credentials: true }, ['x']];
      for (const cors of bad) expect(() => buildServer(store, { cors } as ServerOptions), JSON.stringify(cors)).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    } finally {
      await store.close();
    }
  });
});
