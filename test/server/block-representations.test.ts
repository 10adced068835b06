import { describe, expect, it } from 'vitest';
import { Block, decodeNpy, encodeNpy } from '../../src/block/index.js';
import { tableFromIPC } from 'apache-arrow';
import { writeNpyHeader } from '../../src/block/npy-header.js';
import { blockPath } from '../../src/server/block-routes.js';
import { escapeHtml } from '../../src/server/block-html.js';
import { negotiateBlock } from '../../src/server/content-types.js';
import { BLOCK, putBlock, serverFixture } from './server-fixture.js';

const NPY = 'application/x-npy';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

function npyFile(descr: string, shape: number[], data: Uint8Array): Buffer {
  const header = writeNpyHeader(descr, shape);
  return Buffer.concat([header, data]);
}

describe('negotiation of the block representations', () => {
  it('keeps binary the default, sends .npy only by name and HTML to browsers', () => {
    expect(negotiateBlock('*/*')).toBe('block');
    expect(negotiateBlock('application/*')).toBe('block');
    expect(negotiateBlock(NPY)).toBe('npy');
    expect(negotiateBlock(`${NPY}, */*;q=0.5`)).toBe('npy');
    expect(negotiateBlock(`${NPY};q=0.5, ${BLOCK}`)).toBe('block');
    expect(negotiateBlock(BROWSER)).toBe('html');
    expect(negotiateBlock('text/*')).toBe('html');
    expect(negotiateBlock(`text/html;q=0.5, application/json`)).toBe('json');
    expect(() => negotiateBlock('image/png')).toThrow(expect.objectContaining({ code: 'HTTP_NOT_ACCEPTABLE' }));
  });
});

describe('NumPy .npy over HTTP', () => {
  it('serves a tensor as .npy with a weak tag, Vary: Accept and 304 on a match', async () => {
    const { app } = await serverFixture({}, 'memory');
    const block = Block.from([[1.5, null], [NaN, -Infinity]]);
    expect((await putBlock(app, '/v1/sources/s/blocks/m', block)).statusCode).toBe(201);

    const get = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/m', headers: { accept: NPY } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['content-type']).toBe(NPY);
    expect(get.headers.etag).toBe(`W/"${block.hashHex}"`);
    expect(get.headers.vary).toContain('Accept');
    expect(Buffer.compare(get.rawPayload, encodeNpy(block))).toBe(0);
    expect(decodeNpy(get.rawPayload).hashHex).toBe(block.hashHex);

    for (const tag of [get.headers.etag!, `"${block.hashHex}"`]) {
      const again = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/m', headers: { accept: NPY, 'if-none-match': tag } });
      expect(again.statusCode).toBe(304);
    }
    // ?format=npy does the same whatever Accept says; a wildcard alone never gives .npy.
    const byQuery = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/m?format=npy', headers: { accept: BROWSER } });
    expect(Buffer.compare(byQuery.rawPayload, get.rawPayload)).toBe(0);
    const any = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/m', headers: { accept: '*/*' } });
    expect(any.headers['content-type']).toBe(BLOCK);
  });

  it('answers 406 HTTP_NOT_ACCEPTABLE for blocks .npy cannot hold', async () => {
    const { app } = await serverFixture({}, 'memory');
    const tuple = Block.tuple({ a: Block.from([1, 2]) });
    const stringNA = Block.from(['a', null]);
    const boolNA = Block.from([true, null]);
    for (const [key, block] of [['t', tuple], ['s', stringNA], ['b', boolNA]] as const) {
      expect((await putBlock(app, `/v1/sources/s/blocks/${key}`, block)).statusCode).toBe(201);
      for (const request of [{ url: `/v1/sources/s/blocks/${key}`, headers: { accept: NPY } }, { url: `/v1/sources/s/blocks/${key}?format=npy`, headers: {} }]) {
        const res = await app.inject({ method: 'GET', ...request });
        expect(res.statusCode).toBe(406);
        const body = res.json<{ code: string; details: { type: string; reason: unknown } }>();
        expect(body).toMatchObject({ code: 'HTTP_NOT_ACCEPTABLE', details: { type: block.type } });
        expect(typeof body.details.reason).toBe('string');
        expect(res.headers['keepr-error-code']).toBe('HTTP_NOT_ACCEPTABLE');
        expect(res.headers.etag).toBeUndefined();
      }
    }
  });

  it('stores a PUT .npy body as a tensor block, conditions included', async () => {
    const { app } = await serverFixture({}, 'memory');
    const block = Block.create({ type: 'int32', shape: [2, 3], data: new Int32Array([1, 2, 3, 4, 5, -6]) });
    const url = '/v1/sources/np/blocks/arrays/a';
    const put = await app.inject({ method: 'PUT', url, headers: { 'content-type': NPY, 'if-none-match': '*' }, payload: Buffer.from(encodeNpy(block)) });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ type: 'int32', shape: [2, 3], hash: block.hashHex });
    expect(put.headers.etag).toBe(`"${block.hashHex}"`);

    const view = await app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
    expect(view.json()).toMatchObject({ type: 'int32', shape: [2, 3], data: [[1, 2, 3], [4, 5, -6]] });

    const again = await app.inject({ method: 'PUT', url, headers: { 'content-type': NPY, 'if-none-match': '*' }, payload: Buffer.from(encodeNpy(block)) });
    expect(again.statusCode).toBe(412);
    expect(again.json()).toMatchObject({ code: 'WRITE_KEY_EXISTS' });

    // The weak tag of the .npy answer names the block for If-Match like the strong one.
    const weak = (await app.inject({ method: 'GET', url, headers: { accept: NPY } })).headers.etag!;
    const next = Block.from([0.5, 0.25]);
    const replace = await app.inject({ method: 'PUT', url, headers: { 'content-type': `${NPY}; charset=binary`, 'if-match': weak }, payload: Buffer.from(encodeNpy(next)) });
    expect(replace.statusCode).toBe(201);
    expect(replace.json()).toMatchObject({ type: 'float64', shape: [2], hash: next.hashHex });
    const stale = await app.inject({ method: 'PUT', url, headers: { 'content-type': NPY, 'if-match': weak }, payload: Buffer.from(encodeNpy(block)) });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'WRITE_HASH_MISMATCH' });
  });

  it('answers 400 with the .npy error code for bad files, and stores nothing', async () => {
    const { app, store } = await serverFixture({}, 'memory');
    const good = Buffer.from(encodeNpy(Block.from([1, 2, 3])));
    const cases: [string, Buffer, string][] = [
      ['not .npy at all', Buffer.from('hello, world'), 'NPY_MALFORMED'],
      ['empty', Buffer.alloc(0), 'NPY_MALFORMED'],
      ['truncated data', good.subarray(0, good.length - 3), 'NPY_MALFORMED'],
      ['complex dtype', npyFile('<c8', [1], new Uint8Array(8)), 'NPY_UNSUPPORTED'],
      ['object dtype', npyFile('|O', [1], new Uint8Array(8)), 'NPY_UNSUPPORTED'],
    ];
    for (const [name, payload, code] of cases) {
      const res = await app.inject({ method: 'PUT', url: '/v1/sources/np/blocks/bad', headers: { 'content-type': NPY }, payload });
      expect([name, res.statusCode, res.json<{ code: string }>().code]).toEqual([name, 400, code]);
    }
    expect(await store.sources()).toEqual([]);
  });
});

describe('HTML page for browsers', () => {
  it('answers a browser with a readable page: facts, first values, links, Vary and a weak tag', async () => {
    const { app } = await serverFixture({}, 'memory');
    const block = Block.create({ type: 'int32', shape: [5, 10], data: Int32Array.from({ length: 50 }, (_, i) => i * 7), attributes: { kind: 'counts' } });
    expect((await putBlock(app, '/v1/sources/s/blocks/grid/a', block)).statusCode).toBe(201);

    const res = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/grid/a', headers: { accept: BROWSER } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers.vary).toContain('Accept');
    expect(res.headers.etag).toBe(`W/"${block.hashHex}"`);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const page = res.body;
    for (const text of ['<h1>grid/a</h1>', 'int32', '[5, 10]', block.hashHex, `${block.byteLength} bytes`, '<th>kind</th><td>counts</td>', '<li>133</li>', '30 more']) {
      expect(page).toContain(text);
    }
    expect(page).not.toContain('<li>140</li>');
    expect(page).toContain('href="/v1/sources/s/blocks/grid/a?format=json"');
    expect(page).toContain('href="/v1/sources/s/blocks/grid/a?format=block"');

    // The links work from the browser: ?format wins over its Accept.
    const json = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/grid/a?format=json', headers: { accept: BROWSER } });
    expect(json.json()).toMatchObject({ type: 'int32', shape: [5, 10] });
    const bin = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/grid/a?format=block', headers: { accept: BROWSER } });
    expect(bin.headers['content-type']).toBe(BLOCK);
    expect(bin.headers.etag).toBe(`"${block.hashHex}"`);
    const bad = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/grid/a?format=xml' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'HTTP_REQUEST_INVALID' });

    const cached = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/grid/a', headers: { accept: BROWSER, 'if-none-match': res.headers.etag! } });
    expect(cached.statusCode).toBe(304);
    const head = await app.inject({ method: 'HEAD', url: '/v1/sources/s/blocks/grid/a', headers: { accept: BROWSER } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(head.body).toBe('');
  });

  it('escapes keys, attributes and values', async () => {
    const { app } = await serverFixture({}, 'memory');
    const evil = '<script>alert("x")</script>';
    const key = `k/${evil}&'`;
    const block = Block.create({ type: 'string', shape: [2], data: [evil, null], attributes: { kind: evil, filename: `"><img src=x onerror=alert(1)>` } });
    expect((await putBlock(app, blockPath('s', key), block)).statusCode).toBe(201);

    const res = await app.inject({ method: 'GET', url: blockPath('s', key), headers: { accept: BROWSER } });
    expect(res.statusCode).toBe(200);
    const page = res.body;
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).toContain(escapeHtml(evil));
    expect(page).toContain(`<h1>${escapeHtml(key)}</h1>`);
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<li>NA</li>');
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('sends an HTML file block as itself, and previews other files as escaped text', async () => {
    const { app } = await serverFixture({}, 'memory');
    const html = '<!DOCTYPE html><p>hello</p>';
    await app.inject({ method: 'PUT', url: '/v1/sources/f/blocks/index.html', headers: { 'content-type': 'text/html; charset=utf-8' }, payload: html });
    const res = await app.inject({ method: 'GET', url: '/v1/sources/f/blocks/index.html', headers: { accept: BROWSER } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(html);
    expect(res.headers.vary).toContain('Accept');

    await app.inject({ method: 'PUT', url: '/v1/sources/f/blocks/notes.txt', headers: { 'content-type': 'text/plain' }, payload: 'a <b> & c' });
    const text = await app.inject({ method: 'GET', url: '/v1/sources/f/blocks/notes.txt', headers: { accept: BROWSER } });
    expect(text.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(text.body).toContain('<pre>a &lt;b&gt; &amp; c</pre>');
    expect(text.body).toContain('href="/v1/sources/f/blocks/notes.txt?raw"');
    expect(text.body).toContain('<th>mime</th><td>text/plain</td>');
  });

  it('keeps web resources working, and gives tensors published there the page too', async () => {
    const { app } = await serverFixture({ webPublic: true }, 'memory');
    const page = '<!DOCTYPE html><title>home</title>';
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/www/blocks/index.html', headers: { 'content-type': 'text/html' }, payload: page });
    expect(put.statusCode).toBe(201);
    const home = await app.inject({ method: 'GET', url: '/', headers: { accept: BROWSER } });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.body).toBe(page);

    const data = await app.inject({ method: 'PUT', url: '/v1/sources/www/blocks/data.npy', headers: { 'content-type': NPY }, payload: Buffer.from(encodeNpy(Block.from([1, 2]))) });
    expect(data.statusCode).toBe(201);
    const shown = await app.inject({ method: 'GET', url: '/data.npy', headers: { accept: BROWSER } });
    expect(shown.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(shown.body).toContain('href="/v1/sources/www/blocks/data.npy?format=json"');
    const asNpy = await app.inject({ method: 'GET', url: '/data.npy', headers: { accept: NPY } });
    expect(decodeNpy(asNpy.rawPayload).toJS()).toEqual([1, 2]);
  });
});

describe('Apache Arrow streams', () => {
  const ARROW = 'application/vnd.apache.arrow.stream';
  const plain = (value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

  it('serves a rank-1 tensor as one value column, NA as nulls', async () => {
    const { app } = await serverFixture({}, 'memory');
    const block = Block.from([1.5, null, NaN, 4]);
    await putBlock(app, '/v1/sources/s/blocks/v', block);
    const res = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/v', headers: { accept: ARROW } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(ARROW);
    expect(res.headers.etag).toBe(`W/"${block.hashHex}"`);
    expect(res.headers.vary).toContain('Accept');
    const table = tableFromIPC(res.rawPayload);
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([['value', 'Float64']]);
    const values = table.getChild('value')!.toArray() as Float64Array;
    expect(table.getChild('value')!.isValid(1)).toBe(false);
    expect([values[0], Number.isNaN(values[2]), values[3]]).toEqual([1.5, true, 4]);
    expect(table.getChild('value')!.nullCount).toBe(1);

    const cached = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/v', headers: { accept: ARROW, 'if-none-match': res.headers.etag! } });
    expect(cached.statusCode).toBe(304);
    expect(negotiateBlock('*/*')).toBe('block');
    expect(negotiateBlock(ARROW)).toBe('arrow');
  });

  it('serves a rank-2 tensor as one column per column index, for every cell type', async () => {
    const { app } = await serverFixture({}, 'memory');
    const blocks: [string, Block, unknown[][]][] = [
      ['i64', Block.create({ type: 'int64', shape: [2, 3], data: [1n, null, 3n, 4n, 5n, -6n] }), [['1', '4'], [null, '5'], ['3', '-6']]],
      ['s', Block.create({ type: 'string', shape: [2, 2], data: ['a', null, 'c', 'd'] }), [['a', 'c'], [null, 'd']]],
      ['b', Block.create({ type: 'bool', shape: [1, 2], data: [true, null] }), [[true], [null]]],
      ['i32', Block.create({ type: 'int32', shape: [2, 1], data: [7, null] }), [[7, null]]],
    ];
    for (const [key, block, columns] of blocks) {
      expect((await putBlock(app, `/v1/sources/s/blocks/${key}`, block)).statusCode).toBe(201);
      const res = await app.inject({ method: 'GET', url: `/v1/sources/s/blocks/${key}?format=arrow` });
      expect(res.statusCode).toBe(200);
      const table = tableFromIPC(res.rawPayload);
      expect(table.schema.fields.map((f) => f.name)).toEqual(columns.map((_, j) => String(j)));
      expect(columns.map((_, j) => [...table.getChild(String(j))!].map(plain))).toEqual(columns);
    }
    const time = Block.create({ type: 'time', shape: [2], data: [1_700_000_000_000_000n, null] });
    await putBlock(app, '/v1/sources/s/blocks/t', time);
    const res = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/t', headers: { accept: ARROW } });
    const table = tableFromIPC(res.rawPayload);
    expect(String(table.schema.fields[0]!.type)).toBe('Timestamp<MICROSECOND, UTC>');
    expect(table.getChild('value')!.isValid(1)).toBe(false);
  });

  it('answers 406 for files, tuples and ranks above 2', async () => {
    const { app } = await serverFixture({}, 'memory');
    const cases: [string, Block][] = [
      ['f', Block.file(new Uint8Array([1, 2]), 'application/octet-stream')],
      ['t', Block.tuple({ a: Block.from([1]) })],
      ['r3', Block.create({ type: 'float64', shape: [1, 1, 2], data: [1, 2] })],
    ];
    for (const [key, block] of cases) {
      await putBlock(app, `/v1/sources/s/blocks/${key}`, block);
      const res = await app.inject({ method: 'GET', url: `/v1/sources/s/blocks/${key}`, headers: { accept: ARROW } });
      expect(res.statusCode).toBe(406);
      expect(res.json()).toMatchObject({ code: 'HTTP_NOT_ACCEPTABLE', details: { type: block.type } });
    }
  });
});
