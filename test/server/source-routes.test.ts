import { describe, expect, it } from 'vitest';
import { Block, blockToJSON } from '../../src/block/index.js';
import { BATCH_MEDIA_TYPE } from '../../src/server/index.js';
import { decodeEntries } from '../../src/wire/batch-wire.js';
import { putBlock, serverFixture } from './server-fixture.js';

describe('source routes', () => {
  it('creates, lists, stats and drops sources', async () => {
    const { store, app } = await serverFixture();
    const created = await app.inject({ method: 'PUT', url: '/v1/sources/alpha' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/v1/sources/alpha');
    expect(created.json()).toEqual({ source: 'alpha' });
    expect((await app.inject({ method: 'PUT', url: '/v1/sources/alpha' })).json()).toMatchObject({ code: 'SOURCE_EXISTS' });
    await putBlock(app, '/v1/sources/alpha/blocks/a', Block.from(1));
    await putBlock(app, '/v1/sources/alpha/blocks/b', Block.from('xy'));
    expect((await app.inject({ method: 'GET', url: '/v1/sources' })).json()).toEqual({ sources: ['alpha'] });
    const stat = await app.inject({ method: 'GET', url: '/v1/sources/alpha' });
    expect(stat.json()).toEqual({ source: 'alpha', blocks: 2, byteLength: Block.from(1).byteLength + Block.from('xy').byteLength });
    expect((await app.inject({ method: 'GET', url: '/v1/sources/beta' })).json()).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
    const dropped = await app.inject({ method: 'DELETE', url: '/v1/sources/alpha' });
    expect(dropped.statusCode).toBe(204);
    expect(await store.sources()).toEqual([]);
    const again = await app.inject({ method: 'DELETE', url: '/v1/sources/alpha' });
    expect([again.statusCode, again.json<{ code: string }>().code]).toEqual([404, 'SOURCE_NOT_FOUND']);
  });

  it('reports store statistics', async () => {
    const { app } = await serverFixture();
    await putBlock(app, '/v1/sources/s/blocks/k', Block.from(1));
    const stats = (await app.inject({ method: 'GET', url: '/v1/stats' })).json<{ sources: number; durability: string; engine: { engine: string } }>();
    expect(stats).toMatchObject({ sources: 1, durability: 'sync', engine: { engine: 'lmdb' } });
  });

  it('serves entries as JSON or in the binary framing, page by page', async () => {
    const { store, app } = await serverFixture();
    const src = await store.source('s');
    const blocks = ['a', 'b', 'c', 'd'].map((k) => [k, Block.from(k)] as const);
    await src.write(blocks.map(([key, block]) => ({ op: 'put' as const, key, block })));
    const json = await app.inject({ method: 'GET', url: '/v1/sources/s/entries?limit=2&gt=a' });
    const first = json.json<{ items: unknown[]; cursor: string | null }>();
    expect(first).toEqual({ items: [{ key: 'b', block: blockToJSON(blocks[1]![1]) }, { key: 'c', block: blockToJSON(blocks[2]![1]) }], cursor: 'k1.Yw' });
    // The cursor continues with the same other parameters, until it is null.
    const next = await app.inject({ method: 'GET', url: `/v1/sources/s/entries?limit=2&gt=a&cursor=${first.cursor!}` });
    expect(next.json()).toEqual({ items: [{ key: 'd', block: blockToJSON(blocks[3]![1]) }], cursor: null });
    const bin = await app.inject({ method: 'GET', url: '/v1/sources/s/entries?reverse=true&lte=c', headers: { accept: BATCH_MEDIA_TYPE } });
    expect(bin.headers['content-type']).toBe(BATCH_MEDIA_TYPE);
    const page = decodeEntries(bin.rawPayload);
    expect(page.cursor).toBeUndefined();
    expect(page.entries.map(([k, b]) => [Buffer.from(k).toString(), Block.decode(b).toJS()])).toEqual([['c', 'c'], ['b', 'b'], ['a', 'a']]);
    const binPaged = decodeEntries((await app.inject({ method: 'GET', url: '/v1/sources/s/entries?limit=1', headers: { accept: BATCH_MEDIA_TYPE } })).rawPayload);
    expect(binPaged.cursor).toBe('k1.YQ');
    const b64 = await app.inject({ method: 'GET', url: '/v1/sources/s/entries?prefix=d&encoding=base64' });
    expect(Block.decode(Buffer.from(b64.json<{ items: { block: string }[] }>().items[0]!.block, 'base64')).toJS()).toBe('d');
    const wrong = await app.inject({ method: 'GET', url: '/v1/sources/s/entries?cursor=h1.3' });
    expect([wrong.statusCode, wrong.json<{ code: string }>().code]).toEqual([400, 'CURSOR_INVALID']);
  });
});

describe('block routes: file content and languages', () => {
  it('serves a file block raw with ?raw, its MIME type, language and a tag', async () => {
    const { app } = await serverFixture();
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/sources/files/blocks/notes.txt',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-language': 'fr' },
      payload: 'bonjour',
    });
    expect(put.statusCode).toBe(201);
    const raw = await app.inject({ method: 'GET', url: '/v1/sources/files/blocks/notes.txt?raw' });
    expect(raw.statusCode).toBe(200);
    expect(raw.body).toBe('bonjour');
    expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(raw.headers['content-language']).toBe('fr');
    expect(raw.headers.etag).toBe(`"${put.json<{ hash: string }>().hash}"`);
    const again = await app.inject({ method: 'GET', url: '/v1/sources/files/blocks/notes.txt?raw=1', headers: { 'if-none-match': raw.headers.etag! } });
    expect(again.statusCode).toBe(304);
    // ?raw=false is the block itself.
    const block = await app.inject({ method: 'GET', url: '/v1/sources/files/blocks/notes.txt?raw=false' });
    expect(Block.decode(block.rawPayload).language).toBe('fr');
  });

  it('refuses ?raw on a block that is not a file', async () => {
    const { app } = await serverFixture();
    await putBlock(app, '/v1/sources/s/blocks/t', Block.from([1, 2]));
    const res = await app.inject({ method: 'GET', url: '/v1/sources/s/blocks/t?raw' });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([400, 'BLOCK_TYPE_MISMATCH']);
  });

  it('refuses blocks over maxBlockBytes with 413 BLOCK_TOO_LARGE', async () => {
    const { store, app } = await serverFixture({ maxBlockBytes: 1000 });
    const res = await putBlock(app, '/v1/sources/s/blocks/big', Block.from(new Float64Array(200)));
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([413, 'BLOCK_TOO_LARGE']);
    expect(await store.sources()).toEqual([]);
  });
});
