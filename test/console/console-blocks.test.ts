/**
 * The Sources, keys and block views in a real browser, over a server with tokens: figures
 * against the API, canvases inked, NA, factor labels, ISO times, binary keys, file previews,
 * tuples, and the console's block writes with a write token and refused with a read token.
 */
import { deflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { Store } from '../../src/store/index.js';
import { canvasInk, type ConsoleFixture, goView, openView, reportPaint, screenshot, tableRows, TOKENS, useConsoleServer } from './console-harness.js';

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid `w × h` RGB PNG whose every pixel is `rgb`. */
function png(w: number, h: number, rgb: readonly [number, number, number]): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(rgb, y * (1 + 3 * w) + 1 + 3 * x);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())]);
}

const BIG = 1024;
const T0 = 1_700_000_000_000_000n;

async function seed(store: Store): Promise<void> {
  const data = await store.source('data');
  await data.put('grid', Block.create({ type: 'float64', shape: [4, 5], data: Array.from({ length: 20 }, (_, i) => Math.floor(i / 5) * 10 + (i % 5)) }));
  // A 2 × 3 RGB picture: red, green, blue / white, black, grey.
  await data.put('img', Block.create({ type: 'uint8', shape: [2, 3, 3], data: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128] }));
  await data.put('counts', Block.create({ type: 'int32', shape: [5], data: [1, null, 3, null, 5] }));
  await data.put('levels', Block.create({ type: 'factor', data: ['lo', 'hi', null, 'lo'], levels: ['lo', 'hi'], ordered: true }));
  await data.put('when', Block.create({ type: 'time', shape: [2], data: [T0, null] }));
  await data.put('names', Block.create({ type: 'string', data: ['ana', null, 'bo'] }));
  await data.put('flags', Block.create({ type: 'bool', data: [true, false, null] }));
  await data.put('cube', Block.create({ type: 'int16', shape: [3, 2, 2], data: Array.from({ length: 12 }, (_, i) => i) }));
  await data.put('pair', Block.tuple({ a: Block.create({ type: 'int32', data: [1, 2] }), b: Block.create({ type: 'string', data: ['x'] }) }));
  const big = new Float64Array(BIG * BIG);
  for (let r = 0; r < BIG; r++) for (let c = 0; c < BIG; c++) big[r * BIG + c] = Math.sin(r / 64) * Math.cos(c / 64);
  await data.put('big', Block.from(big, { shape: [BIG, BIG] }));
  const files = await store.source('files');
  await files.put('img/dot.png', Block.file(png(4, 3, [0, 128, 255]), 'image/png'));
  await files.put('notes.txt', Block.file(new TextEncoder().encode('hello from keepr\nsecond line'), 'text/plain; charset=utf-8'));
  await files.put('doc.json', Block.file(new TextEncoder().encode('{"a":1,"b":[1,2]}'), 'application/json'));
  await files.put('blob.bin', Block.file(new Uint8Array([0, 1, 2, 3, 250]), 'application/octet-stream'));
  const chain = await store.source('chain');
  await chain.put(new Uint8Array([0x00, 0xff, 0x01]), Block.from(new Int32Array([7])));
  await chain.put(new Uint8Array([0xff, 0xfe]), Block.from(new Int32Array([8])));
  await chain.put('plain', Block.from(new Int32Array([9])));
  const paged = await store.source('paged');
  for (let i = 0; i < 150; i++) await paged.put(`k${String(i).padStart(3, '0')}`, Block.from(new Int32Array([i])));
}

async function apiJson(fixture: ConsoleFixture, url: string): Promise<{ status: number; body: unknown }> {
  const res = await fixture.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKENS.read}`, accept: 'application/json' } });
  return { status: res.statusCode, body: res.json() };
}

/** The text of every element matching `selector` (page scripts are strings: the tests have no DOM types). */
function texts(page: Page, selector: string): Promise<(string | null)[]> {
  return page.evaluate<(string | null)[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => el.textContent)`);
}

/** True when the first element matching `selector` has the attribute `name`. */
function hasAttribute(page: Page, selector: string, name: string): Promise<boolean> {
  return page.evaluate<boolean>(`document.querySelector(${JSON.stringify(selector)}).hasAttribute(${JSON.stringify(name)})`);
}

interface KeyItem {
  key: string;
  type: string;
  byteLength: number;
  hash: string;
}

describe('console sources and blocks', () => {
  const fixture = useConsoleServer(seed, { tokens: true });

  it('lists the sources with the counts and sizes of the API', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/sources', { token: TOKENS.read, view: 'sources' });
    reportPaint('sources', paintMs);
    const rows = await tableRows(page, 'table.sources tbody tr');
    for (const name of ['data', 'files', 'chain', 'paged']) {
      const { body } = (await apiJson(fixture(), `/v1/sources/${name}`)) as { status: number; body: { blocks: number } };
      expect(rows.find((r) => r[0] === name)?.[1]).toBe(String(body.blocks));
    }
    await screenshot(page, 'console-blocks-sources');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pages through keys with the cursor and searches by prefix', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/sources/paged', { token: TOKENS.read, view: 'source' });
    reportPaint('source', paintMs);
    const first = await tableRows(page, 'table.keys tbody tr');
    const api = (await apiJson(fixture(), '/v1/sources/paged/blocks?limit=100')) as { status: number; body: { items: KeyItem[]; cursor: string } };
    expect(first.map((r) => r[0])).toEqual(api.body.items.map((i) => i.key));
    expect(first[0]).toEqual(['k000', 'int32', '[1]', `${api.body.items[0]!.byteLength} B`, expect.stringContaining(api.body.items[0]!.hash.slice(0, 12))]);
    await screenshot(page, 'console-blocks-source');
    await page.click('a.next-page');
    await page.waitForSelector('a.first-page');
    const second = await tableRows(page, 'table.keys tbody tr');
    expect(second.map((r) => r[0])).toEqual(Array.from({ length: 50 }, (_, i) => `k${100 + i}`));
    expect(await page.$('a.next-page')).toBeNull();
    await page.fill('input[name="prefix"]', 'k14');
    await page.click('form.prefix-search button');
    await page.waitForURL(/prefix=k14/);
    await page.waitForSelector('body[data-ready="source"]');
    expect(await texts(page, 'table.keys a.key')).toEqual(Array.from({ length: 10 }, (_, i) => `k14${i}`));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows binary keys as hex and opens them', async () => {
    const { page, errors } = await openView(fixture(), '/sources/chain', { token: TOKENS.read, view: 'source' });
    const keys = await texts(page, 'table.keys tbody tr td:first-child');
    expect(keys).toEqual(['hex00ff01', 'plain', 'hexfffe']);
    const api = (await apiJson(fixture(), '/v1/sources/chain/blocks?keyEncoding=hex')) as { status: number; body: { items: KeyItem[] } };
    await page.click('a.key-bin >> nth=1');
    await page.waitForSelector('body[data-ready="block"]');
    expect(await page.evaluate<string>('location.hash')).toBe('#/sources/chain/blocks/fffe?keyEncoding=hex');
    expect(await page.textContent('h1')).toContain('fffe');
    expect(await page.textContent('.fact-hash')).toBe(api.body.items.find((i) => i.key === 'fffe')!.hash);
    expect(await page.textContent('table.cells')).toContain('8');
    await page.waitForSelector('.hash-check.ok');
    await screenshot(page, 'console-blocks-binary-key');
    // The prefix search takes hex after 0x.
    await goView(page, '/sources/chain?prefix=0x00', 'source');
    expect((await texts(page, 'table.keys tbody tr')).length).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a heatmap of a rank-2 tensor, with facts matching the API', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/sources/data/blocks/grid', { token: TOKENS.read, view: 'block' });
    reportPaint('block', paintMs);
    const { body } = (await apiJson(fixture(), '/v1/sources/data/blocks?prefix=grid')) as { status: number; body: { items: KeyItem[] } };
    const item = body.items[0]!;
    expect(await page.textContent('.fact-type')).toBe('float64');
    expect(await page.textContent('.fact-shape')).toBe('[4 × 5]');
    expect(await page.getAttribute('.fact-size', 'title')).toBe(`${item.byteLength} bytes`);
    expect(await page.textContent('.fact-hash')).toBe(item.hash);
    const ink = await canvasInk(page, 'canvas.heatmap');
    expect(ink).toMatchObject({ width: 5, height: 4 });
    expect(ink.inked).toBeGreaterThan(10);
    expect(await page.textContent('.legend-min')).toBe('0');
    expect(await page.textContent('.legend-max')).toBe('34');
    expect((await canvasInk(page, 'canvas.scale')).inked).toBeGreaterThan(0);
    const rows = await tableRows(page, 'table.cells tbody tr');
    expect(rows[3]).toEqual(['3', '30', '31', '32', '33', '34']);
    await screenshot(page, 'console-blocks-heatmap');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a uint8 H×W×3 tensor as an RGB picture', async () => {
    const { page, errors } = await openView(fixture(), '/sources/data/blocks/img', { token: TOKENS.read, view: 'block' });
    const ink = await canvasInk(page, 'canvas.picture');
    expect(ink).toMatchObject({ width: 3, height: 2 });
    expect(ink.inked).toBeGreaterThan(0);
    const pixel = (x: number, y: number) => page.evaluate<number[]>(`[...document.querySelector('canvas.picture').getContext('2d').getImageData(${x}, ${y}, 1, 1).data]`);
    expect(await pixel(0, 0)).toEqual([255, 0, 0, 255]);
    expect(await pixel(2, 0)).toEqual([0, 0, 255, 255]);
    expect(await pixel(2, 1)).toEqual([128, 128, 128, 255]);
    await screenshot(page, 'console-blocks-rgb');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows NA, factor labels, ISO times, strings, booleans and slices', async () => {
    const { page, errors } = await openView(fixture(), '/sources/data/blocks/counts', { token: TOKENS.read, view: 'block' });
    const cells = () => texts(page, 'table.cells tbody td');
    expect(await cells()).toEqual(['1', 'NA', '3', 'NA', '5']);
    expect((await texts(page, 'table.cells td.na')).length).toBe(2);
    await goView(page, '/sources/data/blocks/levels', 'block');
    expect(await cells()).toEqual(['lo', 'hi', 'NA', 'lo']);
    expect(await page.textContent('.fact-levels')).toBe('lo, hi');
    await screenshot(page, 'console-blocks-factor');
    await goView(page, '/sources/data/blocks/when', 'block');
    expect(await cells()).toEqual(['2023-11-14T22:13:20.000000Z', 'NA']);
    await goView(page, '/sources/data/blocks/names', 'block');
    expect(await cells()).toEqual(['ana', 'NA', 'bo']);
    await goView(page, '/sources/data/blocks/flags', 'block');
    expect(await cells()).toEqual(['true', 'false', 'NA']);
    await goView(page, '/sources/data/blocks/cube', 'block');
    expect(await tableRows(page, 'table.cells tbody tr')).toEqual([['0', '0', '1'], ['1', '2', '3']]);
    await page.fill('input.slice', '2');
    await page.dispatchEvent('input.slice', 'change');
    expect(await tableRows(page, 'table.cells tbody tr')).toEqual([['0', '8', '9'], ['1', '10', '11']]);
    await screenshot(page, 'console-blocks-slice');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a tuple as a tree of its items', async () => {
    const { page, errors } = await openView(fixture(), '/sources/data/blocks/pair', { token: TOKENS.read, view: 'block' });
    const items = await texts(page, 'li.tuple-item');
    expect(items).toEqual(['a int32 [2] 1, 2', 'b string [1] x']);
    await screenshot(page, 'console-blocks-tuple');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('previews files by MIME type', async () => {
    const { page, errors } = await openView(fixture(), '/sources/files/blocks/img/dot.png', { token: TOKENS.read, view: 'block' });
    expect(await page.evaluate<number>(`document.querySelector('img.file-image').naturalWidth`)).toBe(4);
    await screenshot(page, 'console-blocks-png');
    await goView(page, '/sources/files/blocks/notes.txt', 'block');
    expect(await page.textContent('pre.file-text')).toBe('hello from keepr\nsecond line');
    await goView(page, '/sources/files/blocks/doc.json', 'block');
    expect(await page.textContent('pre.file-text')).toBe(JSON.stringify({ a: 1, b: [1, 2] }, null, 2));
    await screenshot(page, 'console-blocks-json');
    await goView(page, '/sources/files/blocks/blob.bin', 'block');
    expect(await page.textContent('.no-preview')).toContain('application/octet-stream');
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('button.download')]);
    expect(saved.suggestedFilename()).toBe('blob.bin');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a 1024×1024 float64 heatmap fetched in binary form', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/sources/data/blocks/big', { token: TOKENS.read, view: 'block' });
    reportPaint('block 1024x1024 heatmap (page load)', paintMs);
    await goView(page, '/sources/data', 'source');
    // From a click in the console to the heatmap on screen: fetch 8 MiB, read, draw, table.
    const ms = await goView(page, '/sources/data/blocks/big', 'block');
    reportPaint('block 1024x1024 heatmap (in-console navigation)', ms);
    const draw = await page.evaluate<number>(`performance.getEntriesByName('keepr:block:draw').at(-1).duration`);
    reportPaint('block 1024x1024 heatmap (read and draw, without the fetch)', draw);
    const ink = await canvasInk(page, 'canvas.heatmap');
    expect(ink).toMatchObject({ width: BIG, height: BIG });
    expect(ink.inked).toBeGreaterThan(BIG * BIG * 0.9);
    expect(await page.textContent('.rows-shown')).toBe('rows 1–100 of 1,024');
    await screenshot(page, 'console-blocks-big-heatmap');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('uploads a file, puts a JSON document and deletes a key with a write token', async () => {
    const f = fixture();
    const { page, errors } = await openView(f, '/sources/files', { token: TOKENS.write, view: 'source' });
    expect(await page.$('.write-refusal')).toBeNull();
    await page.setInputFiles('input[name="file"]', { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('uploaded!') });
    await page.fill('input[name="key"]', 'up/hello.txt');
    await page.click('form.upload-form button[type="submit"]');
    await page.waitForSelector('.write-result');
    const up = await f.app.inject({ method: 'GET', url: '/v1/sources/files/blocks/up/hello.txt?raw', headers: { authorization: `Bearer ${TOKENS.read}` } });
    expect(up.statusCode).toBe(200);
    expect(up.headers['content-type']).toBe('text/plain');
    expect(up.body).toBe('uploaded!');
    expect(await texts(page, 'table.keys a.key')).toContain('up/hello.txt');
    // Not JSON: refused in the browser, nothing sent.
    await page.fill('input[name="doc-key"]', 'people/ana.json');
    await page.fill('textarea[name="json"]', '{"name": ');
    await page.click('form.json-form button[type="submit"]');
    expect(await page.textContent('.write-status .error')).toContain('Not JSON');
    expect((await apiJson(f, '/v1/sources/files/blocks/people/ana.json?raw')).status).toBe(404);
    await page.fill('textarea[name="json"]', '{"name": "ana"}');
    await page.click('form.json-form button[type="submit"]');
    await page.waitForSelector('.write-result');
    const doc = await f.app.inject({ method: 'GET', url: '/v1/sources/files/blocks/people/ana.json', headers: { authorization: `Bearer ${TOKENS.read}`, accept: 'application/json' } });
    expect(doc.headers['content-type']).toBe('application/json');
    expect(doc.body).toBe('{"name": "ana"}');
    await screenshot(page, 'console-blocks-written');
    await goView(page, '/sources/files/blocks/up/hello.txt', 'block');
    expect(await page.isVisible('.confirm-delete')).toBe(false);
    await page.click('button.delete');
    expect(await page.isVisible('.confirm-delete')).toBe(true);
    await page.click('.confirm-delete button.confirm');
    await page.waitForSelector('body[data-ready="source"]');
    expect(await page.textContent('.notice')).toBe('Deleted up/hello.txt.');
    expect((await apiJson(f, '/v1/sources/files/blocks/up/hello.txt')).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('disables writes for a read token, and the server refuses a forced one', async () => {
    const f = fixture();
    const { page } = await openView(f, '/sources/files', { token: TOKENS.read, view: 'source' });
    expect(await page.textContent('.write-refusal')).toContain('a read token');
    expect(await hasAttribute(page, 'section.writes fieldset', 'disabled')).toBe(true);
    await screenshot(page, 'console-blocks-read-only');
    // A forced write with the read token: 403, nothing stored.
    const forced = await page.evaluate<{ status: number; code: string }>(`fetch('/v1/sources/files/blocks/forced.json', {
      method: 'PUT', headers: { authorization: 'Bearer ${TOKENS.read}', 'content-type': 'application/json' }, body: '{}' })
      .then(async (r) => ({ status: r.status, code: (await r.json()).code }))`);
    expect(forced).toEqual({ status: 403, code: 'AUTH_FORBIDDEN' });
    expect((await apiJson(f, '/v1/sources/files/blocks/forced.json')).status).toBe(404);
    // Controls enabled by hand: the server's 403 shows as an error panel.
    await page.evaluate(`document.querySelector('section.writes fieldset').disabled = false`);
    await page.fill('input[name="doc-key"]', 'forced.json');
    await page.fill('textarea[name="json"]', '{}');
    await page.click('form.json-form button[type="submit"]');
    expect(await page.textContent('.write-status .error code')).toBe('AUTH_FORBIDDEN');
    expect((await apiJson(f, '/v1/sources/files/blocks/forced.json')).status).toBe(404);
    await goView(page, '/sources/files/blocks/doc.json', 'block');
    expect(await hasAttribute(page, 'button.delete', 'disabled')).toBe(true);
    await page.evaluate(`document.querySelector('button.delete').disabled = false`);
    await page.click('button.delete');
    await page.click('.confirm-delete button.confirm');
    expect(await page.textContent('.write-status .error code')).toBe('AUTH_FORBIDDEN');
    expect((await apiJson(f, '/v1/sources/files/blocks/doc.json')).status).toBe(200);
    await page.close();
  });
});
