import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { putBlock, serverFixture } from './server-fixture.js';

const FORM = 'application/x-www-form-urlencoded';

/** Status and error code of an answer (code undefined when it has none). */
function outcome(res: { statusCode: number; body: string }): [number, string | undefined] {
  const code = res.body === '' ? undefined : (JSON.parse(res.body) as { code?: string }).code;
  return [res.statusCode, code];
}

describe('answers as docs/http-api.md states them', () => {
  it('deletes a block: 404 SOURCE_NOT_FOUND without creating the source, If-Match forms, no If-None-Match', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    expect(outcome(await app.inject({ method: 'DELETE', url: '/v1/sources/ghost/blocks/k' }))).toEqual([404, 'SOURCE_NOT_FOUND']);
    expect(await store.sources()).toEqual([]);
    const block = Block.from([1]);
    await putBlock(app, '/v1/sources/s/blocks/k', block);
    // A hash condition on a missing block fails as a mismatch; If-Match: * adds nothing to a plain delete.
    expect(outcome(await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/none', headers: { 'if-match': `"${block.hashHex}"` } }))).toEqual([412, 'WRITE_HASH_MISMATCH']);
    expect(outcome(await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/none', headers: { 'if-match': '*' } }))).toEqual([404, 'BLOCK_NOT_FOUND']);
    expect(outcome(await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/k', headers: { 'if-none-match': '*' } }))).toEqual([400, 'HTTP_REQUEST_INVALID']);
    const gone = await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/k', headers: { 'if-match': '*' } });
    expect([gone.statusCode, gone.body]).toEqual([204, '']);
  });

  it('answers a block PUT with 201 also on replace, and a hex Location for keys given in base64url', async () => {
    const { app } = await serverFixture({}, 'memory');
    expect((await putBlock(app, '/v1/sources/s/blocks/k', Block.from(1))).statusCode).toBe(201);
    expect((await putBlock(app, '/v1/sources/s/blocks/k', Block.from(2))).statusCode).toBe(201);
    const key = Buffer.from('ab');
    const put = await putBlock(app, `/v1/sources/s/blocks/${key.toString('base64url')}?keyEncoding=base64url`, Block.from(3));
    expect([put.statusCode, put.headers.location, put.json<{ key: string }>().key]).toEqual([201, `/v1/sources/s/blocks/${key.toString('hex')}?keyEncoding=hex`, key.toString('base64url')]);
  });

  it('creates and drops sources and states with the documented statuses and Location', async () => {
    const { app } = await serverFixture({}, 'memory');
    expect(outcome(await app.inject({ method: 'PUT', url: '/v1/sources/a' }))).toEqual([201, undefined]);
    expect(outcome(await app.inject({ method: 'PUT', url: '/v1/sources/a' }))).toEqual([409, 'SOURCE_EXISTS']);
    const drop = await app.inject({ method: 'DELETE', url: '/v1/sources/a' });
    expect([drop.statusCode, drop.body]).toEqual([204, '']);
    for (const status of [201, 200]) {
      const put = await app.inject({ method: 'PUT', url: '/v1/states/chain' });
      expect([put.statusCode, put.headers.location]).toEqual([status, '/v1/states/chain']);
    }
    const dropState = await app.inject({ method: 'DELETE', url: '/v1/states/chain' });
    expect([dropState.statusCode, dropState.body]).toEqual([204, '']);
  });

  it('needs application/json for JSON arguments, except an empty volatile body; audit ignores a body', async () => {
    const { app } = await serverFixture({}, 'memory');
    await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    const commit = { changes: [{ op: 'put', tree: 't', key: 'k', bytes: 'AQI=' }] };
    expect(outcome(await app.inject({ method: 'POST', url: '/v1/states/chain/commit', headers: { 'content-type': FORM }, payload: JSON.stringify(commit) }))).toEqual([415, 'HTTP_CONTENT_TYPE_UNSUPPORTED']);
    expect(outcome(await app.inject({ method: 'POST', url: '/v1/states/chain/prune', payload: Buffer.from('{"keepLast":1}') }))).toEqual([415, 'HTTP_CONTENT_TYPE_UNSUPPORTED']);
    expect(outcome(await app.inject({ method: 'POST', url: '/v1/states/chain/commit', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(commit) }))).toEqual([200, undefined]);
    expect(outcome(await app.inject({ method: 'POST', url: '/v1/states/chain/audit', headers: { 'content-type': FORM }, payload: 'x=1' }))).toEqual([200, undefined]);
    expect(outcome(await app.inject({ method: 'POST', url: '/v1/volatiles/deque/d/length', headers: { 'content-type': FORM }, payload: '' }))).toEqual([200, undefined]);
    expect(outcome(await app.inject({ method: 'POST', url: '/v1/volatiles/deque/d/pushLast', headers: { 'content-type': FORM }, payload: '{"block":1}' }))).toEqual([415, 'HTTP_CONTENT_TYPE_UNSUPPORTED']);
  });
});

describe('JSON batches as docs/http-api.md states them', () => {
  it('refuses fields an op does not take, and answers an empty batch with no results', async () => {
    const { app } = await serverFixture({}, 'memory');
    await app.inject({ method: 'PUT', url: '/v1/sources/s' });
    const run = (body: unknown): Promise<{ statusCode: number; body: string }> =>
      app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const empty = await run({ ops: [] });
    expect([empty.statusCode, empty.body]).toEqual([200, '{"results":[]}']);
    for (const op of [{ op: 'get', key: 'k', mode: 'always' }, { op: 'get', key: 'k', ifHash: 'a'.repeat(64) }, { op: 'delete', key: 'k', mode: 'if-exists' }, { op: 'delete', key: 'k', block: 1 }, { op: 'put', key: 'k', block: 1, extra: true }]) {
      expect(outcome(await run({ ops: [op] }))).toEqual([400, 'BATCH_INVALID']);
    }
    expect(outcome(await run({ ops: [], more: 1 }))).toEqual([400, 'BATCH_INVALID']);
  });
});

describe('query strings as docs/http-api.md states them', () => {
  it('ignores parameters a route does not define, and refuses bad or repeated ones with 400 HTTP_REQUEST_INVALID', async () => {
    const { app } = await serverFixture({}, 'memory');
    await putBlock(app, '/v1/sources/s/blocks/k', Block.from(1));
    await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    await app.inject({ method: 'POST', url: '/v1/states/chain/commit', headers: { 'content-type': 'application/json' }, payload: '{"changes":[{"op":"put","tree":"t","key":"k","bytes":"AQ=="}]}' });
    for (const url of ['/v1/sources/s/blocks?keyEncodng=hex', '/v1/sources/s/blocks/k?foo=1', '/v1/states/chain/heights/0/trees/t/keys/k?prooof=true', '/v1/sources/s/blocks/k?raw=0', '/v1/sources/s/blocks/k?raw=false']) {
      const res = await app.inject({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 200]);
    }
    // raw=0 and raw=false are as if absent: the binary block, not the (refused) raw content of a non-file.
    expect((await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k?raw=0' })).headers['content-type']).toBe('application/vnd.keepr.block');
    expect(outcome(await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k?raw' }))).toEqual([400, 'BLOCK_TYPE_MISMATCH']);
    for (const url of [
      '/v1/sources/s/blocks?reverse=1',
      '/v1/sources/s/blocks?reverse=yes',
      '/v1/sources/s/blocks?limit=0',
      '/v1/sources/s/blocks?limit=1.5',
      '/v1/sources/s/blocks?limit=1&limit=2',
      '/v1/sources/s/blocks?prefix=a&prefix=b',
      '/v1/states/chain/heights/0/trees/t/keys/k?proof=1',
      '/v1/sources/s/blocks/k?format=xml',
    ]) {
      expect([url, ...outcome(await app.inject({ method: 'GET', url }))]).toEqual([url, 400, 'HTTP_REQUEST_INVALID']);
    }
    expect(outcome(await app.inject({ method: 'GET', url: '/v1/states/chain/heights/00' }))).toEqual([400, 'STATE_HEIGHT_INVALID']);
  });
});

describe('volatile calls and names as docs/http-api.md states them', () => {
  it('answers unknown kinds, unknown ops, other methods and bad arguments with the documented codes', async () => {
    const { app } = await serverFixture({}, 'memory');
    const call = (url: string, payload?: string): Promise<{ statusCode: number; body: string }> =>
      app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }) });
    expect(outcome(await call('/v1/volatiles/bag/x/get'))).toEqual([404, 'HTTP_ROUTE_NOT_FOUND']);
    expect(outcome(await call('/v1/volatiles/map/x/nope'))).toEqual([400, 'HTTP_REQUEST_INVALID']);
    const get = await app.inject({ method: 'GET', url: '/v1/volatiles/map/x/get' });
    expect([...outcome(get), get.headers.allow]).toEqual([405, 'HTTP_METHOD_NOT_ALLOWED', 'POST']);
    expect(outcome(await call('/v1/volatiles/map/x/get', '[]'))).toEqual([400, 'ARGUMENT_INVALID']);
    expect(outcome(await call('/v1/volatiles/map/x/get', '{"key":"a","block":1}'))).toEqual([400, 'ARGUMENT_INVALID']);
    const put = await call('/v1/volatiles/map/x/put', '{"key":"a","block":1}');
    expect([put.statusCode, put.body]).toEqual([200, '{"result":null}']);
    const drop = await app.inject({ method: 'DELETE', url: '/v1/volatiles/x' });
    expect([drop.statusCode, drop.body]).toEqual([204, '']);
  });

  it('refuses names that do not start with a letter or digit, for sources, states and containers', async () => {
    const { app } = await serverFixture({}, 'memory');
    for (const name of ['.hidden', '_x', '-x']) {
      expect(outcome(await app.inject({ method: 'PUT', url: `/v1/sources/${name}` }))).toEqual([400, 'NAME_INVALID']);
      expect(outcome(await app.inject({ method: 'PUT', url: `/v1/states/${name}` }))).toEqual([400, 'NAME_INVALID']);
      expect(outcome(await app.inject({ method: 'POST', url: `/v1/volatiles/map/${name}/size` }))).toEqual([400, 'NAME_INVALID']);
    }
    expect(outcome(await app.inject({ method: 'PUT', url: '/v1/sources/9a._-' }))).toEqual([201, undefined]);
  });
});

describe('/v1/stats as docs/http-api.md states it', () => {
  it('has the documented fields, leaving out those without a value', async () => {
    for (const engine of ['memory', 'lmdb'] as const) {
      const { app } = await serverFixture({}, engine);
      const stats = (await app.inject({ method: 'GET', url: '/v1/stats' })).json<Record<string, unknown> & { engine: Record<string, unknown>; cache?: Record<string, unknown> }>();
      expect(Object.keys(stats).sort()).toEqual(['durability', 'engine', 'server', 'sources', 'volatiles', ...(stats.cache === undefined ? [] : ['cache'])].sort());
      expect(Object.keys(stats.engine).sort()).toEqual(['byteLength', 'engine', 'extra', 'namespaces', ...(engine === 'lmdb' ? ['path', 'readers'] : [])]);
      expect(Object.keys(stats['server'] as object).sort()).toEqual(['host', 'node', 'pid', 'startedAt', 'uptimeSeconds', 'version']);
      expect(['sync', 'write-cache', 'transient']).toContain(stats['durability']);
      if (stats.cache !== undefined) {
        expect(Object.keys(stats.cache).sort()).toEqual(['byteLength', 'deletes', 'entries', 'evictedBytes', 'evictions', 'hits', 'inserts', 'lost', 'maxBytes', 'maxEntries', 'misses', 'rejected', 'updates']);
      }
    }
  });
});

describe('commit and prune bodies as docs/http-api.md states them', () => {
  it('refuses unknown fields and unpadded bytes, seals an empty change set, and takes exactly one prune point', async () => {
    const { app } = await serverFixture({}, 'memory');
    await app.inject({ method: 'PUT', url: '/v1/states/c' });
    const post = (op: string, payload: string): Promise<{ statusCode: number; body: string }> =>
      app.inject({ method: 'POST', url: `/v1/states/c/${op}`, payload, headers: { 'content-type': 'application/json' } });
    for (const body of ['[]', '{}', '{"changes":[],"x":1}', '{"changes":[{"op":"put","tree":"t","key":"k","bytes":"AQ"}]}', '{"changes":[{"op":"delete","tree":"t","key":"k","bytes":"AQ=="}]}']) {
      expect([body, ...outcome(await post('commit', body))]).toEqual([body, 400, 'ARGUMENT_INVALID']);
    }
    const empty = await post('commit', '{"changes":[]}');
    expect(empty.statusCode).toBe(200);
    expect(JSON.parse(empty.body)).toMatchObject({ height: 0, changes: 0 });
    for (const body of ['{}', '{"keepLast":1,"from":0}', '{"keepLast":0}', '{"keepLast":1,"x":1}']) {
      expect([body, ...outcome(await post('prune', body))]).toEqual([body, 400, 'ARGUMENT_INVALID']);
    }
    expect(outcome(await post('prune', '{"from":9}'))).toEqual([400, 'STATE_HEIGHT_INVALID']);
    expect(outcome(await post('prune', '{"keepLast":1}'))).toEqual([200, undefined]);
  });
});

describe('web paths as docs/http-api.md states them', () => {
  it('take GET and HEAD only (405 otherwise), 404 without a web source, and ignore the query string', async () => {
    const { app } = await serverFixture({}, 'memory');
    await app.inject({ method: 'PUT', url: '/v1/sources/www/blocks/a.txt', payload: 'hi', headers: { 'content-type': 'text/plain' } });
    for (const [method, url] of [['PUT', '/a.txt'], ['POST', '/nothing'], ['DELETE', '/']] as const) {
      const res = await app.inject({ method, url });
      expect([...outcome(res), res.headers.allow]).toEqual([405, 'HTTP_METHOD_NOT_ALLOWED', 'GET, HEAD']);
    }
    const get = await app.inject({ method: 'GET', url: '/a.txt?x=1' });
    expect([get.statusCode, get.body]).toEqual([200, 'hi']);
    const { app: bare } = await serverFixture({ webSource: false }, 'memory');
    expect(outcome(await bare.inject({ method: 'PUT', url: '/x' }))).toEqual([404, 'HTTP_ROUTE_NOT_FOUND']);
  });
});

describe('state value and proof text as docs/http-api.md states it', () => {
  it('answers bytes as padded base64 and proofs as unpadded base64url', async () => {
    const { app } = await serverFixture({}, 'memory');
    await app.inject({ method: 'PUT', url: '/v1/states/c' });
    await app.inject({ method: 'POST', url: '/v1/states/c/commit', headers: { 'content-type': 'application/json' }, payload: '{"changes":[{"op":"put","tree":"t","key":"k","bytes":"AQ=="}]}' });
    const answer = (await app.inject({ method: 'GET', url: '/v1/states/c/heights/0/trees/t/keys/k?proof=true' })).json<{ bytes: string; proof: string }>();
    expect(answer.bytes).toBe('AQ==');
    expect(answer.proof).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(answer.proof, 'base64url').toString('base64url')).toBe(answer.proof);
  });
});
