import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { negotiateEncoding, parseRange } from '../../src/server/file-content.js';
import { serverFixture } from './server-fixture.js';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const page = (key: string, text: string, mime = 'text/html; charset=utf-8'): Block => Block.file(Buffer.from(text), mime, { url: `/${key}` });

describe('static sites: redirects and missing pages', () => {
  it('redirects /about to /about/ when only its index is published, keeping the query', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const www = await store.source('www');
    await www.put('about/index.html', page('about/index.html', '<h1>about</h1>'));
    await www.put('team b/index.html', page('team b/index.html', '<h1>b</h1>'));
    const moved = await app.inject({ method: 'GET', url: '/about?lang=en' });
    expect([moved.statusCode, moved.headers.location]).toEqual([301, '/about/?lang=en']);
    expect((await app.inject({ method: 'HEAD', url: '/about' })).statusCode).toBe(301);
    expect((await app.inject({ method: 'GET', url: '/team%20b' })).headers.location).toBe('/team%20b/');
    expect((await app.inject({ method: 'GET', url: '/about/' })).body).toBe('<h1>about</h1>');
    // A block published under the bare path wins over the redirect.
    await www.put('about', page('about', 'plain'));
    expect((await app.inject({ method: 'GET', url: '/about' })).body).toBe('plain');
    // No index, no redirect.
    expect((await app.inject({ method: 'GET', url: '/nothing' })).statusCode).toBe(404);
  });

  it('answers a browser 404 with an HTML page, the site 404.html when published, and others JSON', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const missing = await app.inject({ method: 'GET', url: '/a/<b>', headers: { accept: BROWSER } });
    expect([missing.statusCode, missing.headers['content-type'], missing.headers['keepr-error-code']]).toEqual([404, 'text/html; charset=utf-8', 'HTTP_ROUTE_NOT_FOUND']);
    expect(missing.body).toContain('<code>/a/&lt;b&gt;</code>');
    expect(missing.headers['content-security-policy']).toContain("default-src 'none'");
    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await app.inject({ method: 'GET', url: '/a/b', headers: accept === undefined ? {} : { accept } });
      expect.soft([accept, res.statusCode, res.json<{ code: string }>().code]).toEqual([accept, 404, 'HTTP_ROUTE_NOT_FOUND']);
    }
    // API paths stay JSON for browsers too.
    expect((await app.inject({ method: 'GET', url: '/v1/nope', headers: { accept: BROWSER } })).headers['content-type']).toMatch(/^application\/json/);
    await (await store.source('www')).put('404.html', page('404.html', '<h1>lost</h1>'));
    const custom = await app.inject({ method: 'GET', url: '/gone.html', headers: { accept: BROWSER } });
    expect([custom.statusCode, custom.body]).toEqual([404, '<h1>lost</h1>']);
  });
});

describe('static sites: byte ranges', () => {
  it('answers 206 for one range, 416 past the end, and the whole body when If-Range does not match', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const text = '0123456789';
    const block = page('t.txt', text, 'text/plain');
    await (await store.source('www')).put('t.txt', block);
    const get = (headers: Record<string, string>): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url: '/t.txt', headers });
    const full = await get({});
    expect([full.statusCode, full.headers['accept-ranges']]).toEqual([200, 'bytes']);
    for (const [range, body, contentRange] of [
      ['bytes=2-4', '234', 'bytes 2-4/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
      ['bytes=-100', text, 'bytes 0-9/10'],
    ] as const) {
      const res = await get({ range });
      expect.soft([range, res.statusCode, res.body, res.headers['content-range'], res.headers['content-length']]).toEqual([range, 206, body, contentRange, String(body.length)]);
    }
    const past = await get({ range: 'bytes=10-' });
    expect([past.statusCode, past.headers['content-range'], past.json<{ code: string }>().code]).toEqual([416, 'bytes */10', 'HTTP_RANGE_NOT_SATISFIABLE']);
    expect((await get({ range: 'bytes=-0' })).statusCode).toBe(416);
    // Ignored: bad syntax, other units, several ranges.
    for (const range of ['bytes=4-2', 'items=0-1', 'bytes=0-1,3-4', 'bytes=x']) expect.soft((await get({ range })).statusCode, range).toBe(200);
    expect((await get({ range: 'bytes=0-0', 'if-range': `"${block.hashHex}"` })).statusCode).toBe(206);
    expect((await get({ range: 'bytes=0-0', 'if-range': `"${'0'.repeat(64)}"` })).statusCode).toBe(200);
    expect((await get({ range: 'bytes=0-0', 'if-range': 'Wed, 21 Oct 2015 07:28:00 GMT' })).statusCode).toBe(200);
    // ?raw of a block GET takes ranges too.
    const raw = await app.inject({ method: 'GET', url: '/v1/sources/www/blocks/t.txt?raw', headers: { range: 'bytes=0-1' } });
    expect([raw.statusCode, raw.body]).toEqual([206, '01']);
    // So does the content a block GET negotiates, under a weak tag that If-Range never matches.
    const negotiated = await app.inject({ method: 'GET', url: '/v1/sources/www/blocks/t.txt', headers: { accept: 'text/plain', range: 'bytes=-2' } });
    expect([negotiated.statusCode, negotiated.body, negotiated.headers.etag]).toEqual([206, '89', `W/"${block.hashHex}"`]);
    const weak = await app.inject({ method: 'GET', url: '/v1/sources/www/blocks/t.txt', headers: { accept: 'text/plain', range: 'bytes=-2', 'if-range': `"${block.hashHex}"` } });
    expect([weak.statusCode, weak.body]).toEqual([200, text]);
  });

  it('property: parseRange gives a range inside the body, unsatisfiable or nothing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.nat(1000), (text, size) => {
        for (const value of [text, `bytes=${text}`]) {
          const range = parseRange(value, size);
          if (range === undefined || range === 'unsatisfiable') continue;
          expect(range.start).toBeGreaterThanOrEqual(0);
          expect(range.end).toBeLessThan(size);
          expect(range.start).toBeLessThanOrEqual(range.end);
        }
      }),
    );
  });
});

describe('static sites: compression', () => {
  it('sends gzip or brotli for text when accepted, with its own ETag and Vary, and identity otherwise', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const css = 'body { color: red; }\n'.repeat(200);
    const block = page('site.css', css, 'text/css');
    const www = await store.source('www');
    await www.put('site.css', block);
    await www.put('tiny.css', page('tiny.css', 'a{}', 'text/css'));
    await www.put('photo.png', page('photo.png', 'x'.repeat(5000), 'image/png'));
    const get = (url: string, headers: Record<string, string>): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url, headers });
    const br = await get('/site.css', { 'accept-encoding': 'gzip, deflate, br' });
    expect([br.headers['content-encoding'], br.headers.etag, br.headers.vary]).toEqual(['br', `"${block.hashHex}-br"`, 'Accept-Encoding']);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(css);
    expect(Number(br.headers['content-length'])).toBeLessThan(css.length);
    const gz = await get('/site.css', { 'accept-encoding': 'gzip' });
    expect([gz.headers['content-encoding'], gz.headers.etag]).toEqual(['gzip', `"${block.hashHex}-gzip"`]);
    expect(gunzipSync(gz.rawPayload).toString()).toBe(css);
    expect((await get('/site.css', { 'accept-encoding': 'br;q=0.5, gzip' })).headers['content-encoding']).toBe('gzip');
    // The compressed form is cached by hash: the same bytes again.
    expect(Buffer.compare((await get('/site.css', { 'accept-encoding': 'br' })).rawPayload, br.rawPayload)).toBe(0);
    // 304 against the coded form's tag; the identity tag does not name the coded form.
    expect((await get('/site.css', { 'accept-encoding': 'br', 'if-none-match': `"${block.hashHex}-br"` })).statusCode).toBe(304);
    expect((await get('/site.css', { 'accept-encoding': 'br', 'if-none-match': `"${block.hashHex}"` })).statusCode).toBe(200);
    const plain = await get('/site.css', {});
    expect([plain.headers['content-encoding'], plain.headers.etag, plain.body]).toEqual([undefined, `"${block.hashHex}"`, css]);
    // Not for ranges, tiny bodies or types that do not compress.
    const range = await get('/site.css', { 'accept-encoding': 'br', range: 'bytes=0-3' });
    expect([range.statusCode, range.headers['content-encoding'], range.body]).toEqual([206, undefined, 'body']);
    expect((await get('/tiny.css', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
    expect((await get('/photo.png', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
    // HEAD gives the coded length.
    const head = await app.inject({ method: 'HEAD', url: '/site.css', headers: { 'accept-encoding': 'br' } });
    expect([head.headers['content-encoding'], head.headers['content-length']]).toEqual(['br', String(br.rawPayload.length)]);
    // A write may send back a coded form's tag: it names the same block.
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/www/blocks/site.css', headers: { 'content-type': 'text/css', 'if-match': `"${block.hashHex}-br"` }, payload: 'a{}' });
    expect(put.statusCode).toBe(201);
  });

  it('picks a coding from Accept-Encoding', () => {
    expect(negotiateEncoding(undefined)).toBeUndefined();
    expect(negotiateEncoding('gzip, br')).toBe('br');
    expect(negotiateEncoding('gzip;q=1, br;q=0.9')).toBe('gzip');
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('br;q=0, gzip;q=0')).toBeUndefined();
    expect(negotiateEncoding('identity')).toBeUndefined();
    expect(negotiateEncoding('deflate')).toBeUndefined();
  });
});
