import { describe, expect, it } from 'vitest';
import type { InstrumentValues, StoreApi } from '../../src/client/index.js';
import { connect } from '../../src/client/index.js';
import type { TokenConfig } from '../../src/server/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { freshStore } from '../keepr/store-factory.js';
import { liveClient, liveServer } from './live-server.js';

const T0 = 1709251200000000n;
const H = 3_600_000_000n;

/** Values as comparable data: typed arrays as the hex of their bytes (so NaN payloads count), arrays as they are. */
function show(values: InstrumentValues | BigInt64Array | Float64Array | string[] | Uint8Array[] | undefined): unknown {
  if (values === undefined) return null;
  if (Array.isArray(values)) return values.map((v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  return [values.constructor.name, Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex')];
}

function floats(words: readonly number[]): Float64Array {
  const out = new Float64Array(words.length / 2);
  new Uint32Array(out.buffer).set(words);
  return out;
}

/** The same instrument calls on an embedded store or a client, written down so the two can be compared. */
async function transcript(store: StoreApi): Promise<unknown[]> {
  const out: unknown[] = [];
  const ts = await store.instrument('temp', { type: 'float64' });
  out.push([ts.name, ts.type, ts.index]);
  if (ts.index !== 'time') throw new Error('a time series');
  // A NaN with a payload, −0, NA (R's NA_real_), ±Infinity: all must come back bit for bit.
  const values = floats([0x1234, 0x7ff80000, 0, 0x80000000, 0x7a2, 0x7ff00000, 0, 0x7ff00000, 0, 0xfff00000]);
  out.push(await ts.append(BigInt64Array.of(T0, T0 + H, T0 + 2n * H, T0 + 3n * H, T0 + 4n * H), values));
  out.push(await ts.append([new Date(Number((T0 + 5n * H) / 1000n)), T0 + 6n * H], [1.25, null]));
  for (const range of [{}, { reverse: true, limit: 2 }, { gte: T0 + H, lt: T0 + 3n * H }, { gt: new Date(Number(T0 / 1000n)), lte: T0 + H }, { timeUnit: 'ms' as const, limit: 1 }]) {
    const rows = await ts.read(range);
    out.push(show(rows.times), show(rows.values));
  }
  const info = await ts.info();
  out.push([info.name, info.type, info.index, info.points, info.first, info.last]);
  const agg = await ts.downsample({ gte: T0, lt: T0 + 8n * H, buckets: 4, ops: ['min', 'max', 'count', 'mean'] });
  out.push('columns' in agg ? [show(agg.times), agg.every, Object.entries(agg.columns).map(([op, c]) => [op, show(c)])] : 'm4?');
  const m4 = await ts.downsample({ gte: T0, lt: T0 + 8n * H, buckets: 2, m4: true });
  out.push('values' in m4 ? [show(m4.times), show(m4.values)] : 'aggregates?');
  out.push(await ts.delete({ lt: T0 + H }), show((await ts.read()).times));

  const counts = await store.instrument('counts', { type: 'int64' });
  if (counts.index !== 'time') throw new Error('a time series');
  out.push(await counts.append([T0 + H, T0 + 9n * H], BigInt64Array.of(2n ** 62n, -1n)));
  const aligned = await store.align(['temp', 'counts']);
  out.push(show(aligned.times), Object.entries(aligned.columns).map(([name, v]) => [name, show(v)]));
  const asof = await store.align(['counts', 'temp'], { join: 'asof' });
  out.push(show(asof.times), Object.entries(asof.columns).map(([name, v]) => [name, show(v)]));

  const names = await store.instrument('names', { type: 'factor', index: 'key' });
  out.push([names.name, names.type, names.index]);
  out.push(await names.put(['b/1', 'a', Uint8Array.of(0x62, 0x2f, 0x32), 'c'], ['sun', 'rain', null, 'sun']));
  for (const range of [{}, { prefix: 'b/' }, { gt: 'a', reverse: true }, { keyEncoding: 'binary' as const, lt: Uint8Array.of(0x62) }]) {
    const rows = await names.read(range);
    out.push(show(rows.keys), show(rows.values));
  }
  out.push(await names.put([Uint8Array.of(0xff)], ['bin']), await codeOfAsync(names.read()), show((await names.read({ keyEncoding: 'binary', gte: Uint8Array.of(0xf0) })).keys));
  out.push(await names.delete({ prefix: 'b/' }), (await names.info()).points);

  out.push(await codeOfAsync(store.instrument('temp', { type: 'int32' })), await codeOfAsync(store.instrument('temp', { index: 'key' })));
  out.push(await codeOfAsync(store.instrument('none', { create: false })), await codeOfAsync(ts.append([T0], [1, 2])), await codeOfAsync(ts.append([T0], ['x'])));
  out.push(await codeOfAsync(counts.append([T0], [1.5])), await codeOfAsync(store.align(['temp', 'names'])));
  out.push((await store.instruments()).map((i) => [i.name, i.type, i.index, i.points]));
  out.push(await store.dropInstrument('names'), await store.dropInstrument('names'), (await store.instruments()).map((i) => i.name));
  return out;
}

describe.each(['lmdb', 'postgres'] as const)('instruments through the client (%s)', (engine) => {
  it('gives the same answers as the embedded store, call for call, bit for bit', async () => {
    const embedded = await transcript(await freshStore('lmdb'));
    const { client } = await liveClient({}, undefined, engine);
    const remote = await transcript(client);
    expect(remote).toEqual(embedded);
  });
});

describe('instruments through the client: access', () => {
  it('a read token opens and reads existing instruments; creating one needs write', async () => {
    const tokens: TokenConfig[] = [
      { token: 'read-token-0000000000', role: 'read' },
      { token: 'write-token-000000000', role: 'write' },
    ];
    const { url } = await liveServer({ tokens });
    const writer = await connect(url, { token: 'write-token-000000000' });
    const reader = await connect(url, { token: 'read-token-0000000000' });
    try {
      const ts = await writer.instrument('t', { type: 'uint8' });
      if (ts.index !== 'time') throw new Error('a time series');
      await ts.append([1n, 2n], Uint8Array.of(7, 255));
      const seen = await reader.instrument('t');
      expect([seen.type, seen.index]).toEqual(['uint8', 'time']);
      if (seen.index === 'time') expect(await seen.read()).toEqual({ times: BigInt64Array.of(1n, 2n), values: Uint8Array.of(7, 255) });
      expect(await codeOfAsync(reader.instrument('u', { type: 'bool' }))).toBe('AUTH_FORBIDDEN');
      expect(await codeOfAsync(seen.index === 'time' ? seen.append([3n], [1]) : Promise.resolve())).toBe('AUTH_FORBIDDEN');
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
