import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Block } from '../../src/block/index.js';
import { assertBindAllowed, bindNotice, isLoopback, loadTokens, type TokenConfig } from '../../src/server/index.js';
import { roleAllows } from '../../src/server/auth.js';
import { codeOf } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { BLOCK, serverFixture } from './server-fixture.js';
import { all } from '../helpers/collect.js';

const TOKENS: readonly TokenConfig[] = [
  { token: 'metrics-token-000000', role: 'metrics' },
  { token: 'read-token-0000000000', role: 'read' },
  { token: 'write-token-000000000', role: 'write' },
  { token: 'admin-token-000000000', role: 'admin' },
];
const bearer = (role: string): Record<string, string> => ({ authorization: `Bearer ${TOKENS.find((t) => t.role === role)!.token}` });

/** Each request and the least role that may make it. */
const REQUESTS: readonly { readonly what: string; readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE'; readonly url: string; readonly needs: string; readonly body?: unknown; readonly type?: string }[] = [
  { what: 'metrics', method: 'GET', url: '/metrics', needs: 'metrics' },
  { what: 'list sources', method: 'GET', url: '/v1/sources', needs: 'read' },
  { what: 'stats', method: 'GET', url: '/v1/stats', needs: 'read' },
  { what: 'stat a source', method: 'GET', url: '/v1/sources/s', needs: 'read' },
  { what: 'list blocks', method: 'GET', url: '/v1/sources/s/blocks', needs: 'read' },
  { what: 'entries', method: 'GET', url: '/v1/sources/s/entries', needs: 'read' },
  { what: 'read a block', method: 'GET', url: '/v1/sources/s/blocks/k', needs: 'read' },
  { what: 'HEAD a block', method: 'HEAD', url: '/v1/sources/s/blocks/k', needs: 'read' },
  { what: 'batch that reads', method: 'POST', url: '/v1/sources/s/batch', needs: 'read', body: { ops: [{ op: 'get', key: 'k' }] } },
  { what: 'volatile read', method: 'POST', url: '/v1/volatiles/map/m/size', needs: 'read' },
  { what: 'list volatiles', method: 'GET', url: '/v1/volatiles', needs: 'read' },
  { what: 'write a block', method: 'PUT', url: '/v1/sources/s/blocks/k2', needs: 'write', body: '1', type: 'application/vnd.keepr+json' },
  { what: 'delete a block', method: 'DELETE', url: '/v1/sources/s/blocks/k', needs: 'write' },
  { what: 'batch that writes', method: 'POST', url: '/v1/sources/s/batch', needs: 'write', body: { ops: [{ op: 'put', key: 'b', block: 1 }] } },
  { what: 'volatile write', method: 'POST', url: '/v1/volatiles/map/m/put', needs: 'write', body: { key: 'a', block: 1 } },
  { what: 'create a source by PUT of a block', method: 'PUT', url: '/v1/sources/fresh/blocks/k', needs: 'admin', body: '1', type: 'application/vnd.keepr+json' },
  { what: 'create a source', method: 'PUT', url: '/v1/sources/other', needs: 'admin' },
  { what: 'drop a source', method: 'DELETE', url: '/v1/sources/s', needs: 'admin' },
  { what: 'list states', method: 'GET', url: '/v1/states', needs: 'read' },
  { what: 'describe a state', method: 'GET', url: '/v1/states/st', needs: 'read' },
  { what: 'list heights', method: 'GET', url: '/v1/states/st/heights', needs: 'read' },
  { what: 'read a height', method: 'GET', url: '/v1/states/st/heights/0', needs: 'read' },
  { what: 'read a state key with its proof', method: 'GET', url: '/v1/states/st/heights/latest/trees/t/keys/k?proof=true', needs: 'read' },
  { what: 'range a tree', method: 'GET', url: '/v1/states/st/heights/0/trees/t/entries', needs: 'read' },
  { what: 'commit a change set', method: 'POST', url: '/v1/states/st/commit', needs: 'write', body: { changes: [{ op: 'put', tree: 't', key: 'k2', bytes: 'AQ==' }] } },
  { what: 'create a state', method: 'PUT', url: '/v1/states/other', needs: 'admin' },
  { what: 'prune a state', method: 'POST', url: '/v1/states/st/prune', needs: 'admin', body: { keepLast: 1 } },
  { what: 'audit a state', method: 'POST', url: '/v1/states/st/audit', needs: 'admin' },
  { what: 'drop a state', method: 'DELETE', url: '/v1/states/st', needs: 'admin' },
];

describe('access control', () => {
  it('gives each role exactly its rights, with 401 and 403 codes otherwise', async () => {
    for (const request of REQUESTS) {
      const { store, app } = await serverFixture({ tokens: TOKENS, metrics: 'no-defaults' }, 'memory');
      await (await store.source('s')).put('k', Block.from(1));
      const state = await store.state('st');
      await state.apply([{ op: 'put', tree: 't', key: 'k', value: Uint8Array.of(1) }]);
      let answered = false;
      // Least rights first: every refusal must leave the store as it was for the next try.
      for (const role of ['none', 'bad', 'metrics', 'read', 'write', 'admin']) {
        const headers: Record<string, string> = role === 'none' ? {} : role === 'bad' ? { authorization: 'Bearer not-a-token-of-this-server' } : bearer(role);
        if (request.type !== undefined || request.body !== undefined) headers['content-type'] = request.type ?? 'application/json';
        const body = typeof request.body === 'string' ? request.body : request.body === undefined ? undefined : JSON.stringify(request.body);
        const res = await app.inject({ method: request.method, url: request.url, headers, ...(body === undefined ? {} : { payload: body }) });
        const allowed = role !== 'none' && role !== 'bad' && roleAllows(role as TokenConfig['role'], request.needs as TokenConfig['role']);
        const label = `${request.what} as ${role}`;
        if (allowed) {
          // The first allowed try succeeds; later ones may fail on what it did, but never on rights.
          if (!answered) expect.soft(res.statusCode, label).toBeLessThan(300);
          else expect.soft([401, 403], label).not.toContain(res.statusCode);
          answered = true;
        } else {
          const code = role === 'none' ? 'AUTH_REQUIRED' : role === 'bad' ? 'AUTH_TOKEN_INVALID' : 'AUTH_FORBIDDEN';
          expect.soft([res.statusCode, res.headers['keepr-error-code']], label).toEqual([code === 'AUTH_FORBIDDEN' ? 403 : 401, code]);
          if (res.statusCode === 401) expect.soft(res.headers['www-authenticate'], label).toBe('Bearer realm="keepr"');
          expect.soft(await store.sources(), label).toEqual(['s']);
          expect.soft((await (await store.source('s')).list()).items.map((i) => i.key), label).toEqual(['k']);
          expect.soft(store.volatiles.names(), label).toEqual([]);
          expect.soft(await store.states(), label).toEqual(['st']);
          expect.soft((await all(state.heights())).map((h) => h.height), label).toEqual([0]);
        }
      }
    }
  });

  it('leaves /healthz, /openapi.json and published web resources open', async () => {
    const { store, app } = await serverFixture({ tokens: TOKENS });
    await (await store.source('www')).put('index.html', Block.file(Buffer.from('hi'), 'text/html', { url: '/index.html' }));
    for (const url of ['/healthz', '/openapi.json', '/']) expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    const closed = await serverFixture({ tokens: TOKENS, webPublic: false });
    await (await closed.store.source('www')).put('index.html', Block.file(Buffer.from('hi'), 'text/html', { url: '/index.html' }));
    expect((await closed.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(401);
    expect((await closed.app.inject({ method: 'GET', url: '/', headers: bearer('read') })).statusCode).toBe(200);
  });

  it('reads Bearer case-insensitively and rejects other schemes', async () => {
    const { app } = await serverFixture({ tokens: TOKENS });
    const token = TOKENS[1]!.token;
    expect((await app.inject({ method: 'GET', url: '/v1/sources', headers: { authorization: `bearer ${token}` } })).statusCode).toBe(200);
    for (const authorization of [`Basic ${token}`, token, 'Bearer', `Bearer ${token} extra`]) {
      expect((await app.inject({ method: 'GET', url: '/v1/sources', headers: { authorization } })).json(), authorization).toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
    }
  });

  it('checks every request of a keep-alive connection, whatever the connection sent before', async () => {
    const { store, app } = await serverFixture({ tokens: TOKENS, metrics: 'no-defaults' });
    await (await store.source('s')).put('k', Block.from(1));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    onTestFinished(() => {
      socket.destroy();
    });
    await once(socket, 'connect');
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    /** Sends one request on the connection and resolves to its status and error code. */
    const ask = async (method: string, path: string, authorization?: string): Promise<string> => {
      received = '';
      const auth = authorization === undefined ? '' : `Authorization: ${authorization}\r\n`;
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: 0\r\n${auth}\r\n`);
      for (;;) {
        const end = received.indexOf('\r\n\r\n');
        // A 204 has no Content-Length, and no body.
        const length = received.startsWith('HTTP/1.1 204') ? '0' : /content-length: (\d+)/i.exec(received)?.[1];
        if (end >= 0 && length !== undefined && received.length >= end + 4 + Number(length)) break;
        await once(socket, 'data');
      }
      const status = received.slice(9, 12);
      const code = /keepr-error-code: ([A-Z_]+)/i.exec(received)?.[1];
      return code === undefined ? status : `${status} ${code}`;
    };
    const block = '/v1/sources/s/blocks/k';
    const read = bearer('read')['authorization']!;
    expect(await ask('GET', block, read)).toBe('200');
    expect(await ask('GET', block, read)).toBe('200');
    expect(await ask('DELETE', block, read)).toBe('403 AUTH_FORBIDDEN');
    expect(await ask('GET', block, `${read}x`)).toBe('401 AUTH_TOKEN_INVALID');
    expect(await ask('GET', block)).toBe('401 AUTH_REQUIRED');
    expect(await ask('GET', block, bearer('metrics')['authorization'])).toBe('403 AUTH_FORBIDDEN');
    expect(await ask('GET', block, read)).toBe('200');
    expect(await ask('DELETE', block, bearer('write')['authorization'])).toBe('204');
    expect(await ask('GET', block, read)).toBe('404 BLOCK_NOT_FOUND');
  });

  it('shows the data directory in /v1/stats to admin tokens only', async () => {
    const { store, app } = await serverFixture({ tokens: TOKENS });
    const dir = (await store.stats()).engine.path!;
    expect(dir).toMatch(/keepr-test-/);
    for (const role of ['read', 'write', 'admin']) {
      const res = await app.inject({ method: 'GET', url: '/v1/stats', headers: bearer(role) });
      expect(res.statusCode, role).toBe(200);
      const stats = res.json<{ engine: Record<string, unknown>; durability: string; server: object }>();
      expect(stats, role).toMatchObject({ engine: { engine: 'lmdb' }, durability: 'sync' });
      // Not only the field: the path must appear nowhere in the answer a non-admin gets.
      expect(res.body.includes(dir), role).toBe(role === 'admin');
      expect('path' in stats.engine, role).toBe(role === 'admin');
      // The host name is the operator's business too.
      expect('host' in stats.server, role).toBe(role === 'admin');
    }
    // Without tokens every local client is an admin and sees it.
    const open = await serverFixture();
    expect((await open.app.inject({ method: 'GET', url: '/v1/stats' })).json<{ engine: { path: unknown } }>().engine.path).toBe((await open.store.stats()).engine.path);
  });

  it('lets everything through without tokens', async () => {
    const { app } = await serverFixture();
    const res = await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/k', headers: { 'content-type': BLOCK }, payload: Buffer.from(Block.from(1).bytes) });
    expect(res.statusCode).toBe(201);
  });
});

describe('token configuration', () => {
  it('loads tokens from a JSON file, or KEEPR_TOKENS', () => {
    const dir = makeTmpDir();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify({ tokens: [{ token: 'file-token-0123456789', role: 'write' }] }));
    expect(loadTokens(file, {})).toEqual([{ token: 'file-token-0123456789', role: 'write' }]);
    writeFileSync(file, JSON.stringify([{ token: 'file-token-0123456789', role: 'read' }]));
    expect(loadTokens(file, {})).toEqual([{ token: 'file-token-0123456789', role: 'read' }]);
    expect(loadTokens(undefined, { KEEPR_TOKENS: 'read:aaaaaaaaaaaaaaaa, admin:bbbbbbbbbbbbbbbb' })).toEqual([
      { role: 'read', token: 'aaaaaaaaaaaaaaaa' },
      { role: 'admin', token: 'bbbbbbbbbbbbbbbb' },
    ]);
    expect(loadTokens(undefined, {})).toEqual([]);
  });

  it('refuses bad token configurations with OPTION_INVALID', () => {
    const dir = makeTmpDir();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, '{ not json');
    expect(codeOf(() => loadTokens(file, {}))).toBe('OPTION_INVALID');
    expect(codeOf(() => loadTokens(join(dir, 'missing.json'), {}))).toBe('OPTION_INVALID');
    for (const env of ['read', 'root:aaaaaaaaaaaaaaaa', 'read:short', 'read:has space in it!!', 'read:aaaaaaaaaaaaaaaa,write:aaaaaaaaaaaaaaaa']) {
      expect(codeOf(() => loadTokens(undefined, { KEEPR_TOKENS: env })), env).toBe('OPTION_INVALID');
    }
  });

  it('refuses to bind beyond loopback without tokens', () => {
    const bind = (host: string, tokens: readonly TokenConfig[] | undefined): string | undefined =>
      codeOf(() => {
        assertBindAllowed(host, tokens);
      });
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3', '::ffff:127.0.0.1']) {
      expect(isLoopback(host), host).toBe(true);
      expect(bind(host, []), host).toBeUndefined();
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '']) {
      expect(isLoopback(host), host).toBe(false);
      expect(bind(host, []), host).toBe('SERVER_BIND_REFUSED');
      expect(bind(host, undefined), host).toBe('SERVER_BIND_REFUSED');
      expect(bind(host, TOKENS), host).toBeUndefined();
    }
    expect(bindNotice('127.0.0.1', [])).toMatch(/loopback/);
    expect(bindNotice('0.0.0.0', TOKENS)).toBeUndefined();
  });
});
