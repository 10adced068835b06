// Binary keys over HTTP: ?keyEncoding=hex|base64url for the key in a block path, range bounds,
// keys answered and JSON batch keys; KEY_NOT_UTF8 (400) for a key listed as utf8 that is not;
// KEY_INVALID (400) for key text that is not the encoding it claims.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { BATCH_MEDIA_TYPE } from '../../src/server/index.js';
import { decodeEntries } from '../../src/wire/batch-wire.js';
import { BLOCK, putBlock, serverFixture } from './server-fixture.js';

const JSON_TYPE = 'application/json';

describe('binary keys over HTTP', () => {
  it('stores, reads, heads and deletes a block under a hex or base64url key', async () => {
    const { store, app } = await serverFixture();
    const key = Uint8Array.of(0x00, 0xff, 0x2f, 0x61);
    const hex = Buffer.from(key).toString('hex');
    const b64 = Buffer.from(key).toString('base64url');
    const put = await putBlock(app, `/v1/sources/s/blocks/${hex}?keyEncoding=hex`, Block.from(5));
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ source: 's', key: hex });
    expect(put.headers['location']).toBe(`/v1/sources/s/blocks/${hex}?keyEncoding=hex`);
    expect((await (await store.source('s')).get(key))?.toJS()).toBe(5);
    const get = await app.inject({ method: 'GET', url: `/v1/sources/s/blocks/${b64}?keyEncoding=base64url`, headers: { accept: BLOCK } });
    expect(Block.decode(get.rawPayload).toJS()).toBe(5);
    expect((await app.inject({ method: 'HEAD', url: `/v1/sources/s/blocks/${hex.toUpperCase()}?keyEncoding=hex` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/v1/sources/s/blocks/${b64}?keyEncoding=base64url` })).statusCode).toBe(204);
    expect(await (await store.source('s')).has(key)).toBe(false);
    // utf8 (the default) keeps the string key rules, and names the same keyspace.
    await putBlock(app, '/v1/sources/s/blocks/a', Block.from(1));
    expect((await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/61?keyEncoding=hex&format=json' })).json()).toMatchObject({ data: 1 });
  });

  it('lists with bounds and answers keys in the keyEncoding, paging by cursor', async () => {
    const { store, app } = await serverFixture();
    const src = await store.source('s');
    const keys = [Uint8Array.of(0x61), Uint8Array.of(0x61, 0x00), Uint8Array.of(0x61, 0xfe), Uint8Array.of(0x62)];
    await src.write(keys.map((key, i) => ({ op: 'put' as const, key, block: Block.from(i) })));
    const first = (await app.inject({ method: 'GET', url: '/v1/sources/s/blocks?keyEncoding=hex&prefix=61&limit=2' })).json<{ items: { key: string }[]; cursor: string | null }>();
    expect(first.items.map((i) => i.key)).toEqual(['61', '6100']);
    expect(first.cursor).toBe(`k1.${Buffer.of(0x61, 0x00).toString('base64url')}`);
    const second = (await app.inject({ method: 'GET', url: `/v1/sources/s/blocks?keyEncoding=hex&prefix=61&limit=2&cursor=${first.cursor!}` })).json<{ items: { key: string }[]; cursor: string | null }>();
    expect([second.items.map((i) => i.key), second.cursor]).toEqual([['61fe'], null]);
    const entries = (await app.inject({ method: 'GET', url: `/v1/sources/s/entries?keyEncoding=base64url&gt=${Buffer.of(0x61, 0x00).toString('base64url')}&reverse=true` })).json<{ items: { key: string }[] }>();
    expect(entries.items.map((i) => i.key)).toEqual([Buffer.of(0x62).toString('base64url'), Buffer.of(0x61, 0xfe).toString('base64url')]);
    // The binary framing carries key bytes whatever the keyEncoding.
    const framed = decodeEntries((await app.inject({ method: 'GET', url: '/v1/sources/s/entries?limit=3', headers: { accept: BATCH_MEDIA_TYPE } })).rawPayload);
    expect(framed.entries.map(([k]) => Buffer.from(k).toString('hex'))).toEqual(['61', '6100', '61fe']);
    expect(framed.cursor).toBe(`k1.${Buffer.of(0x61, 0xfe).toString('base64url')}`);
  });

  it('a key that is not UTF-8, listed as utf8, is 400 KEY_NOT_UTF8', async () => {
    const { store, app } = await serverFixture();
    await (await store.source('s')).put(Uint8Array.of(0xc3, 0x28), Block.from(1));
    for (const url of ['/v1/sources/s/blocks', '/v1/sources/s/entries']) {
      const res = await app.inject({ method: 'GET', url });
      expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([400, 'KEY_NOT_UTF8']);
      expect((await app.inject({ method: 'GET', url: `${url}?keyEncoding=hex` })).json<{ items: { key: string }[] }>().items[0]!.key).toBe('c328');
    }
    // The stat counts it: it reads keys as bytes.
    expect((await app.inject({ method: 'GET', url: '/v1/sources/s' })).json()).toEqual({ source: 's', blocks: 1, byteLength: Block.from(1).byteLength });
  });

  it('JSON batch keys follow ?keyEncoding', async () => {
    const { store, app } = await serverFixture();
    await store.createSource('s');
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/sources/s/batch?keyEncoding=hex',
      headers: { 'content-type': JSON_TYPE },
      payload: { ops: [{ op: 'put', key: 'ff00', block: 1 }, { op: 'get', key: 'ff00' }] },
    });
    expect(ok.json()).toEqual({ results: [{ hash: Block.from(1).hashHex }, { block: null }] });
    expect((await (await store.source('s')).get(Uint8Array.of(0xff, 0x00)))?.toJS()).toBe(1);
    const bad = await app.inject({ method: 'POST', url: '/v1/sources/s/batch?keyEncoding=hex', headers: { 'content-type': JSON_TYPE }, payload: { ops: [{ op: 'get', key: 'f' }] } });
    expect([bad.statusCode, bad.json<{ code: string; details: { index: number } }>()]).toMatchObject([400, { code: 'KEY_INVALID', details: { index: 0 } }]);
  });

  it('key text that is not its keyEncoding is 400 KEY_INVALID, an unknown keyEncoding 400', async () => {
    const { app } = await serverFixture();
    await putBlock(app, '/v1/sources/s/blocks/k', Block.from(1));
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'0123456789abcdefXYZ_-=+.'.split('')) }), fc.constantFrom('hex', 'base64url'), async (text, encoding) => {
        const valid = encoding === 'hex' ? /^(?:[0-9a-f]{2})+$/i.test(text) : /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
        const res = await app.inject({ method: 'GET', url: `/v1/sources/s/blocks/${encodeURIComponent(text)}?keyEncoding=${encoding}` });
        if (valid) expect(res.statusCode).toBe(404);
        else expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([400, 'KEY_INVALID']);
      }),
      { numRuns: 60 },
    );
    for (const url of ['/v1/sources/s/blocks?keyEncoding=hex&prefix=zz', '/v1/sources/s/entries?keyEncoding=base64url&gt=a=', `/v1/sources/s/blocks/${'00'.repeat(513)}?keyEncoding=hex`]) {
      const res = await app.inject({ method: 'GET', url });
      expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([400, 'KEY_INVALID']);
    }
    const unknown = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/k?keyEncoding=latin1' });
    expect(unknown.statusCode).toBe(400);
  });
});
