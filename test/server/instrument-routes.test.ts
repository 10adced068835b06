import { Int32, Int64, Table, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { TokenConfig } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { blockValues, decodeFrame, valuesBlock, encodeFrame } from '../../src/wire/instrument-frame.js';
import { BLOCK, serverFixture } from './server-fixture.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const CSV_TYPE = { 'content-type': 'text/csv' };
const ARROW = 'application/vnd.apache.arrow.stream';

async function fixture(tokens?: readonly TokenConfig[]): Promise<{ store: Store; app: FastifyInstance }> {
  return serverFixture(tokens === undefined ? {} : { tokens }, 'memory');
}

function create(app: FastifyInstance, name: string, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'PUT', url: `/v1/instruments/${name}`, headers: { ...JSON_TYPE, ...headers }, payload: JSON.stringify(body) });
}

function post(app: FastifyInstance, name: string, type: Record<string, string>, payload: string | Buffer): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/v1/instruments/${name}/points`, headers: type, payload });
}

async function json(app: FastifyInstance, url: string): Promise<unknown> {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** A float64 series `t` with 2024-03-01 00:00, 01:00 (NA), 02:00, 03:00 (NaN). */
async function seeded(tokens?: readonly TokenConfig[]): Promise<{ store: Store; app: FastifyInstance }> {
  const f = await fixture(tokens);
  const auth: Record<string, string> = tokens === undefined ? {} : { authorization: `Bearer ${tokens.find((t) => t.role === 'admin')!.token}` };
  expect((await create(f.app, 't', { type: 'float64' }, auth)).statusCode).toBe(201);
  const res = await f.app.inject({ method: 'POST', url: '/v1/instruments/t/points', headers: { ...CSV_TYPE, ...auth }, payload: 'time,value\n2024-03-01T00:00:00Z,11.5\n2024-03-01T01:00:00Z,NA\n1709258400000000,12\n2024-03-01T03:00:00Z,NaN\n' });
  expect(res.json()).toMatchObject({ points: 4 });
  return f;
}

const H = 3_600_000_000n;
const T0 = 1709251200000000n;

describe('instrument routes: create, describe, drop', () => {
  it('creates (201), finds (200), refuses another kind (409), lists, drops (204, then 404)', async () => {
    const { app } = await fixture();
    const made = await create(app, 'temp', { type: 'float64' });
    expect([made.statusCode, made.headers['location'], made.json()]).toEqual([201, '/v1/instruments/temp', { name: 'temp', type: 'float64', index: 'time', points: 0, chunks: 0, bytes: 0, first: null, last: null }]);
    expect((await create(app, 'temp', { type: 'float64', index: 'time' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/v1/instruments/temp' })).statusCode).toBe(200);
    expect((await create(app, 'temp', { type: 'int32' })).json()).toMatchObject({ code: 'INSTRUMENT_KIND_MISMATCH' });
    expect((await create(app, 'temp', { type: 'float64', index: 'key' })).statusCode).toBe(409);
    expect((await create(app, 'names', { type: 'string', index: 'key' })).statusCode).toBe(201);
    expect(((await json(app, '/v1/instruments')) as { instruments: { name: string }[] }).instruments.map((i) => i.name)).toEqual(['names', 'temp']);
    expect(await json(app, '/v1/instruments/names')).toMatchObject({ name: 'names', type: 'string', index: 'key', points: 0 });
    expect((await app.inject({ method: 'DELETE', url: '/v1/instruments/names' })).statusCode).toBe(204);
    const gone = await app.inject({ method: 'DELETE', url: '/v1/instruments/names' });
    expect([gone.statusCode, gone.json<{ code: string }>().code]).toEqual([404, 'INSTRUMENT_NOT_FOUND']);
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/names' })).json()).toMatchObject({ code: 'INSTRUMENT_NOT_FOUND' });
  });

  it('refuses bad names and bodies before creating anything', async () => {
    const { app, store } = await fixture();
    const cases: [Promise<LightMyRequestResponse>, number, string][] = [
      [create(app, '.hidden', { type: 'float64' }), 400, 'NAME_INVALID'],
      [create(app, 'x', { type: 'float128' }), 400, 'HTTP_BODY_MALFORMED'],
      [create(app, 'x', { type: 'float64', chunk: 5 }), 400, 'HTTP_BODY_MALFORMED'],
      [create(app, 'x', { type: 'float64', index: 'row' }), 400, 'HTTP_BODY_MALFORMED'],
      [create(app, 'x', [1]), 400, 'HTTP_BODY_MALFORMED'],
      [app.inject({ method: 'PUT', url: '/v1/instruments/x', headers: { 'content-type': 'text/plain' }, payload: 'float64' }), 415, 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
    ];
    for (const [res, status, code] of cases) expect([(await res).statusCode, (await res).json<{ code: string }>().code]).toEqual([status, code]);
    expect(await store.instruments()).toEqual([]);
  });
});

describe('instrument routes: points', () => {
  it('stores the same points from CSV, JSON, Arrow and a keepr block', async () => {
    const { app } = await seeded();
    const csv = await json(app, '/v1/instruments/t/points');
    expect(csv).toEqual({ times: [String(T0), String(T0 + H), String(T0 + 2n * H), String(T0 + 3n * H)], values: [11.5, null, 12, 'NaN'] });
    for (const name of ['j', 'a', 'b']) expect((await create(app, name, { type: 'float64' })).statusCode).toBe(201);
    const fromJson = await post(app, 'j', JSON_TYPE, JSON.stringify({ times: ['2024-03-01T00:00:00Z', Number(T0 + H), String(T0 + 2n * H), '2024-03-01 03:00'], values: [11.5, null, '12', 'NaN'] }));
    expect(fromJson.json()).toMatchObject({ points: 4 });
    const arrow = await app.inject({ method: 'GET', url: '/v1/instruments/t/points', headers: { accept: ARROW } });
    expect((await post(app, 'a', { 'content-type': ARROW }, arrow.rawPayload)).json()).toMatchObject({ points: 4 });
    const block = await app.inject({ method: 'GET', url: '/v1/instruments/t/points?format=block' });
    expect((await post(app, 'b', { 'content-type': BLOCK }, block.rawPayload)).json()).toMatchObject({ points: 4 });
    for (const name of ['j', 'a', 'b']) expect(await json(app, `/v1/instruments/${name}/points`)).toEqual(csv);
  });

  it('takes Arrow streams with Int64 or Timestamp times, Utf8 keys, nulls as NA, other value types cell by cell', async () => {
    const { app } = await fixture();
    const arrow = (columns: Record<string, Vector>): Buffer => Buffer.from(tableToIPC(new Table(columns), 'stream'));
    expect((await create(app, 'i', { type: 'int32' })).statusCode).toBe(201);
    const ints = arrow({ time: vectorFromArray([10n, 20n], new Int64()), value: vectorFromArray([7, null], new Int32()), extra: vectorFromArray(['ignored', 'too'], new Utf8()) });
    expect((await post(app, 'i', { 'content-type': ARROW }, ints)).json()).toEqual({ points: 2, chunks: expect.any(Number) as number });
    expect(await json(app, '/v1/instruments/i/points')).toEqual({ times: ['10', '20'], values: [7, null] });
    expect((await create(app, 'f', { type: 'float64' })).statusCode).toBe(201);
    const stamped = arrow({ time: vectorFromArray([1709251200000], new TimestampMillisecond()), value: vectorFromArray(['1.5'], new Utf8()) });
    expect((await post(app, 'f', { 'content-type': ARROW }, stamped)).statusCode).toBe(200);
    expect(await json(app, '/v1/instruments/f/points')).toEqual({ times: [String(T0)], values: [1.5] });
    const text = arrow({ time: vectorFromArray([1n], new Int64()), value: vectorFromArray(['x'], new Utf8()) });
    expect((await post(app, 'f', { 'content-type': ARROW }, text)).json()).toMatchObject({ code: 'INSTRUMENT_VALUES_INVALID', details: { row: 0 } });
    expect((await post(app, 'f', { 'content-type': ARROW }, arrow({ value: vectorFromArray([1], new Int32()) }))).json<{ code: string }>().code).toBe('HTTP_BODY_MALFORMED');
    expect((await create(app, 'k', { type: 'string', index: 'key' })).statusCode).toBe(201);
    expect((await post(app, 'k', { 'content-type': ARROW }, arrow({ key: vectorFromArray(['b', 'a'], new Utf8()), value: vectorFromArray([null, 'y'], new Utf8()) }))).statusCode).toBe(200);
    expect(await json(app, '/v1/instruments/k/points')).toEqual({ keys: ['a', 'b'], values: ['y', null] });
    expect((await post(app, 'k', { 'content-type': 'text/plain' }, 'a')).json<{ code: string }>().code).toBe('HTTP_CONTENT_TYPE_UNSUPPORTED');
  });

  it('answers JSON, CSV, Arrow and a block by Accept or ?format=, and 406 otherwise', async () => {
    const { app } = await seeded();
    const csv = await app.inject({ method: 'GET', url: '/v1/instruments/t/points?timeUnit=iso', headers: { accept: 'text/csv' } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toBe('time,value\n2024-03-01T00:00:00.000000Z,11.5\n2024-03-01T01:00:00.000000Z,\n2024-03-01T02:00:00.000000Z,12\n2024-03-01T03:00:00.000000Z,NaN\n');
    expect(await json(app, '/v1/instruments/t/points?timeUnit=ms&limit=1')).toEqual({ times: [Number(T0 / 1000n)], values: [11.5] });
    const arrow = await app.inject({ method: 'GET', url: '/v1/instruments/t/points?format=arrow' });
    const table = tableFromIPC(arrow.rawPayload);
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([['time', 'Timestamp<MICROSECOND, UTC>'], ['value', 'Float64']]);
    expect([table.getChild('value')!.isValid(1), table.getChild('value')!.get(2), (table.getChild('time')!.data[0]!.values as BigInt64Array)[0]]).toEqual([false, 12, T0]);
    const block = decodeFrame((await app.inject({ method: 'GET', url: '/v1/instruments/t/points', headers: { accept: BLOCK } })).rawPayload);
    expect(block.times).toEqual(BigInt64Array.of(T0, T0 + H, T0 + 2n * H, T0 + 3n * H));
    const refused = await app.inject({ method: 'GET', url: '/v1/instruments/t/points', headers: { accept: 'image/png' } });
    expect([refused.statusCode, refused.json<{ code: string }>().code]).toEqual([406, 'HTTP_NOT_ACCEPTABLE']);
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/points?format=xml' })).json<{ code: string }>().code).toBe('HTTP_REQUEST_INVALID');
  });

  it('reads ranges forward and reverse with a limit, deletes a range, and checks bounds', async () => {
    const { app } = await seeded();
    expect(await json(app, `/v1/instruments/t/points?gt=${T0}&lte=2024-03-01T03:00:00Z&reverse=true&limit=2`)).toEqual({ times: [String(T0 + 3n * H), String(T0 + 2n * H)], values: ['NaN', 12] });
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/points?gte=soon' })).json()).toMatchObject({ code: 'HTTP_REQUEST_INVALID', details: { parameter: 'gte' } });
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/points?prefix=a' })).json<{ code: string }>().code).toBe('INSTRUMENT_OP_UNSUPPORTED');
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/points?limit=-1' })).json<{ code: string }>().code).toBe('ARGUMENT_INVALID');
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/points?limit=1.5' })).json<{ code: string }>().code).toBe('HTTP_REQUEST_INVALID');
    const deleted = await app.inject({ method: 'DELETE', url: `/v1/instruments/t/points?lt=${T0 + 2n * H}` });
    expect(deleted.json()).toEqual({ deleted: 2 });
    expect(await json(app, '/v1/instruments/t/points')).toEqual({ times: [String(T0 + 2n * H), String(T0 + 3n * H)], values: [12, 'NaN'] });
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/none/points' })).json<{ code: string }>().code).toBe('INSTRUMENT_NOT_FOUND');
  });

  it('keyed columns: bounds, prefix and keys in utf8, hex or base64url; binary keys in blocks', async () => {
    const { app } = await fixture();
    expect((await create(app, 'k', { type: 'string', index: 'key' })).statusCode).toBe(201);
    expect((await post(app, 'k', CSV_TYPE, 'key,value\nb/1,x\nb/2,""\na,NA\n')).json()).toMatchObject({ points: 3 });
    expect(await json(app, '/v1/instruments/k/points')).toEqual({ keys: ['a', 'b/1', 'b/2'], values: [null, 'x', ''] });
    expect(await json(app, '/v1/instruments/k/points?prefix=b/&reverse=true')).toEqual({ keys: ['b/2', 'b/1'], values: ['', 'x'] });
    expect(await json(app, '/v1/instruments/k/points?keyEncoding=hex&gt=61')).toEqual({ keys: ['622f31', '622f32'], values: ['x', ''] });
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/k/points?keyEncoding=hex&gt=6' })).json<{ code: string }>().code).toBe('KEY_INVALID');
    const binary = encodeFrame({ keys: [Uint8Array.of(0xff, 0)] }, [['value', valuesBlock('string', ['bin'])]]);
    expect((await post(app, 'k', { 'content-type': BLOCK }, Buffer.from(binary.bytes))).json()).toMatchObject({ points: 1 });
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/k/points' })).json<{ code: string }>().code).toBe('KEY_NOT_UTF8');
    expect(await json(app, '/v1/instruments/k/points?keyEncoding=base64url&gte=_w')).toEqual({ keys: ['_wA'], values: ['bin'] });
    const frame = decodeFrame((await app.inject({ method: 'GET', url: '/v1/instruments/k/points?format=block&keyEncoding=hex&prefix=ff' })).rawPayload);
    expect(frame.keys).toEqual([Uint8Array.of(0xff, 0)]);
    expect((await app.inject({ method: 'DELETE', url: '/v1/instruments/k/points?prefix=b/' })).json()).toEqual({ deleted: 2 });
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/k/downsample' })).json<{ code: string }>().code).toBe('INSTRUMENT_OP_UNSUPPORTED');
  });
});

describe('instrument routes: downsample and aligned reads', () => {
  it('answers what the embedded downsample gives, in every format', async () => {
    const { app, store } = await seeded();
    const ts = await store.instrument('t', { index: 'time', create: false });
    const embedded = await ts.downsample({ gte: T0, lt: T0 + 4n * H, every: 2n * H, ops: ['min', 'max', 'count'] });
    const res = await app.inject({ method: 'GET', url: `/v1/instruments/t/downsample?gte=${T0}&lt=${T0 + 4n * H}&every=${2n * H}&ops=min,max,count` });
    expect(res.headers['keepr-every']).toBe(String(2n * H));
    const body = res.json<{ times: string[]; every: string; columns: Record<string, unknown[]> }>();
    expect(body.times).toEqual(Array.from(embedded.times, String));
    expect(Object.keys(body.columns)).toEqual(['min', 'max', 'count']);
    expect(body.columns['count']).toEqual(Array.from(embedded.columns.count!, (c) => (Number.isNaN(c) ? null : c)));
    const frame = decodeFrame((await app.inject({ method: 'GET', url: `/v1/instruments/t/downsample?gte=${T0}&lt=${T0 + 4n * H}&every=${2n * H}&ops=min,max,count&format=block` })).rawPayload);
    expect(Buffer.from((blockValues(frame.items.get('min')!) as Float64Array).buffer)).toEqual(Buffer.from(embedded.columns.min!.buffer));
    const csv = await app.inject({ method: 'GET', url: `/v1/instruments/t/downsample?gte=${T0}&lt=${T0 + 4n * H}&buckets=2&ops=max&format=csv` });
    expect(csv.body.split('\n')[0]).toBe('time,max');
    const m4 = (await json(app, '/v1/instruments/t/downsample?buckets=1&m4=true')) as { times: string[]; values: unknown[] };
    const embeddedM4 = await ts.downsample({ buckets: 1, m4: true });
    expect(m4.times).toEqual(Array.from(embeddedM4.times, String));
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/downsample?ops=median' })).json<{ code: string }>().code).toBe('ARGUMENT_INVALID');
    expect((await app.inject({ method: 'GET', url: '/v1/instruments/t/downsample?buckets=0' })).json<{ code: string }>().code).toBe('ARGUMENT_INVALID');
  });

  it('aligns instruments as columns, NA where one has no value', async () => {
    const { app } = await seeded();
    expect((await create(app, 'u', { type: 'int64' })).statusCode).toBe(201);
    expect((await post(app, 'u', CSV_TYPE, `time,value\n${T0 + H},9007199254740993\n${T0 + 5n * H},-1\n`)).statusCode).toBe(200);
    const body = (await json(app, '/v1/aligned?names=t,u')) as { times: string[]; columns: Record<string, unknown[]> };
    expect(body.times).toEqual([T0, T0 + H, T0 + 2n * H, T0 + 3n * H, T0 + 5n * H].map(String));
    expect(body.columns).toEqual({ t: [11.5, null, 12, 'NaN', null], u: [null, '9007199254740993', null, null, '-1'] });
    const csv = await app.inject({ method: 'GET', url: `/v1/aligned?names=u,t&gte=${T0 + 4n * H}&format=csv` });
    expect(csv.body).toBe(`time,u,t\n${T0 + 5n * H},-1,\n`);
    const table = tableFromIPC((await app.inject({ method: 'GET', url: '/v1/aligned?names=t,u', headers: { accept: ARROW } })).rawPayload);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['time', 't', 'u']);
    expect(table.getChild('u')!.nullCount).toBe(3);
    expect((await app.inject({ method: 'GET', url: '/v1/aligned?names=t,nope' })).json<{ code: string }>().code).toBe('INSTRUMENT_NOT_FOUND');
    expect((await app.inject({ method: 'GET', url: '/v1/aligned' })).json<{ code: string }>().code).toBe('HTTP_REQUEST_INVALID');
  });

  it('declares every route once, in the OpenAPI document too', async () => {
    const { app } = await fixture();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId?: string }>> }>();
    const ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/instruments') || path === '/v1/aligned')
      .flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => `${m} ${path} ${op.operationId}`));
    expect(ops.sort()).toEqual(
      [
        'get /v1/instruments listInstruments',
        'get /v1/instruments/{name} getInstrument',
        'put /v1/instruments/{name} createInstrument',
        'delete /v1/instruments/{name} dropInstrument',
        'post /v1/instruments/{name}/points writeInstrumentPoints',
        'get /v1/instruments/{name}/points readInstrumentPoints',
        'delete /v1/instruments/{name}/points deleteInstrumentPoints',
        'get /v1/instruments/{name}/downsample downsampleInstrument',
        'get /v1/aligned readAlignedInstruments',
      ].sort(),
    );
    const wrong = await app.inject({ method: 'PATCH', url: '/v1/instruments/t/points' });
    expect([wrong.statusCode, wrong.headers['allow']]).toEqual([405, 'GET, HEAD, POST, DELETE']);
  });

  it('reads need the read role, writes the write role', async () => {
    const tokens: TokenConfig[] = [
      { token: 'read-token-0000000000', role: 'read' },
      { token: 'write-token-000000000', role: 'write' },
      { token: 'admin-token-000000000', role: 'admin' },
    ];
    const { app } = await seeded(tokens);
    const as = (role: string): Record<string, string> => ({ authorization: `Bearer ${tokens.find((t) => t.role === role)!.token}` });
    const reads = ['/v1/instruments', '/v1/instruments/t', '/v1/instruments/t/points', '/v1/instruments/t/downsample', '/v1/aligned?names=t'];
    for (const url of reads) expect((await app.inject({ method: 'GET', url, headers: as('read') })).statusCode).toBe(200);
    const writes: [string, string, Record<string, string>, string][] = [
      ['POST', '/v1/instruments/t/points', CSV_TYPE, 'time,value\n1,1\n'],
      ['DELETE', '/v1/instruments/t/points?lt=2', {}, ''],
      ['PUT', '/v1/instruments/w', JSON_TYPE, '{"type":"bool"}'],
      ['DELETE', '/v1/instruments/w', {}, ''],
    ];
    for (const [method, url, type, payload] of writes) {
      const refused = await app.inject({ method: method as 'POST', url, headers: { ...type, ...as('read') }, payload });
      expect([url, refused.statusCode]).toEqual([url, 403]);
      expect((await app.inject({ method: method as 'POST', url, headers: { ...type, ...as('write') }, payload })).statusCode).toBeLessThan(300);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/instruments' })).statusCode).toBe(401);
  });
});
