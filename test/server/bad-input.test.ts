import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open, type Store } from '../../src/keepr/index.js';
import { buildServer } from '../../src/server/index.js';
import { blockArb } from '../block/arbitraries.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const BLOCK = 'application/vnd.keepr.block';
const JSON_TYPE = 'application/json';
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fixture(bodyLimit?: number): Promise<{ store: Store; app: FastifyInstance }> {
  const store = await open(makeTmpDir());
  closers.push(() => store.close());
  const app = buildServer(store, bodyLimit === undefined ? {} : { bodyLimit });
  closers.push(() => app.close());
  await app.ready();
  return { store, app };
}

const kept = Block.tuple({ answer: Block.from(42) });
const valid = Block.from([1, 2, 3, 4]);
const flipped = Buffer.from(valid.bytes);
flipped[flipped.length - 1]! ^= 0x01;

/** Requests that must each fail with a 4xx and the given code, changing nothing. */
const BAD: readonly (readonly [string, InjectOptions, string])[] = [
  ['block whose hash does not match', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': BLOCK }, payload: flipped }, 'BLOCK_MALFORMED'],
  ['truncated block', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': BLOCK }, payload: Buffer.from(valid.bytes.subarray(0, 40)) }, 'BLOCK_MALFORMED'],
  ['random bytes as a block', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { 'content-type': BLOCK }, payload: Buffer.from('not a block at all, just text') }, 'BLOCK_MALFORMED'],
  ['empty body as a block', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { 'content-type': BLOCK } }, 'BLOCK_MALFORMED'],
  ['JSON with a syntax error', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: '{"type": "float64", ' }, 'HTTP_BODY_MALFORMED'],
  ['JSON that is not UTF-8', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: Buffer.from([0x22, 0xff, 0x22]) }, 'HTTP_BODY_MALFORMED'],
  ['JSON with an unknown field', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: '{"kind": 1}' }, 'BLOCK_JSON_INVALID'],
  ['JSON null', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: 'null' }, 'BLOCK_JSON_INVALID'],
  ['JSON with an unknown cell type', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: '{"type": "float128", "data": 1}' }, 'BLOCK_TYPE_UNKNOWN'],
  ['JSON data that breaks the shape', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: '{"type": "int8", "shape": [3], "data": [1]}' }, 'BLOCK_INVALID'],
  ['bad source name', { method: 'PUT', url: '/v1/sources/-bad/blocks/k', payload: 'x' }, 'NAME_INVALID'],
  ['source name with an escaped slash', { method: 'PUT', url: '/v1/sources/a%2Fb/blocks/k', payload: 'x' }, 'NAME_INVALID'],
  ['bad source name on read', { method: 'GET', url: '/v1/sources/bad!name/blocks/k' }, 'NAME_INVALID'],
  ['key with an empty segment', { method: 'PUT', url: '/v1/sources/fresh/blocks/a//b', payload: 'x' }, 'NAME_INVALID'],
  ['key with a dot-dot segment', { method: 'PUT', url: '/v1/sources/fresh/blocks/a/%2E%2E%2Fb', payload: 'x' }, 'NAME_INVALID'],
  ['key with a control character', { method: 'PUT', url: '/v1/sources/fresh/blocks/a%01b', payload: 'x' }, 'NAME_INVALID'],
  ['empty key', { method: 'PUT', url: '/v1/sources/fresh/blocks/', payload: 'x' }, 'NAME_INVALID'],
  ['over-long key', { method: 'PUT', url: `/v1/sources/fresh/blocks/${'k'.repeat(600)}`, payload: 'x' }, 'NAME_INVALID'],
  ['bad URL escape', { method: 'PUT', url: '/v1/sources/fresh/blocks/%zz', payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['wrong method on a block', { method: 'POST', url: '/v1/sources/keep/blocks/k', payload: 'x' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['wrong method on a listing', { method: 'PUT', url: '/v1/sources/keep/blocks', payload: 'x' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['wrong method on sources', { method: 'DELETE', url: '/v1/sources' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['unknown route', { method: 'GET', url: '/v2/everything' }, 'HTTP_ROUTE_NOT_FOUND'],
  ['unknown route with a body', { method: 'PUT', url: '/v1/sources/keep', payload: 'x' }, 'HTTP_ROUTE_NOT_FOUND'],
  ['over-size body', { method: 'PUT', url: '/v1/sources/keep/blocks/k', payload: Buffer.alloc(5000) }, 'HTTP_BODY_TOO_LARGE'],
  ['over-size JSON body', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: `[${'1,'.repeat(3000)}1]` }, 'HTTP_BODY_TOO_LARGE'],
  ['malformed Content-Type', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': 'not a media type' }, payload: 'x' }, 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
  ['malformed If-Match', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': 'abc' }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['If-None-Match with a tag on a write', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-none-match': `"${valid.hashHex}"` }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['limit out of range', { method: 'GET', url: '/v1/sources/keep/blocks?limit=0' }, 'HTTP_REQUEST_INVALID'],
  ['limit not a number', { method: 'GET', url: '/v1/sources/keep/blocks?limit=ten' }, 'HTTP_REQUEST_INVALID'],
  ['forged cursor', { method: 'GET', url: '/v1/sources/keep/blocks?cursor=abc' }, 'CURSOR_INVALID'],
  ['bad prefix', { method: 'GET', url: '/v1/sources/keep/blocks?prefix=/' }, 'NAME_INVALID'],
  ['Accept that allows no block form', { method: 'GET', url: '/v1/sources/keep/blocks/k', headers: { accept: 'text/html' } }, 'HTTP_NOT_ACCEPTABLE'],
  ['conditional write that fails', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-none-match': '*' }, payload: 'x' }, 'WRITE_KEY_EXISTS'],
  ['conditional delete that fails', { method: 'DELETE', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': `"${valid.hashHex}"` } }, 'WRITE_HASH_MISMATCH'],
];

async function assertUnchanged(store: Store): Promise<void> {
  expect(await store.sources()).toEqual(['keep']);
  const source = await store.source('keep');
  expect((await source.list()).items.map((i) => i.key)).toEqual(['k']);
  expect((await source.get('k'))?.equals(kept)).toBe(true);
}

describe('bad input', () => {
  it('answers every bad request with a 4xx { code, message }, leaves the store unchanged and keeps serving', async () => {
    const { store, app } = await fixture(4096);
    await (await store.source('keep')).put('k', kept);
    for (const [what, request, code] of BAD) {
      const res = await app.inject(request);
      expect.soft(res.statusCode, what).toBeGreaterThanOrEqual(400);
      expect.soft(res.statusCode, what).toBeLessThan(500);
      expect.soft(res.headers['content-type'], what).toMatch(/^application\/json/);
      const body = res.json<{ code: unknown; message: unknown }>();
      expect.soft(body.code, what).toBe(code);
      expect.soft(typeof body.message, what).toBe('string');
    }
    await assertUnchanged(store);
    const ok = await app.inject({ method: 'GET', url: '/v1/sources/keep/blocks/k' });
    expect(ok.statusCode).toBe(200);
    expect(Buffer.compare(ok.rawPayload, kept.bytes)).toBe(0);
  });

  it('sends Allow with a 405', async () => {
    const { app } = await fixture();
    const res = await app.inject({ method: 'PATCH', url: '/v1/sources/s/blocks/k', payload: 'x' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, PUT, DELETE');
  });

  it('property: random bytes PUT as a block give 400 BLOCK_MALFORMED or 201, never a 5xx', async () => {
    const { store, app } = await fixture();
    let written = 0;
    // Random bytes, valid blocks, and valid blocks with one byte changed or cut short.
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      blockArb.map((b) => b.bytes),
      fc.tuple(blockArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, at, x]) => {
        const bytes = Uint8Array.from(b.bytes);
        bytes[at % bytes.length]! ^= x;
        return bytes;
      }),
      fc.tuple(blockArb, fc.nat()).map(([b, cut]) => b.bytes.slice(0, cut % b.bytes.length)),
    );
    await fc.assert(
      fc.asyncProperty(bodyArb, async (bytes) => {
        const res = await app.inject({ method: 'PUT', url: '/v1/sources/fuzz/blocks/k', headers: { 'content-type': BLOCK }, payload: Buffer.from(bytes) });
        if (res.statusCode === 201) {
          written++;
          const back = await app.inject({ method: 'GET', url: '/v1/sources/fuzz/blocks/k' });
          expect(Buffer.compare(back.rawPayload, bytes)).toBe(0);
          return;
        }
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ code: 'BLOCK_MALFORMED' });
      }),
      { numRuns: 300 },
    );
    expect(written).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/v1/sources' })).statusCode).toBe(200);
    expect(await store.sources()).toEqual(['fuzz']);
  });

  it('property: arbitrary JSON bodies give a 4xx or 201, never a 5xx', async () => {
    const { app } = await fixture();
    const jsonArb = fc.oneof(
      fc.json(),
      fc.record({ type: fc.constantFrom('float64', 'int64', 'string', 'factor', 'bytes', 'tuple', 'time', 'bool'), shape: fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }), data: fc.jsonValue() }).map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(jsonArb, async (text) => {
        const res = await app.inject({ method: 'PUT', url: '/v1/sources/fuzz/blocks/k', headers: { 'content-type': JSON_TYPE }, payload: text });
        expect(res.statusCode === 201 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('unexpected failures', () => {
  it('turns an unexpected throw into 500 INTERNAL without leaking its message, and logs it', async () => {
    const store = await open(makeTmpDir());
    closers.push(() => store.close());
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const app = buildServer(store, { logger: { level: 'error', stream } });
    closers.push(() => app.close());
    app.get('/boom', () => {
      throw new TypeError('secret internals');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'INTERNAL' });
    expect(res.body).not.toContain('secret');
    expect(lines.join('')).toContain('secret internals');
    expect((await app.inject({ method: 'GET', url: '/v1/sources' })).statusCode).toBe(200);
  });

  it('answers 503 STORE_CLOSED once the store is closed', async () => {
    const { store, app } = await fixture();
    await store.close();
    const res = await app.inject({ method: 'GET', url: '/v1/sources' });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([503, 'STORE_CLOSED']);
  });
});
