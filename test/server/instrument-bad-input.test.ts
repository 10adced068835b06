import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { BLOCK, serverFixture } from './server-fixture.js';

const ARROW = 'application/vnd.apache.arrow.stream';

/** Codes a bad points body may give: never a 5xx, never another code. */
const BODY_CODES = ['HTTP_BODY_MALFORMED', 'INSTRUMENT_VALUES_INVALID', 'HTTP_CONTENT_TYPE_UNSUPPORTED'];

let runs = 0;

/** A fresh float64 series holding two points, and its JSON read. */
async function seededSeries(app: FastifyInstance): Promise<{ name: string; before: string }> {
  const name = `f${runs++}`;
  await app.inject({ method: 'PUT', url: `/v1/instruments/${name}`, headers: { 'content-type': 'application/json' }, payload: '{"type":"float64"}' });
  await app.inject({ method: 'POST', url: `/v1/instruments/${name}/points`, headers: { 'content-type': 'text/csv' }, payload: 'time,value\n5,0.5\n6,NA\n' });
  const before = (await app.inject({ method: 'GET', url: `/v1/instruments/${name}/points` })).body;
  return { name, before };
}

/** Posts a body; a refusal must be a 400 with a body code and leave the series as it was. */
async function postChecked(app: FastifyInstance, type: string, body: Uint8Array | string): Promise<boolean> {
  const { name, before } = await seededSeries(app);
  const res = await app.inject({ method: 'POST', url: `/v1/instruments/${name}/points`, headers: { 'content-type': type }, payload: typeof body === 'string' ? body : Buffer.from(body) });
  const after = (await app.inject({ method: 'GET', url: `/v1/instruments/${name}/points` })).body;
  if (res.statusCode === 200) return true;
  expect(res.statusCode, res.body).toBe(400);
  expect(BODY_CODES).toContain(res.json<{ code: string }>().code);
  expect(after).toBe(before);
  return false;
}

const cell = fc.oneof(fc.double().map(String), fc.constantFrom('', 'NA', 'NaN', '-0', 'x', '"q"', '1e400'), fc.integer().map(String));
const time = fc.oneof(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map(String), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('', 'now', '2024-02-30'));
const csvBody = fc.array(fc.tuple(time, cell), { maxLength: 20 }).map((rows) => `time,value\n${rows.map(([t, v]) => `${t},${v}\n`).join('')}`);
const cut = <T extends { length: number; slice(a: number, b: number): T }>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.tuple(arb, fc.nat()).map(([b, n]) => b.slice(0, b.length === 0 ? 0 : n % (b.length + 1)));
const flip = (arb: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(arb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, at, x]) => {
    const out = Uint8Array.from(b);
    if (out.length > 0) out[at % out.length]! ^= x;
    return out;
  });

describe('instrument points: random and truncated bodies', () => {
  it('CSV: refused whole (400) or written, never a 5xx or a partial write', async () => {
    const { app } = await serverFixture({}, 'memory');
    let written = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(csvBody, cut(csvBody), fc.string({ unit: fc.constantFrom('1', ',', '"', '\n', 'a', 'time', 'value', 'NA') })), async (body) => {
        if (await postChecked(app, 'text/csv', body)) written++;
      }),
      { numRuns: 150 },
    );
    expect(written).toBeGreaterThan(0);
  });

  it('JSON: random documents and truncated bodies', async () => {
    const { app } = await serverFixture({}, 'memory');
    const good = fc.array(fc.tuple(time, fc.oneof(fc.double(), fc.constant(null), fc.constantFrom('NaN', 'x', '12'))), { maxLength: 10 }).map((rows) => JSON.stringify({ times: rows.map((r) => r[0]), values: rows.map((r) => r[1]) }));
    let written = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(good, cut(good), fc.json()), async (body) => {
        if (await postChecked(app, 'application/json', body)) written++;
      }),
      { numRuns: 150 },
    );
    expect(written).toBeGreaterThan(0);
  });

  it('Arrow and keepr blocks: flipped and truncated bytes of valid bodies', async () => {
    const { app } = await serverFixture({}, 'memory');
    const { name } = await seededSeries(app);
    const arrow = new Uint8Array((await app.inject({ method: 'GET', url: `/v1/instruments/${name}/points?format=arrow` })).rawPayload);
    const block = new Uint8Array((await app.inject({ method: 'GET', url: `/v1/instruments/${name}/points?format=block` })).rawPayload);
    for (const [type, valid] of [
      [ARROW, arrow],
      [BLOCK, block],
    ] as const) {
      expect(await postChecked(app, type, valid)).toBe(true);
      await fc.assert(
        fc.asyncProperty(fc.oneof(cut(fc.constant(valid)), flip(fc.constant(valid)), fc.uint8Array({ maxLength: 200 })), async (body) => {
          await postChecked(app, type, body);
        }),
        { numRuns: 100 },
      );
    }
  });
});
