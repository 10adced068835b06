import { connect as tcp, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { webKey } from '../../src/server/web-routes.js';
import { putBlock, serverFixture } from './server-fixture.js';

const html = (text: string, url: string, language?: string): Block =>
  Block.file(Buffer.from(`<h1>${text}</h1>`), 'text/html; charset=utf-8', { url, ...(language === undefined ? {} : { language }) });

/** Sends one GET with exactly this request target and returns the whole answer. */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcp(port, '127.0.0.1', () => {
      socket.end(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      resolve(text);
    });
    socket.on('error', reject);
  });
}

describe('web resources', () => {
  it('serves blocks of the web source at their URL, with type, language, tag and 304', async () => {
    const { store, app } = await serverFixture();
    const www = await store.source('www');
    const page = html('docs', '/docs/index.html', 'en');
    await www.put('docs/index.html', page);
    const res = await app.inject({ method: 'GET', url: '/docs/index.html' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('<h1>docs</h1>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-language']).toBe('en');
    expect(res.headers.etag).toBe(`"${page.hashHex}"`);
    expect((await app.inject({ method: 'GET', url: '/docs/index.html', headers: { 'if-none-match': `"${page.hashHex}"` } })).statusCode).toBe(304);
    const head = await app.inject({ method: 'HEAD', url: '/docs/index.html' });
    expect([head.statusCode, head.body, head.headers['content-length']]).toEqual([200, '', String('<h1>docs</h1>'.length)]);
    // A trailing slash serves the directory's index.html.
    expect((await app.inject({ method: 'GET', url: '/docs/' })).body).toBe('<h1>docs</h1>');
    expect((await app.inject({ method: 'GET', url: '/docs/index.html?v=2' })).statusCode).toBe(200);
  });

  it('serves / from index.html and answers unknown paths 404 JSON', async () => {
    const { store, app } = await serverFixture();
    expect((await app.inject({ method: 'GET', url: '/' })).json()).toMatchObject({ code: 'HTTP_ROUTE_NOT_FOUND' });
    await (await store.source('www')).put('index.html', html('home', '/index.html'));
    expect((await app.inject({ method: 'GET', url: '/' })).body).toBe('<h1>home</h1>');
    for (const url of ['/nope.html', '/index.html/', '//index.html', '/v1/index.html', '/index.html%00']) {
      const res = await app.inject({ method: 'GET', url });
      expect.soft([url, res.statusCode, res.json<{ code: string }>().code]).toEqual([url, 404, 'HTTP_ROUTE_NOT_FOUND']);
    }
  });

  it('matches raw paths exactly: dot segments are never resolved', async () => {
    const { store, app } = await serverFixture();
    await (await store.source('www')).put('index.html', html('home', '/index.html'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    // inject() and fetch() normalise URLs; a raw request line is what an attacker sends.
    for (const path of ['/../index.html', '/a/../index.html', '/%2e%2e/index.html', '/./index.html', '/..%2Findex.html']) {
      const answer = await rawGet(port, path);
      expect.soft(answer, path).toMatch(/^HTTP\/1\.1 404 [\s\S]*"code":"HTTP_ROUTE_NOT_FOUND"/);
    }
    expect(await rawGet(port, '/index.html')).toMatch(/^HTTP\/1\.1 200 [\s\S]*<h1>home<\/h1>$/);
  });

  it('does not serve a block whose URL attribute is not its path', async () => {
    const { store, app } = await serverFixture();
    // Written past the server (the embedded API does not know the web rule).
    await (await store.source('www')).put('a.html', html('a', '/elsewhere.html'));
    expect((await app.inject({ method: 'GET', url: '/a.html' })).statusCode).toBe(404);
  });

  it('refuses a PUT into the web source whose URL attribute is not / + key', async () => {
    const { store, app } = await serverFixture();
    const wrong = await putBlock(app, '/v1/sources/www/blocks/a.html', html('a', '/b.html'));
    expect([wrong.statusCode, wrong.json<{ code: string }>().code]).toEqual([400, 'WEB_URL_MISMATCH']);
    const none = await putBlock(app, '/v1/sources/www/blocks/a.html', Block.from(1));
    expect(none.json()).toMatchObject({ code: 'WEB_URL_MISMATCH' });
    expect(await store.sources()).toEqual([]);
    // A file body gets its URL from its key.
    const file = await app.inject({ method: 'PUT', url: '/v1/sources/www/blocks/css/site.css', headers: { 'content-type': 'text/css' }, payload: 'body{}' });
    expect(file.statusCode).toBe(201);
    const css = await app.inject({ method: 'GET', url: '/css/site.css' });
    expect([css.statusCode, css.headers['content-type'], css.body]).toEqual([200, 'text/css', 'body{}']);
    const batch = await app.inject({
      method: 'POST',
      url: '/v1/sources/www/batch',
      headers: { 'content-type': 'application/json' },
      payload: { ops: [{ op: 'put', key: 'x.html', blockBase64: Buffer.from(html('x', '/y.html').bytes).toString('base64') }] },
    });
    expect(batch.json()).toMatchObject({ code: 'WEB_URL_MISMATCH', details: { index: 0 } });
  });

  it('uses the webSource option, or no web resources at all', async () => {
    const { store, app } = await serverFixture({ webSource: 'site' });
    await (await store.source('site')).put('i.html', html('i', '/i.html'));
    expect((await app.inject({ method: 'GET', url: '/i.html' })).statusCode).toBe(200);
    const off = await serverFixture({ webSource: false });
    await (await off.store.source('www')).put('i.html', html('i', '/i.html'));
    const res = await off.app.inject({ method: 'GET', url: '/i.html' });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([404, 'HTTP_ROUTE_NOT_FOUND']);
  });

  it('maps paths to keys exactly', () => {
    expect(webKey('/')).toBe('index.html');
    expect(webKey('/a/b/')).toBe('a/b/index.html');
    expect(webKey('/a/b.css')).toBe('a/b.css');
    for (const bad of ['//x', '/a/../b', '/./a', '/a\u0000b', '/v1/sources', '/healthz', '/metrics', '/openapi.json']) expect(webKey(bad), bad).toBeUndefined();
  });
});
