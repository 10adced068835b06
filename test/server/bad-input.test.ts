import { connect as tcp, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open, type Store } from '../../src/store/index.js';
import { BATCH_MEDIA_TYPE, buildServer, type ServerOptions, type TokenConfig } from '../../src/server/index.js';
import { encodeBatchRequest } from '../../src/wire/batch-wire.js';
import { blockArb } from '../block/arbitraries.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const BLOCK = 'application/vnd.keepr.block';

/** Writes raw bytes to the server and returns everything it answers before closing. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcp(port, '127.0.0.1', () => {
      socket.write(text);
    });
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
      socket.end();
    });
    socket.on('close', () => {
      resolve(answer);
    });
    socket.on('error', reject);
  });
}
const JSON_TYPE = 'application/json';
/** Block descriptions. */
const KEEPR_JSON = 'application/vnd.keepr+json';
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fixture(bodyLimit?: number, options: ServerOptions = {}): Promise<{ store: Store; app: FastifyInstance }> {
  const store = await open(makeTmpDir());
  closers.push(() => store.close());
  const app = buildServer(store, { ...options, ...(bodyLimit === undefined ? {} : { bodyLimit }) });
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
  ['JSON with a syntax error', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: '{"type": "float64", ' }, 'HTTP_BODY_MALFORMED'],
  ['JSON that is not UTF-8', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: Buffer.from([0x22, 0xff, 0x22]) }, 'HTTP_BODY_MALFORMED'],
  ['JSON with an unknown field', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: '{"kind": 1}' }, 'BLOCK_JSON_INVALID'],
  ['JSON null', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: 'null' }, 'BLOCK_JSON_INVALID'],
  ['JSON with an unknown cell type', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: '{"type": "float128", "data": 1}' }, 'BLOCK_TYPE_UNKNOWN'],
  ['JSON data that breaks the shape', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: '{"type": "int8", "shape": [3], "data": [1]}' }, 'BLOCK_INVALID'],
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
  ['unknown route with a body', { method: 'PUT', url: '/v1/sources/keep/nothing', payload: 'x' }, 'HTTP_ROUTE_NOT_FOUND'],
  ['over-size body', { method: 'PUT', url: '/v1/sources/keep/blocks/k', payload: Buffer.alloc(5000) }, 'HTTP_BODY_TOO_LARGE'],
  ['over-size JSON body', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: `[${'1,'.repeat(3000)}1]` }, 'HTTP_BODY_TOO_LARGE'],
  ['malformed Content-Type', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'content-type': 'not a media type' }, payload: 'x' }, 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
  ['malformed If-Match', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': 'abc' }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['If-None-Match with a tag on a write', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-none-match': `"${valid.hashHex}"` }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['limit out of range', { method: 'GET', url: '/v1/sources/keep/blocks?limit=0' }, 'HTTP_REQUEST_INVALID'],
  ['limit not a number', { method: 'GET', url: '/v1/sources/keep/blocks?limit=ten' }, 'HTTP_REQUEST_INVALID'],
  ['forged cursor', { method: 'GET', url: '/v1/sources/keep/blocks?cursor=abc' }, 'CURSOR_INVALID'],
  ['bad prefix', { method: 'GET', url: '/v1/sources/keep/blocks?prefix=/' }, 'NAME_INVALID'],
  ['Accept that allows no block form', { method: 'GET', url: '/v1/sources/keep/blocks/k', headers: { accept: 'text/plain' } }, 'HTTP_NOT_ACCEPTABLE'],
  ['conditional write that fails', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-none-match': '*' }, payload: 'x' }, 'WRITE_KEY_EXISTS'],
  ['conditional delete that fails', { method: 'DELETE', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': `"${valid.hashHex}"` } }, 'WRITE_HASH_MISMATCH'],
];

const ADMIN = 'admin-token-0123456789';
const TOKENS: readonly TokenConfig[] = [
  { token: ADMIN, role: 'admin' },
  { token: 'write-token-0123456789', role: 'write' },
  { token: 'read-token-01234567890', role: 'read' },
  { token: 'metrics-token-01234567', role: 'metrics' },
];
const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const batch = (body: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url: '/v1/sources/keep/batch',
  headers: { 'content-type': JSON_TYPE, ...headers },
  payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
});
const vop = (path: string, body?: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url: `/v1/volatiles/${path}`,
  headers: { 'content-type': JSON_TYPE, ...headers },
  ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
});
const b64 = (block: Block): string => Buffer.from(block.bytes).toString('base64');
const wwwPage = Block.file(Buffer.from('<p>x</p>'), 'text/html', { url: '/other.html' });
const framed = encodeBatchRequest([{ op: 'put', key: Buffer.from('k2'), block: valid.bytes }]);
const framedBadBlock = encodeBatchRequest([{ op: 'put', key: Buffer.from('k2'), block: flipped }]);

/**
 * Requests to the routes of sources, batches, volatiles, web resources and access control, on
 * a server with tokens (admin unless the row says otherwise) and small limits (4 KiB bodies,
 * 2 KiB blocks, 5 operations per batch); each must fail with its code and change nothing.
 */
const BAD_MORE: readonly (readonly [string, InjectOptions, string])[] = [
  ['batch with a text body', batch('ops', { 'content-type': 'text/plain' }), 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
  ['batch without a Content-Type', { method: 'POST', url: '/v1/sources/keep/batch', payload: 'x' }, 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
  ['batch JSON with a syntax error', batch('{"ops": ['), 'HTTP_BODY_MALFORMED'],
  ['batch that is a JSON array', batch([]), 'BATCH_INVALID'],
  ['batch whose ops is not an array', batch({ ops: { op: 'get' } }), 'BATCH_INVALID'],
  ['batch with an unknown field', batch({ ops: [], atomic: false }), 'BATCH_INVALID'],
  ['batch with an unknown op', batch({ ops: [{ op: 'merge', key: 'k' }] }), 'BATCH_INVALID'],
  ['batch op without a key', batch({ ops: [{ op: 'get' }] }), 'BATCH_INVALID'],
  ['batch put without a block', batch({ ops: [{ op: 'put', key: 'k2' }] }), 'BATCH_INVALID'],
  ['batch put with two blocks', batch({ ops: [{ op: 'put', key: 'k2', block: 1, blockBase64: b64(valid) }] }), 'BATCH_INVALID'],
  ['batch put with bad base64', batch({ ops: [{ op: 'put', key: 'k2', blockBase64: 'not base64!' }] }), 'BATCH_INVALID'],
  ['batch put with a bad mode', batch({ ops: [{ op: 'put', key: 'k2', block: 1, mode: 'sometimes' }] }), 'BATCH_INVALID'],
  ['batch op with a bad ifHash', batch({ ops: [{ op: 'delete', key: 'k', ifHash: 'abc' }] }), 'BATCH_INVALID'],
  ['batch get with a condition', batch({ ops: [{ op: 'get', key: 'k', mode: 'if-absent' }] }), 'BATCH_INVALID'],
  ['batch with a bad encoding', batch({ ops: [], encoding: 'hex' }), 'BATCH_INVALID'],
  ['batch block whose hash does not match', batch({ ops: [{ op: 'put', key: 'k2', blockBase64: b64(Block.decode(valid.bytes)).replace(/.{4}$/, 'AAAA') }] }), 'BLOCK_MALFORMED'],
  ['batch with a bad key', batch({ ops: [{ op: 'put', key: 'a/../b', block: 1 }] }), 'NAME_INVALID'],
  ['batch over the operation limit', batch({ ops: Array.from({ length: 6 }, (_, i) => ({ op: 'get', key: `k${i}` })) }), 'HTTP_BODY_TOO_LARGE'],
  ['batch whose last condition fails', batch({ ops: [{ op: 'put', key: 'new', block: 1 }, { op: 'delete', key: 'k' }, { op: 'put', key: 'k', block: 2, mode: 'if-absent' }] }), 'WRITE_KEY_EXISTS'],
  ['batch on a missing source', { ...batch({ ops: [{ op: 'put', key: 'k', block: 1 }] }), url: '/v1/sources/ghost/batch' }, 'SOURCE_NOT_FOUND'],
  ['batch with a block over the block limit', batch({ ops: [{ op: 'put', key: 'k2', block: { type: 'float64', data: Array.from({ length: 300 }, () => 1) } }] }), 'BLOCK_TOO_LARGE'],
  ['binary batch cut short', batch(framed.subarray(0, framed.length - 3), { 'content-type': BATCH_MEDIA_TYPE }), 'HTTP_BODY_MALFORMED'],
  ['binary batch with a bad block', batch(framedBadBlock, { 'content-type': BATCH_MEDIA_TYPE }), 'BLOCK_MALFORMED'],
  ['binary batch with a bad magic', batch(Buffer.from('XXXX\u0000\u0000\u0000\u0000'), { 'content-type': BATCH_MEDIA_TYPE }), 'HTTP_BODY_MALFORMED'],
  ['GET on a batch', { method: 'GET', url: '/v1/sources/keep/batch' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['volatile op that does not exist', vop('map/m/push', { key: 'a' }), 'HTTP_REQUEST_INVALID'],
  ['volatile kind that does not exist', vop('stack/m/push', {}), 'HTTP_ROUTE_NOT_FOUND'],
  ['volatile with a bad name', vop('map/bad!name/size'), 'NAME_INVALID'],
  ['volatile put without a block', vop('map/m/put', { key: 'a' }), 'ARGUMENT_INVALID'],
  ['volatile put with a bad key', vop('map/m/put', { key: '', block: 1 }), 'NAME_INVALID'],
  ['volatile argument of the wrong type', vop('queue/q/put', { key: 'a', block: 1, priority: 'high' }), 'ARGUMENT_INVALID'],
  ['volatile argument the op does not take', vop('deque/d/pushLast', { block: 1, key: 'a' }), 'ARGUMENT_INVALID'],
  ['volatile body that is not JSON', vop('map/m/put', 'key=a', { 'content-type': 'text/plain' }), 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
  ['volatile body with a JSON syntax error', vop('map/m/put', '{"key":'), 'HTTP_BODY_MALFORMED'],
  ['GET on a volatile op', { method: 'GET', url: '/v1/volatiles/map/vm/size' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['volatile of another kind', vop('deque/vm/pushLast', { block: 1 }), 'VOLATILE_KIND_MISMATCH'],
  ['queue with capacity 0', vop('queue/q/put', { key: 'a', block: 1, priority: 1, capacity: 0 }), 'ARGUMENT_INVALID'],
  ['tree node under a missing parent', vop('tree/t/add', { key: 'a', block: 1, parent: 'nope' }), 'TREE_PARENT_NOT_FOUND'],
  ['deque index that is not an integer', vop('deque/vd/at', { index: 0.5 }), 'ARGUMENT_INVALID'],
  ['drop of a missing volatile', { method: 'DELETE', url: '/v1/volatiles/ghost' }, 'VOLATILE_NOT_FOUND'],
  ['create a source with a bad name', { method: 'PUT', url: '/v1/sources/.hidden' }, 'NAME_INVALID'],
  ['create a source that exists', { method: 'PUT', url: '/v1/sources/keep' }, 'SOURCE_EXISTS'],
  ['drop a missing source', { method: 'DELETE', url: '/v1/sources/ghost' }, 'SOURCE_NOT_FOUND'],
  ['stat a missing source', { method: 'GET', url: '/v1/sources/ghost' }, 'SOURCE_NOT_FOUND'],
  ['entries with a bad limit', { method: 'GET', url: '/v1/sources/keep/entries?limit=-1' }, 'HTTP_REQUEST_INVALID'],
  ['entries with a bad encoding', { method: 'GET', url: '/v1/sources/keep/entries?encoding=hex' }, 'HTTP_REQUEST_INVALID'],
  ['entries with an over-long bound', { method: 'GET', url: `/v1/sources/keep/entries?gt=${'x'.repeat(600)}` }, 'ARGUMENT_INVALID'],
  ['raw content of a block that is not a file', { method: 'GET', url: '/v1/sources/keep/blocks/k?raw' }, 'BLOCK_TYPE_MISMATCH'],
  ['web block with another URL', { method: 'PUT', url: '/v1/sources/www/blocks/page.html', headers: { 'content-type': BLOCK }, payload: Buffer.from(wwwPage.bytes) }, 'WEB_URL_MISMATCH'],
  ['block over the block limit', { method: 'PUT', url: '/v1/sources/keep/blocks/big', headers: { 'content-type': KEEPR_JSON }, payload: `[${'1,'.repeat(400)}1]` }, 'BLOCK_TOO_LARGE'],
  ['If-Match with a list of tags', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': `"${valid.hashHex}", "${kept.hashHex}"` }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['If-Match and If-None-Match together', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': '*', 'if-none-match': '*' }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['If-None-Match on a delete', { method: 'DELETE', url: '/v1/sources/keep/blocks/k', headers: { 'if-none-match': '*' } }, 'HTTP_REQUEST_INVALID'],
  ['weak tag in If-Match that is not a block hash', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-match': 'W/"v1"' }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['weak tag in If-None-Match on a write', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { 'if-none-match': `W/"${kept.hashHex}"` }, payload: 'x' }, 'HTTP_REQUEST_INVALID'],
  ['no token', { method: 'GET', url: '/v1/sources', headers: { authorization: '' } }, 'AUTH_REQUIRED'],
  ['unknown token', { method: 'GET', url: '/v1/sources', headers: as('not-a-token-of-this-server') }, 'AUTH_TOKEN_INVALID'],
  ['token in another scheme', { method: 'GET', url: '/v1/sources', headers: { authorization: `Basic ${ADMIN}` } }, 'AUTH_TOKEN_INVALID'],
  ['token with a control character', { method: 'GET', url: '/v1/sources', headers: { authorization: `Bearer ${ADMIN}\u0001` } }, 'AUTH_TOKEN_INVALID'],
  ['read token writing a block', { method: 'PUT', url: '/v1/sources/keep/blocks/k', headers: { ...as(TOKENS[2]!.token), 'content-type': KEEPR_JSON }, payload: '1' }, 'AUTH_FORBIDDEN'],
  ['read token with a batch that writes', batch({ ops: [{ op: 'delete', key: 'k' }] }, as(TOKENS[2]!.token)), 'AUTH_FORBIDDEN'],
  ['read token popping a deque', vop('deque/vd/popFirst', undefined, as(TOKENS[2]!.token)), 'AUTH_FORBIDDEN'],
  ['write token creating a source by PUT', { method: 'PUT', url: '/v1/sources/fresh/blocks/k', headers: { ...as(TOKENS[1]!.token), 'content-type': KEEPR_JSON }, payload: '1' }, 'AUTH_FORBIDDEN'],
  ['write token dropping a source', { method: 'DELETE', url: '/v1/sources/keep', headers: as(TOKENS[1]!.token) }, 'AUTH_FORBIDDEN'],
  ['metrics token reading a block', { method: 'GET', url: '/v1/sources/keep/blocks/k', headers: as(TOKENS[3]!.token) }, 'AUTH_FORBIDDEN'],
  ['metrics without a token', { method: 'GET', url: '/metrics', headers: { authorization: '' } }, 'AUTH_REQUIRED'],
  ['web path with an escaped traversal', { method: 'GET', url: '/..%2F..%2Fetc%2Fpasswd' }, 'HTTP_ROUTE_NOT_FOUND'],
  ['web path with a NUL', { method: 'GET', url: '/index.html%00.txt' }, 'HTTP_ROUTE_NOT_FOUND'],
  ['PUT on a web path', { method: 'PUT', url: '/index.html', payload: 'x' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['unknown API version', { method: 'GET', url: '/v2/sources' }, 'HTTP_ROUTE_NOT_FOUND'],
  ['POST on the health check', { method: 'POST', url: '/healthz', payload: 'x' }, 'HTTP_METHOD_NOT_ALLOWED'],
];

async function assertUnchanged(store: Store, volatiles: readonly string[] = []): Promise<void> {
  expect(await store.sources()).toEqual(['keep']);
  const source = await store.source('keep');
  expect((await source.list()).items.map((i) => i.key)).toEqual(['k']);
  expect((await source.get('k'))?.equals(kept)).toBe(true);
  expect(store.volatiles.names()).toEqual(volatiles);
}

/** Sends every request and checks each answer is a 4xx JSON error with the expected code. */
async function expectAllBad(app: FastifyInstance, table: readonly (readonly [string, InjectOptions, string])[], headers: Record<string, string> = {}): Promise<void> {
  for (const [what, request, code] of table) {
    const res = await app.inject({ ...request, headers: { ...headers, ...request.headers } });
    expect.soft(res.statusCode, what).toBeGreaterThanOrEqual(400);
    expect.soft(res.statusCode, what).toBeLessThan(500);
    expect.soft(res.headers['content-type'], what).toMatch(/^application\/json/);
    const body = res.json<{ code: unknown; message: unknown }>();
    expect.soft(body.code, what).toBe(code);
    expect.soft(typeof body.message, what).toBe('string');
  }
}

describe('bad input', () => {
  it('answers every bad request with a 4xx { code, message }, leaves the store unchanged and keeps serving', async () => {
    const { store, app } = await fixture(4096);
    await (await store.source('keep')).put('k', kept);
    await expectAllBad(app, BAD);
    await assertUnchanged(store);
    const ok = await app.inject({ method: 'GET', url: '/v1/sources/keep/blocks/k' });
    expect(ok.statusCode).toBe(200);
    expect(Buffer.compare(ok.rawPayload, kept.bytes)).toBe(0);
  });

  it('does the same for sources, batches, volatiles, web resources and tokens', async () => {
    const { store, app } = await fixture(4096, { tokens: TOKENS, maxBlockBytes: 2048, maxBatchOps: 5, metrics: 'no-defaults' });
    await (await store.source('keep')).put('k', kept);
    await store.volatiles.map('vm').put('a', kept);
    await store.volatiles.deque('vd').pushLast(kept);
    expect(BAD.length + BAD_MORE.length).toBeGreaterThanOrEqual(100);
    await expectAllBad(app, BAD_MORE, as(ADMIN));
    await assertUnchanged(store, ['vd', 'vm']);
    expect(await store.volatiles.map('vm').size()).toBe(1);
    expect(await store.volatiles.deque('vd').length()).toBe(1);
    const ok = await app.inject({ method: 'GET', url: '/v1/sources/keep/blocks/k', headers: as(ADMIN) });
    expect(Buffer.compare(ok.rawPayload, kept.bytes)).toBe(0);
  });

  it('answers a request Node cannot parse with a JSON 400 and keeps serving', async () => {
    const { app } = await fixture();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    for (const garbage of ['NOT HTTP AT ALL\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]) {
      const answer = await rawRequest(port, garbage);
      expect.soft(answer, garbage.slice(0, 20)).toMatch(/^HTTP\/1\.1 400 [\s\S]*"code":"HTTP_REQUEST_INVALID"/);
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
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
        const res = await app.inject({ method: 'PUT', url: '/v1/sources/fuzz/blocks/k', headers: { 'content-type': KEEPR_JSON }, payload: text });
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
