import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Block, blockToJSON } from '../../src/block/index.js';
import { open, type Store } from '../../src/store/index.js';
import { buildServer, type ServerOptions } from '../../src/server/index.js';
import { negotiateBlock } from '../../src/server/content-types.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const BLOCK = 'application/vnd.keepr.block';
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Server first, then store: the server must not answer from a closed store.
  for (const close of closers.splice(0).reverse()) await close();
});

async function fixture(options?: ServerOptions): Promise<{ store: Store; app: FastifyInstance }> {
  const store = await open(makeTmpDir());
  closers.push(() => store.close());
  const app = buildServer(store, options);
  closers.push(() => app.close());
  await app.ready();
  return { store, app };
}

function putBlock(app: FastifyInstance, url: string, block: Block, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'PUT', url, headers: { 'content-type': BLOCK, ...headers }, payload: Buffer.from(block.bytes) });
}

function etag(block: Block): string {
  return `"${block.hashHex}"`;
}

describe('block routes: round trips', () => {
  it('stores a binary block and serves back the identical bytes', async () => {
    const { app } = await fixture();
    const block = Block.from([[1.5, null], [NaN, -Infinity]]);
    const put = await putBlock(app, '/v1/sources/s/blocks/m', block);
    expect(put.statusCode).toBe(201);
    expect(put.headers.etag).toBe(etag(block));
    expect(put.headers.location).toBe('/v1/sources/s/blocks/m');
    expect(put.json()).toEqual({ source: 's', key: 'm', hash: block.hashHex, type: 'float64', shape: [2, 2], byteLength: block.byteLength });

    const get = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/m' });
    expect(get.statusCode).toBe(200);
    expect(get.headers['content-type']).toBe(BLOCK);
    expect(get.headers.etag).toBe(etag(block));
    expect(Buffer.compare(get.rawPayload, block.bytes)).toBe(0);
  });

  it('takes a JSON block and serves both the JSON view and the binary form', async () => {
    const { app } = await fixture();
    const json = { type: 'int64', shape: [3], data: ['1', null, '-9007199254740993'], attributes: { kind: 'counts' } };
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/j', headers: { 'content-type': 'application/vnd.keepr+json' }, payload: json });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ type: 'int64', shape: [3] });
    const hash = (put.json<{ hash: string }>()).hash;

    const view = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/j', headers: { accept: 'application/json' } });
    expect(view.statusCode).toBe(200);
    expect(view.headers['content-type']).toBe('application/vnd.keepr+json; charset=utf-8');
    expect(view.json()).toEqual({ ...json, hash });

    const bin = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/j', headers: { accept: `${BLOCK}, application/json;q=0.5` } });
    const decoded = Block.decode(bin.rawPayload);
    expect(decoded.hashHex).toBe(hash);
    expect(decoded.toJS()).toEqual([1n, null, -9007199254740993n]);
    expect(blockToJSON(decoded)).toEqual(view.json());
  });

  it('accepts a bare JSON value and infers the block', async () => {
    const { app } = await fixture();
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/v', headers: { 'content-type': 'application/vnd.keepr+json; charset=utf-8' }, payload: '["a", null]' });
    expect(put.json()).toMatchObject({ type: 'string', shape: [2] });
  });

  it('stores any other body as a file block with its content type, and defaults to octet-stream', async () => {
    const { store, app } = await fixture();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const put = await app.inject({ method: 'PUT', url: '/v1/sources/files/blocks/img/logo.png', headers: { 'content-type': 'image/png' }, payload: png });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ type: 'bytes', shape: [png.length] });
    const stored = await (await store.source('files')).get('img/logo.png');
    expect(stored?.mime).toBe('image/png');
    expect(Buffer.compare(stored!.data(), png)).toBe(0);

    const bare = await app.inject({ method: 'PUT', url: '/v1/sources/files/blocks/raw', payload: png });
    expect(bare.statusCode).toBe(201);
    expect((await (await store.source('files')).get('raw'))?.mime).toBe('application/octet-stream');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const { app } = await fixture();
    const block = Block.from(['x', 'yz']);
    await putBlock(app, '/v1/sources/s/blocks/h', block);
    const head = await app.inject({ method: 'HEAD', url: '/v1/sources/s/blocks/h' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe(BLOCK);
    expect(head.headers['content-length']).toBe(String(block.byteLength));
    expect(head.headers.etag).toBe(etag(block));
    expect(head.rawPayload.length).toBe(0);
    expect((await app.inject({ method: 'HEAD', url: '/v1/sources/s/blocks/nope' })).statusCode).toBe(404);
  });

  it('answers 304 when If-None-Match names the stored hash', async () => {
    const { app } = await fixture();
    const block = Block.from(7);
    await putBlock(app, '/v1/sources/s/blocks/c', block);
    const hit = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/c', headers: { 'if-none-match': `"other", ${etag(block)}` } });
    expect(hit.statusCode).toBe(304);
    expect(hit.headers.etag).toBe(etag(block));
    expect(hit.rawPayload.length).toBe(0);
    const weakJson = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/c', headers: { accept: 'application/json', 'if-none-match': `W/${etag(block)}` } });
    expect(weakJson.statusCode).toBe(304);
    const miss = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/c', headers: { 'if-none-match': `"${'0'.repeat(64)}"` } });
    expect(miss.statusCode).toBe(200);
  });

  it('deletes blocks: 204, then 404; If-Match guards the delete', async () => {
    const { app } = await fixture();
    const block = Block.from(1);
    await putBlock(app, '/v1/sources/s/blocks/d', block);
    const wrong = await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/d', headers: { 'if-match': `"${'a'.repeat(64)}"` } });
    expect(wrong.statusCode).toBe(412);
    expect(wrong.json()).toMatchObject({ code: 'WRITE_HASH_MISMATCH' });
    const del = await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/d', headers: { 'if-match': etag(block) } });
    expect(del.statusCode).toBe(204);
    const again = await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/d' });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'BLOCK_NOT_FOUND' });
    const noSource = await app.inject({ method: 'DELETE', url: '/v1/sources/ghost/blocks/d' });
    expect(noSource.json()).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('takes back the weak ETag of the JSON view in If-Match: it names the same block hash', async () => {
    const { app } = await fixture();
    const block = Block.from(5);
    await putBlock(app, '/v1/sources/s/blocks/w', block);
    const json = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/w', headers: { accept: 'application/json' } });
    const weak = json.headers.etag as string;
    expect(weak).toBe(`W/${etag(block)}`);
    const stale = await putBlock(app, '/v1/sources/s/blocks/w', Block.from(6), { 'if-match': `W/"${'b'.repeat(64)}"` });
    expect([stale.statusCode, stale.json<{ code: string }>().code]).toEqual([412, 'WRITE_HASH_MISMATCH']);
    const next = Block.from(6);
    const put = await putBlock(app, '/v1/sources/s/blocks/w', next, { 'if-match': weak });
    expect(put.statusCode).toBe(201);
    // The old weak tag no longer names the stored block; the new one does, on a delete too.
    expect((await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/w', headers: { 'if-match': weak } })).statusCode).toBe(412);
    expect((await app.inject({ method: 'DELETE', url: '/v1/sources/s/blocks/w', headers: { 'if-match': `W/${etag(next)}` } })).statusCode).toBe(204);
  });

  it('tells a missing block from a missing source', async () => {
    const { app } = await fixture();
    await putBlock(app, '/v1/sources/s/blocks/a', Block.from(1));
    const noBlock = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/b' });
    expect([noBlock.statusCode, noBlock.json<{ code: string }>().code]).toEqual([404, 'BLOCK_NOT_FOUND']);
    const noSource = await app.inject({ method: 'GET', url: '/v1/sources/ghost/blocks/b' });
    expect([noSource.statusCode, noSource.json<{ code: string }>().code]).toEqual([404, 'SOURCE_NOT_FOUND']);
    const noList = await app.inject({ method: 'GET', url: '/v1/sources/ghost/blocks' });
    expect(noList.json()).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('keeps keys with / and escaped characters, decoded once', async () => {
    const { store, app } = await fixture();
    const put = await putBlock(app, '/v1/sources/s/blocks/a/b%2Fc/d%3F%23%20e', Block.from(1));
    expect(put.json()).toMatchObject({ key: 'a/b/c/d?# e' });
    expect(put.headers.location).toBe('/v1/sources/s/blocks/a/b/c/d%3F%23%20e');
    expect(await (await store.source('s')).has('a/b/c/d?# e')).toBe(true);
    const get = await app.inject({ method: 'GET', url: put.headers.location as string });
    expect(get.statusCode).toBe(200);
  });
});

describe('block routes: listing and conditions', () => {
  it('lists sources, then keys with prefix, limit, cursor and reverse', async () => {
    const { app } = await fixture();
    expect((await app.inject({ method: 'GET', url: '/v1/sources' })).json()).toEqual({ sources: [] });
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1']) await putBlock(app, `/v1/sources/s/blocks/${key}`, Block.from(key));
    await putBlock(app, '/v1/sources/t/blocks/x', Block.from(0));
    expect((await app.inject({ method: 'GET', url: '/v1/sources' })).json()).toEqual({ sources: ['s', 't'] });

    const keys = (body: { items: { key: string }[] }): string[] => body.items.map((i) => i.key);
    const first = (await app.inject({ method: 'GET', url: '/v1/sources/s/blocks?prefix=a/&limit=2' })).json<{ items: { key: string }[]; cursor: string }>();
    expect(keys(first)).toEqual(['a/1', 'a/2']);
    expect(first.items[0]).toEqual({ key: 'a/1', type: 'string', shape: [], byteLength: Block.from('a/1').byteLength, hash: Block.from('a/1').hashHex });
    const second = (await app.inject({ method: 'GET', url: `/v1/sources/s/blocks?prefix=a/&limit=2&cursor=${encodeURIComponent(first.cursor)}` })).json<{
      items: { key: string }[];
      cursor: string | null;
    }>();
    expect(keys(second)).toEqual(['a/3']);
    expect(second.cursor).toBeNull();
    const reversed = (await app.inject({ method: 'GET', url: '/v1/sources/s/blocks?reverse=true' })).json<{ items: { key: string }[] }>();
    expect(keys(reversed)).toEqual(['b/1', 'a/3', 'a/2', 'a/1']);
  });

  it('makes writes conditional with If-None-Match: * and If-Match', async () => {
    const { store, app } = await fixture();
    const one = Block.from(1);
    const two = Block.from(2);
    const url = '/v1/sources/s/blocks/k';
    expect((await putBlock(app, url, one, { 'if-none-match': '*' })).statusCode).toBe(201);
    const exists = await putBlock(app, url, two, { 'if-none-match': '*' });
    expect([exists.statusCode, exists.json<{ code: string }>().code]).toEqual([412, 'WRITE_KEY_EXISTS']);
    const mismatch = await putBlock(app, url, two, { 'if-match': etag(two) });
    expect([mismatch.statusCode, mismatch.json<{ code: string }>().code]).toEqual([412, 'WRITE_HASH_MISMATCH']);
    expect((await putBlock(app, url, two, { 'if-match': etag(one) })).statusCode).toBe(201);
    const absent = await putBlock(app, '/v1/sources/s/blocks/new', one, { 'if-match': '*' });
    expect(absent.json()).toMatchObject({ code: 'WRITE_KEY_ABSENT' });
    expect((await (await store.source('s')).get('k'))?.equals(two)).toBe(true);
    // A failed condition on a missing source does not create the source.
    const ghost = await putBlock(app, '/v1/sources/ghost/blocks/k', one, { 'if-match': etag(one) });
    expect(ghost.statusCode).toBe(412);
    expect(await store.sources()).toEqual(['s']);
  });
});

describe('content negotiation', () => {
  it('serves binary unless JSON is preferred', () => {
    expect(negotiateBlock(undefined)).toBe('block');
    expect(negotiateBlock('*/*')).toBe('block');
    expect(negotiateBlock('application/*')).toBe('block');
    expect(negotiateBlock('application/json')).toBe('json');
    expect(negotiateBlock('application/json, */*')).toBe('json');
    expect(negotiateBlock('application/json, */*;q=0.8')).toBe('json');
    expect(negotiateBlock('application/json;q=0.5, application/vnd.keepr.block')).toBe('block');
    expect(negotiateBlock('application/vnd.keepr.block;q=0, */*')).toBe('json');
    expect(negotiateBlock('garbage')).toBe('block');
    expect(() => negotiateBlock('text/plain, application/json;q=0')).toThrow(expect.objectContaining({ code: 'HTTP_NOT_ACCEPTABLE' }));
  });
});
