import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { LATENCY_BUCKETS, RequestStats } from '../../src/server/metrics.js';
import { METRIC_NAMES } from '../../src/server/index.js';
import { putBlock, serverFixture } from './server-fixture.js';

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3 document describing every route', async () => {
    const { app } = await serverFixture();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenAPIV3.Document>();
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'put', 'post', 'delete'] as const).filter((m) => item?.[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /v1/whoami',
        'GET /console',
        'GET /console/{path}',
        'GET /v1/sources',
        'GET /v1/stats',
        'PUT /v1/sources/{source}',
        'GET /v1/sources/{source}',
        'DELETE /v1/sources/{source}',
        'GET /v1/sources/{source}/blocks',
        'GET /v1/sources/{source}/entries',
        'POST /v1/sources/{source}/batch',
        'GET /v1/sources/{source}/blocks/{key}',
        'PUT /v1/sources/{source}/blocks/{key}',
        'DELETE /v1/sources/{source}/blocks/{key}',
        'GET /v1/volatiles',
        'DELETE /v1/volatiles/{name}',
        'POST /v1/volatiles/map/{name}/{op}',
        'POST /v1/volatiles/deque/{name}/{op}',
        'POST /v1/volatiles/queue/{name}/{op}',
        'POST /v1/volatiles/tree/{name}/{op}',
        'GET /v1/states',
        'PUT /v1/states/{state}',
        'GET /v1/states/{state}',
        'DELETE /v1/states/{state}',
        'POST /v1/states/{state}/commit',
        'POST /v1/states/{state}/prune',
        'POST /v1/states/{state}/audit',
        'GET /v1/states/{state}/heights',
        'GET /v1/states/{state}/heights/{height}',
        'GET /v1/states/{state}/heights/{height}/trees/{tree}/entries',
        'GET /v1/states/{state}/heights/{height}/trees/{tree}/keys/{key}',
        'GET /v1/instruments',
        'PUT /v1/instruments/{name}',
        'GET /v1/instruments/{name}',
        'DELETE /v1/instruments/{name}',
        'POST /v1/instruments/{name}/points',
        'GET /v1/instruments/{name}/points',
        'DELETE /v1/instruments/{name}/points',
        'GET /v1/instruments/{name}/downsample',
        'GET /v1/aligned',
        'GET /{path}',
      ].sort(),
    );
    // Every operation says what it does and how it fails; those that need a role say so.
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete'] as const) {
        const op = item?.[method];
        if (op === undefined) continue;
        expect.soft(op.summary, `${method} ${path}`).toBeTruthy();
        if (!['/healthz', '/openapi.json', '/{path}', '/v1/whoami', '/console', '/console/{path}'].includes(path)) expect.soft(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
        if (path !== '/openapi.json') expect.soft(Object.keys(op.responses), `${method} ${path}`).toContain('4XX');
      }
    }
    const put = doc.paths['/v1/sources/{source}/blocks/{key}']!.put!;
    expect(Object.keys((put.requestBody as OpenAPIV3.RequestBodyObject).content)).toContain('application/vnd.keepr.block');
    const commit = doc.paths['/v1/states/{state}/commit']!.post!;
    expect(Object.keys((commit.requestBody as OpenAPIV3.RequestBodyObject).content)).toEqual(['application/json']);
  });
});

describe('metrics', () => {
  it('counts requests by route and status, with latency, store size and cache counters', async () => {
    const { app } = await serverFixture();
    await putBlock(app, '/v1/sources/s/blocks/k', Block.from(1));
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k' });
    await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/none' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain(`${METRIC_NAMES.requests}{method="GET",route="/v1/sources/:source/blocks/*",status="200"} 3`);
    expect(text).toContain(`${METRIC_NAMES.requests}{method="GET",route="/v1/sources/:source/blocks/*",status="404"} 1`);
    expect(text).toContain(`${METRIC_NAMES.requests}{method="PUT",route="/v1/sources/:source/blocks/*",status="201"} 1`);
    expect(text).toContain(`${METRIC_NAMES.duration}_bucket{method="GET",route="/v1/sources/:source/blocks/*",status="200",le="0.1"} 3`);
    expect(text).toContain(`${METRIC_NAMES.duration}_bucket{method="GET",route="/v1/sources/:source/blocks/*",status="200",le="+Inf"} 3`);
    expect(text).toContain(`${METRIC_NAMES.duration}_count{method="GET",route="/v1/sources/:source/blocks/*",status="200"} 3`);
    expect(text).toMatch(new RegExp(`${METRIC_NAMES.duration}_sum\\{method="GET",route="/v1/sources/:source/blocks/\\*",status="200"\\} 0\\.\\d+`));
    expect(text).toMatch(new RegExp(`${METRIC_NAMES.storeBytes} \\d+`));
    expect(text).toContain(`${METRIC_NAMES.sources} 1`);
    expect(text).toContain(`${METRIC_NAMES.cacheHits} 0`);
    expect(text).toContain('keepr_process_cpu_user_seconds_total');
  });

  it('keeps each server\'s metrics apart and reads the block cache of its store', async () => {
    const one = await serverFixture({ metrics: 'no-defaults' }, 'memory');
    const two = await serverFixture({ metrics: 'no-defaults' }, 'memory');
    await putBlock(one.app, '/v1/sources/s/blocks/k', Block.from(1));
    await one.app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k' });
    await one.app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k' });
    const text = (await two.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain('route="/v1/sources/:source/blocks/*"');
    expect(text).not.toContain('keepr_process_cpu');
    // A memory store is transient and so has a block cache: its one block is counted, the other store's is not.
    expect((await one.app.inject({ method: 'GET', url: '/metrics' })).body).toContain(`${METRIC_NAMES.cacheEntries} 1`);
    expect(text).toContain(`${METRIC_NAMES.cacheEntries} 0`);
  });

  it('puts each observation in the first bucket whose bound it does not exceed', () => {
    const stats = new RequestStats();
    for (const seconds of [0.0001, 0.00011, 5, 99]) stats.observe('GET', '/r', 200, seconds);
    stats.observe('GET', '/r', 404, 0);
    const [ok, missing] = [...stats.series()];
    expect(ok!.labels).toEqual({ method: 'GET', route: '/r', status: '200' });
    expect([ok!.count, ok!.sum]).toEqual([4, 0.0001 + 0.00011 + 5 + 99]);
    const at = (le: number): number => ok!.buckets[LATENCY_BUCKETS.indexOf(le)]!;
    expect([at(0.0001), at(0.00025), at(5), ok!.buckets[LATENCY_BUCKETS.length]]).toEqual([1, 1, 1, 1]);
    expect(missing!.count).toBe(1);
  });

  it('can be turned off', async () => {
    const { app } = await serverFixture({ metrics: false });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
  });
});

describe('health', () => {
  it('answers ok while the store is open and 503 once it is closed', async () => {
    const { store, app } = await serverFixture();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok' });
    await store.close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([503, 'STORE_CLOSED']);
  });
});
