import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Block } from '../../src/block/index.js';
import { connect, errorFromResponse, type SourceApi, type StoreApi } from '../../src/client/index.js';
import type { Source } from '../../src/keepr/index.js';
import type { Store } from '../../src/store/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { liveClient, liveServer } from './live-server.js';

// Compile-time: the embedded classes fit the shared API, so code typed against it runs on both.
const embeddedFits = (store: Store, source: Source): [StoreApi, SourceApi] => [store, source];

const TOKENS = [
  { token: 'read-token-0123456789', role: 'read' as const },
  { token: 'admin-token-012345678', role: 'admin' as const },
];

describe('connect', () => {
  it('checks the URL and options, and that a server answers', async () => {
    expect(typeof embeddedFits).toBe('function');
    expect(await codeOfAsync(connect('not a url'))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(connect('ftp://127.0.0.1/'))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(connect('http://127.0.0.1:1', { timeoutMs: 0 }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(connect('http://127.0.0.1:1', { token: 'bad token' }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(connect('http://127.0.0.1:1'))).toBe('HTTP_UNREACHABLE');
  });

  it('works behind a base path and reports stats', async () => {
    const { client, store } = await liveClient();
    await (await client.source('s')).put('k', Block.from(1));
    const stats = await client.stats();
    expect(stats).toMatchObject({ sources: 1, durability: 'sync', engine: { engine: 'lmdb' } });
    expect(stats.cache).toBeUndefined();
    expect(await store.sources()).toEqual(['s']);
    const slash = await connect(`${client.url}/`);
    onTestFinished(() => slash.close());
    expect(await slash.sources()).toEqual(['s']);
  });
});

describe('errors and tokens', () => {
  it('sends the token and gets the server\'s codes back', async () => {
    const { url } = await liveServer({ tokens: TOKENS });
    expect(await codeOfAsync(connect(url).then((c) => c.sources()))).toBe('AUTH_REQUIRED');
    const admin = await connect(url, { token: TOKENS[1]!.token });
    const reader = await connect(url, { token: TOKENS[0]!.token });
    const wrong = await connect(url, { token: 'not-a-token-of-this-one' });
    onTestFinished(async () => {
      await Promise.all([admin.close(), reader.close(), wrong.close()]);
    });
    const src = await admin.source('s');
    await src.put('k', Block.from(1));
    const readable = await reader.source('s');
    expect((await readable.get('k'))?.toJS()).toBe(1);
    expect(await readable.has('k')).toBe(true);
    expect(await codeOfAsync(readable.put('k', Block.from(2)))).toBe('AUTH_FORBIDDEN');
    expect(await codeOfAsync(reader.source('new'))).toBe('AUTH_FORBIDDEN');
    expect(await codeOfAsync(wrong.sources())).toBe('AUTH_TOKEN_INVALID');
    // HEAD answers have no body: the code travels in Keepr-Error-Code.
    expect(await codeOfAsync(wrong.source('s').then((s) => s.has('k')))).toBe('AUTH_TOKEN_INVALID');
  });

  it('takes the token from KEEPR_TOKEN by default', async () => {
    const { url } = await liveServer({ tokens: TOKENS });
    const saved = process.env['KEEPR_TOKEN'];
    process.env['KEEPR_TOKEN'] = TOKENS[0]!.token;
    try {
      const client = await connect(url);
      onTestFinished(() => client.close());
      expect(await client.sources()).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env['KEEPR_TOKEN'];
      else process.env['KEEPR_TOKEN'] = saved;
    }
  });

  it('maps answers that are not keepr\'s by status', async () => {
    expect((await errorFromResponse(new Response('{"code":"BLOCK_NOT_FOUND","message":"m","details":{"key":"k"}}', { status: 404 }))).toJSON()).toEqual({
      code: 'BLOCK_NOT_FOUND',
      message: 'm',
      details: { key: 'k' },
    });
    expect((await errorFromResponse(new Response('', { status: 404, headers: { 'keepr-error-code': 'SOURCE_NOT_FOUND' } }))).code).toBe('SOURCE_NOT_FOUND');
    expect((await errorFromResponse(new Response('<html>', { status: 502 }))).code).toBe('HTTP_UNREACHABLE');
    expect((await errorFromResponse(new Response('nope', { status: 418 }))).code).toBe('HTTP_REQUEST_INVALID');
    expect((await errorFromResponse(new Response('{"code":"FROM_THE_FUTURE","message":"m"}', { status: 403 }))).code).toBe('AUTH_FORBIDDEN');
  });

  it('reports a server that answers garbage as HTTP_UNREACHABLE, not as a crash', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/vnd.keepr.block');
      res.end(_req.url === '/healthz' ? '{}' : 'not a block');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      await new Promise((resolve) => server.close(resolve));
    });
    const client = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(await codeOfAsync(client.sources())).toBe('HTTP_UNREACHABLE');
    expect(await codeOfAsync(client.source('s', { create: false }).then((s) => s.get('k')))).toBe('BLOCK_MALFORMED');
  });
});
