import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { refuseFormBody } from '../../src/server/bodies.js';
import { codeOf } from '../helpers/error-code.js';
import { putBlock, serverFixture } from './server-fixture.js';

const FORM = 'application/x-www-form-urlencoded';

describe('block PUT bodies typed as HTML forms', () => {
  it('refuses a form-typed body with 415 HTTP_FORM_BODY_REFUSED, whatever its spelling, and stores nothing', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const old = Block.from([1, 2]);
    await (await store.source('files')).put('kept', old);
    // curl --data-binary @file sends the first; Python urllib the second; a browser form the third.
    for (const type of [FORM, 'Application/X-WWW-Form-URLEncoded', `${FORM}; charset=UTF-8`]) {
      for (const url of ['/v1/sources/files/blocks/kept', '/v1/sources/fresh/blocks/new']) {
        const put = await app.inject({ method: 'PUT', url, headers: { 'content-type': type }, payload: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
        expect([put.statusCode, put.json<{ code: string }>().code, put.headers['keepr-error-code']]).toEqual([415, 'HTTP_FORM_BODY_REFUSED', 'HTTP_FORM_BODY_REFUSED']);
        // The message tells the user which header to send instead.
        expect(put.json<{ message: string }>().message).toContain("-H 'Content-Type: application/octet-stream'");
      }
    }
    expect((await (await store.source('files')).get('kept'))?.hashHex).toBe(old.hashHex);
    expect(await store.sources()).toEqual(['files']);
  });

  it('refuses it in the web source too, and the batch route keeps refusing non-JSON bodies', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const web = await app.inject({ method: 'PUT', url: '/v1/sources/www/blocks/index.html', headers: { 'content-type': FORM }, payload: '<h1>hi</h1>' });
    expect([web.statusCode, web.json<{ code: string }>().code]).toEqual([415, 'HTTP_FORM_BODY_REFUSED']);
    expect(await store.sources()).toEqual([]);
    const batch = await app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { 'content-type': FORM }, payload: 'ops=1' });
    expect([batch.statusCode, batch.json<{ code: string }>().code]).toEqual([415, 'HTTP_CONTENT_TYPE_UNSUPPORTED']);
  });

  it('still stores a body with no Content-Type as application/octet-stream, and a form document sent as a binary block', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const bare = await app.inject({ method: 'PUT', url: '/v1/sources/files/blocks/raw', payload: Buffer.from('a=1&b=2') });
    expect(bare.statusCode).toBe(201);
    expect((await (await store.source('files')).get('raw'))?.mime).toBe('application/octet-stream');
    // The way to keep a real form document: the file block itself, in the binary format.
    const form = Block.file(Buffer.from('a=1&b=2'), FORM);
    expect((await putBlock(app, '/v1/sources/files/blocks/form', form)).statusCode).toBe(201);
    const raw = await app.inject({ method: 'GET', url: '/v1/sources/files/blocks/form?raw' });
    expect([raw.statusCode, raw.headers['content-type'], raw.body]).toEqual([200, FORM, 'a=1&b=2']);
  });

  it('property: a Content-Type is refused exactly when its essence is the form type', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9.+-]{1,12}$/);
    const essence = fc.oneof(
      fc.constantFrom(FORM, FORM.toUpperCase(), 'application/x-www-form-urlencodedx', 'multipart/form-data', 'application/octet-stream'),
      fc.tuple(token, token).map(([t, s]) => `${t}/${s}`),
    );
    fc.assert(
      fc.property(essence, fc.constantFrom('', '; charset=utf-8', ' ;q=1', ';'), fc.constantFrom('', ' ', '\t'), (type, params, pad) => {
        const header = `${pad}${type}${params}`;
        expect(codeOf(() => { refuseFormBody(header); })).toBe(type.toLowerCase() === FORM ? 'HTTP_FORM_BODY_REFUSED' : undefined);
      }),
    );
    expect(codeOf(() => { refuseFormBody(undefined); })).toBeUndefined();
  });
});

describe('other block PUT body rules of docs/http-api.md', () => {
  it('refuses an empty Content-Type, stores an empty untyped body as an empty file, and uses Content-Language for files only', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    const emptyType = await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/t', headers: { 'content-type': '' }, payload: 'x' });
    expect([emptyType.statusCode, emptyType.json<{ code: string }>().code]).toEqual([415, 'HTTP_CONTENT_TYPE_UNSUPPORTED']);
    const empty = await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/e', payload: Buffer.alloc(0) });
    expect([empty.statusCode, empty.json<{ type: string; shape: number[] }>().shape]).toEqual([201, [0]]);
    const emptyBlock = await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/b', headers: { 'content-type': 'application/vnd.keepr.block' }, payload: Buffer.alloc(0) });
    expect([emptyBlock.statusCode, emptyBlock.json<{ code: string }>().code]).toEqual([400, 'BLOCK_MALFORMED']);
    const tensor = Block.from([1]);
    await putBlock(app, '/v1/sources/s/blocks/l', tensor, { 'content-language': 'de' });
    expect((await (await store.source('s')).get('l'))?.hashHex).toBe(tensor.hashHex);
    await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/f', headers: { 'content-type': 'text/plain', 'content-language': ' de ' }, payload: 'x' });
    await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/g', headers: { 'content-type': 'text/plain', 'content-language': '  ' }, payload: 'x' });
    expect((await (await store.source('s')).get('f'))?.language).toBe('de');
    expect((await (await store.source('s')).get('g'))?.language).toBeUndefined();
  });
});
