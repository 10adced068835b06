import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Block } from '../../src/block/index.js';
import { DEFAULT_JSON_BODY_LIMIT, type TokenConfig } from '../../src/server/index.js';
import { resolveServerOptions } from '../../src/server/options.js';
import { codeOf } from '../helpers/error-code.js';
import { serverFixture } from './server-fixture.js';

const TOKENS: readonly TokenConfig[] = [
  { token: 'read-token-0000000000', role: 'read' },
  { token: 'write-token-000000000', role: 'write' },
  { token: 'admin-token-000000000', role: 'admin' },
];
const bearer = (role: string): Record<string, string> => ({ authorization: `Bearer ${TOKENS.find((t) => t.role === role)!.token}` });
const JSON_TYPE = 'application/json';
/** Block descriptions. */
const KEEPR_JSON = 'application/vnd.keepr+json';

/** A body handed out in 64 KiB chunks on demand, counting how much of it the server pulled. */
function countedBody(text: string): { stream: Readable; pulled: () => number } {
  const bytes = Buffer.from(text);
  let at = 0;
  const stream = new Readable({
    read() {
      const chunk = bytes.subarray(at, at + 65_536);
      at += chunk.length;
      this.push(chunk.length === 0 ? null : chunk);
    },
  });
  return { stream, pulled: () => at };
}

/** A JSON block of exactly `bytes` bytes: `[1,1,…]`, the shape that costs most to parse. */
function bigJsonBlock(bytes: number): string {
  return `[${'1,'.repeat(Math.floor(bytes / 2) - 2)}1]`.padEnd(bytes, ' ');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('request bodies', () => {
  it('refuses a request its token may not make before reading its body, whatever the route decides the role from', async () => {
    const { store, app } = await serverFixture({ tokens: TOKENS, metrics: false });
    await (await store.source('s')).put('k', Block.from(1));
    const block = bigJsonBlock(4 * 1024 * 1024);
    const cases = [
      { what: 'block PUT by a read token', role: 'read', method: 'PUT', url: '/v1/sources/s/blocks/k2', body: block },
      { what: 'volatile write by a read token', role: 'read', method: 'POST', url: '/v1/volatiles/map/m/put', body: `{"key":"a","block":${block}}` },
      { what: 'block PUT that creates its source by a write token', role: 'write', method: 'PUT', url: '/v1/sources/fresh/blocks/k', body: block },
    ] as const;
    for (const c of cases) {
      const body = countedBody(c.body);
      const res = await app.inject({ method: c.method, url: c.url, headers: { ...bearer(c.role), 'content-type': JSON_TYPE }, payload: body.stream });
      expect([res.statusCode, res.json<{ code: string }>().code], c.what).toEqual([403, 'AUTH_FORBIDDEN']);
      // Not a byte of the body was read, so none was parsed.
      expect(body.pulled(), c.what).toBe(0);
    }
    expect(await store.sources()).toEqual(['s']);
    expect(store.volatiles.names()).toEqual([]);
    // The same requests from a token that may make them still work.
    for (const [role, url] of [['write', '/v1/volatiles/map/m/put'], ['admin', '/v1/sources/fresh/blocks/k']] as const) {
      const payload = url.includes('volatiles') ? '{"key":"a","block":1}' : '1';
      expect((await app.inject({ method: url.includes('volatiles') ? 'POST' : 'PUT', url, headers: { ...bearer(role), 'content-type': JSON_TYPE }, payload })).statusCode, url).toBeLessThan(300);
    }
    // A write token may put into an existing source, and a conditional put into a missing one
    // fails on its condition, not on rights.
    expect((await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/k3', headers: { ...bearer('write'), 'content-type': KEEPR_JSON }, payload: '1' })).statusCode).toBe(201);
    const conditional = await app.inject({ method: 'PUT', url: '/v1/sources/ghost/blocks/k', headers: { ...bearer('write'), 'content-type': KEEPR_JSON, 'if-match': '*' }, payload: '1' });
    expect(conditional.json<{ code: string }>().code).toBe('WRITE_KEY_ABSENT');
  });

  it('refuses a read token\'s batch that writes before building any of its blocks', async () => {
    const { store, app } = await serverFixture({ tokens: TOKENS, metrics: false });
    await (await store.source('s')).put('k', Block.from(1));
    const create = vi.spyOn(Block, 'create');
    const decode = vi.spyOn(Block, 'decode');
    const ops = [{ op: 'get', key: 'k' }, { op: 'put', key: 'p', block: { type: 'float64', shape: [100_000], data: Array.from({ length: 100_000 }, () => 1) } }];
    const res = await app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { ...bearer('read'), 'content-type': JSON_TYPE }, payload: JSON.stringify({ ops }) });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([403, 'AUTH_FORBIDDEN']);
    expect(create).not.toHaveBeenCalled();
    expect(decode).not.toHaveBeenCalled();
    expect((await (await store.source('s')).list()).items.map((i) => i.key)).toEqual(['k']);
    // The same batch from a write token goes through.
    const allowed = await app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { ...bearer('write'), 'content-type': JSON_TYPE }, payload: JSON.stringify({ ops }) });
    expect(allowed.statusCode).toBe(200);
  });

  it('holds JSON bodies to jsonBodyLimit, by Content-Length before reading and by the bytes read, even for admin', async () => {
    const limit = 256 * 1024;
    const { store, app } = await serverFixture({ tokens: TOKENS, metrics: false, jsonBodyLimit: limit });
    const over = bigJsonBlock(limit + 1024);
    const admin = bearer('admin');
    const tooLarge = async (headers: Record<string, string>, payload: string | Readable, url = '/v1/sources/s/blocks/k'): Promise<void> => {
      const res = await app.inject({ method: 'PUT', url, headers: { ...admin, ...headers }, payload });
      expect([res.statusCode, res.json<{ code: string }>().code], JSON.stringify(headers)).toEqual([413, 'HTTP_BODY_TOO_LARGE']);
    };
    // Content-Length over the limit: refused before a byte is read.
    const announced = countedBody(over);
    await tooLarge({ 'content-type': KEEPR_JSON, 'content-length': String(Buffer.byteLength(over)) }, announced.stream);
    expect(announced.pulled()).toBe(0);
    // No Content-Length (chunked): refused once the bytes read pass the limit.
    await tooLarge({ 'content-type': KEEPR_JSON }, countedBody(over).stream);
    // Any spelling of the JSON media type the routes accept.
    await tooLarge({ 'content-type': 'Application/VND.Keepr+JSON; charset=utf-8' }, over);
    await tooLarge({ 'content-type': JSON_TYPE }, `{"key":"a","block":${over}}`, '/v1/volatiles/map/m/put');
    expect(await store.sources()).toEqual([]);
    expect(store.volatiles.names()).toEqual([]);
    // At the limit a JSON body is read; a file body over it is not JSON and has the larger bodyLimit.
    const at = bigJsonBlock(limit);
    expect((await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/at', headers: { ...admin, 'content-type': KEEPR_JSON }, payload: at })).statusCode).toBe(201);
    expect((await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/file', headers: { ...admin, 'content-type': 'text/plain' }, payload: over })).statusCode).toBe(201);
  });

  it('defaults jsonBodyLimit to 8 MiB and checks it', () => {
    expect(DEFAULT_JSON_BODY_LIMIT).toBe(8 * 1024 * 1024);
    expect(resolveServerOptions({}).jsonBodyLimit).toBe(DEFAULT_JSON_BODY_LIMIT);
    expect(resolveServerOptions({ jsonBodyLimit: 1000 }).jsonBodyLimit).toBe(1000);
    for (const jsonBodyLimit of [0, -1, 1.5, Number.NaN]) expect(codeOf(() => resolveServerOptions({ jsonBodyLimit })), String(jsonBodyLimit)).toBe('OPTION_INVALID');
  });
});
