import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { negotiateBlock } from '../../src/server/content-types.js';
import { serverFixture } from './server-fixture.js';

const KEEPR_JSON = 'application/vnd.keepr+json';

describe('JSON documents and block descriptions', () => {
  it('stores an application/json body as a file block, byte for byte, and gives it back as is', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const text = '{"name":"ana",  "n": 1.50}\n';
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/docs/blocks/ana.json', headers: { 'content-type': 'application/json' }, payload: text });
    expect([put.statusCode, put.json<{ type: string }>().type]).toEqual([201, 'bytes']);
    const block = await (await store.source('docs')).get('ana.json');
    expect(block?.mime).toBe('application/json');
    expect(Buffer.from(block!.data()).toString('utf8')).toBe(text);
    // Accept: application/json names the document's own type: its bytes, not a view of the block.
    const doc = await app.inject({ method: 'GET', url: '/v1/sources/docs/blocks/ana.json', headers: { accept: 'application/json' } });
    expect([doc.statusCode, doc.headers['content-type'], doc.body, doc.headers.etag]).toEqual([200, 'application/json', text, `W/"${block!.hashHex}"`]);
    // The block description is its own type.
    const view = await app.inject({ method: 'GET', url: '/v1/sources/docs/blocks/ana.json', headers: { accept: KEEPR_JSON } });
    expect(view.headers['content-type']).toBe(`${KEEPR_JSON}; charset=utf-8`);
    expect(view.json()).toMatchObject({ type: 'bytes', attributes: { mime: 'application/json' } });
    // A wildcard still gets the binary block, and ?raw the content.
    expect((await app.inject({ method: 'GET', url: '/v1/sources/docs/blocks/ana.json', headers: { accept: '*/*' } })).headers['content-type']).toBe('application/vnd.keepr.block');
    expect((await app.inject({ method: 'GET', url: '/v1/sources/docs/blocks/ana.json?raw' })).body).toBe(text);
  });

  it('keeps a JSON document that is not valid JSON as it came: it is a file, not parsed', async () => {
    const { store, app } = await serverFixture({ jsonBodyLimit: 64 }, 'memory');
    const odd = `{"a": [1, 2,${' '.repeat(100)}`;
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/docs/blocks/odd', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: odd });
    // Over jsonBodyLimit too: a file body is held to bodyLimit only.
    expect(put.statusCode).toBe(201);
    const block = await (await store.source('docs')).get('odd');
    expect([block?.mime, Buffer.from(block!.data()).toString('utf8')]).toEqual(['application/json; charset=utf-8', odd]);
  });

  it('reads application/vnd.keepr+json bodies as block descriptions and answers the JSON view for application/json on other blocks', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/m/blocks/a', headers: { 'content-type': KEEPR_JSON }, payload: '{"type":"int32","data":[[1,2],[3,null]]}' });
    expect(put.json()).toMatchObject({ type: 'int32', shape: [2, 2] });
    expect((await (await store.source('m')).get('a'))?.toJS()).toEqual([
      [1, 2],
      [3, null],
    ]);
    const bad = await app.inject({ method: 'PUT', url: '/v1/sources/m/blocks/b', headers: { 'content-type': KEEPR_JSON }, payload: '{"name":"ana"}' });
    expect([bad.statusCode, bad.json<{ code: string }>().code]).toEqual([400, 'BLOCK_JSON_INVALID']);
    const view = await app.inject({ method: 'GET', url: '/v1/sources/m/blocks/a', headers: { accept: 'application/json' } });
    expect([view.headers['content-type'], view.json<{ type: string }>().type]).toEqual([`${KEEPR_JSON}; charset=utf-8`, 'int32']);
  });

  it("negotiates a file block's content by its MIME type, never by */* alone", async () => {
    expect(negotiateBlock('application/json', 'application/json')).toBe('content');
    expect(negotiateBlock(KEEPR_JSON, 'application/json')).toBe('json');
    expect(negotiateBlock('application/json', 'image/png')).toBe('json');
    expect(negotiateBlock('image/png', 'image/png')).toBe('content');
    expect(negotiateBlock('image/*', 'image/png')).toBe('content');
    expect(negotiateBlock('application/*', 'application/json')).toBe('block');
    expect(negotiateBlock('*/*', 'application/json')).toBe('block');
    expect(negotiateBlock(`application/json;q=0.5, ${KEEPR_JSON}`, 'application/json')).toBe('json');
    expect(() => negotiateBlock('image/png')).toThrow(expect.objectContaining({ code: 'HTTP_NOT_ACCEPTABLE' }));
    const { app } = await serverFixture({}, 'memory');
    await app.inject({ method: 'PUT', url: '/v1/sources/f/blocks/p.png', headers: { 'content-type': 'image/png' }, payload: Buffer.from([1, 2, 3]) });
    const png = await app.inject({ method: 'GET', url: '/v1/sources/f/blocks/p.png', headers: { accept: 'image/png' } });
    expect([png.statusCode, png.headers['content-type'], [...png.rawPayload]]).toEqual([200, 'image/png', [1, 2, 3]]);
  });

  it('property: any bytes sent as application/json come back identical', async () => {
    const { app } = await serverFixture({}, 'memory');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const put = await app.inject({ method: 'PUT', url: '/v1/sources/p/blocks/k', headers: { 'content-type': 'application/json' }, payload: Buffer.from(bytes) });
        expect(put.statusCode).toBe(201);
        const get = await app.inject({ method: 'GET', url: '/v1/sources/p/blocks/k', headers: { accept: 'application/json', 'accept-encoding': 'identity' } });
        expect(Buffer.compare(get.rawPayload, Buffer.from(bytes))).toBe(0);
        expect(Block.decode((await app.inject({ method: 'GET', url: '/v1/sources/p/blocks/k' })).rawPayload).mime).toBe('application/json');
      }),
      { numRuns: 50 },
    );
  });
});
