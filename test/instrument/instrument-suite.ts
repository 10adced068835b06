/**
 * Behaviour of instruments through the InstrumentsApi, run embedded on every engine and through
 * the HTTP client: the same calls must give the same answers. `fresh()` gives an empty store
 * (or client) for each test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InstrumentsApi, TimeSeriesApi } from '../../src/instrument/instrument-types.js';
import { codeOfAsync } from '../helpers/error-code.js';

/** float64 NA: R's NA_real_ payload. */
export const NA_F64 = new Float64Array(new Uint32Array([0x7a2, 0x7ff00000]).buffer)[0]!;
/** A NaN with another payload, which must stay a value (not NA) bit for bit. */
export const OTHER_NAN = new Float64Array(new Uint32Array([0x1234, 0x7ff80000]).buffer)[0]!;

/** The hex of a float64 column's bytes, so NaN payloads and −0 compare exactly. */
export function bitsOf(values: ArrayLike<number> | Float64Array): string {
  return Buffer.from(Float64Array.from(values as ArrayLike<number>).buffer).toString('hex');
}

const us = (s: number): bigint => BigInt(s) * 1_000_000n;

async function series(api: InstrumentsApi, name = 'temp'): Promise<TimeSeriesApi> {
  return (await api.instrument(name, { type: 'float64', index: 'time' }));
}

/** Registers the instrument behaviour tests; `fresh` opens an empty store or client. */
export function instrumentSuite(label: string, fresh: () => Promise<InstrumentsApi>, options: { runs?: number } = {}): void {
  const runs = options.runs ?? 15;
  describe(`instruments (${label})`, () => {
    it('creates, reopens and refuses a different kind', async () => {
      const api = await fresh();
      expect(await codeOfAsync(api.instrument('none', { create: false }))).toBe('INSTRUMENT_NOT_FOUND');
      expect(await codeOfAsync(api.instrument('untyped'))).toBe('ARGUMENT_INVALID');
      const ts = await api.instrument('temp', { type: 'float64' });
      expect(ts.index).toBe('time');
      expect(ts.type).toBe('float64');
      expect((await api.instrument('temp')).type).toBe('float64');
      expect(await codeOfAsync(api.instrument('temp', { type: 'int32' }))).toBe('INSTRUMENT_KIND_MISMATCH');
      expect(await codeOfAsync(api.instrument('temp', { index: 'key' }))).toBe('INSTRUMENT_KIND_MISMATCH');
      expect(await codeOfAsync(api.instrument('bad name!', { type: 'float64' }))).toBe('NAME_INVALID');
      expect(await codeOfAsync(api.instrument('temp', { index: 'row' as 'time' }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(api.instrument('other', { type: 'complex' as 'float64' }))).toBe('ARGUMENT_INVALID');
      await api.instrument('pop', { type: 'int32', index: 'key' });
      expect((await api.instruments()).map((i) => [i.name, i.type, i.index, i.points])).toEqual([
        ['pop', 'int32', 'key', 0],
        ['temp', 'float64', 'time', 0],
      ]);
      expect(await api.dropInstrument('pop')).toBe(true);
      expect(await api.dropInstrument('pop')).toBe(false);
      expect((await api.instruments()).map((i) => i.name)).toEqual(['temp']);
    });

    it('appends in order across chunks and reads ranges forward, reverse, limited and in ms', async () => {
      const ts = await series(await fresh());
      const n = 3000;
      const times = BigInt64Array.from({ length: n }, (_, i) => us(1_700_000_000 + i));
      const values = Float64Array.from({ length: n }, (_, i) => Math.round(Math.sin(i / 50) * 1000) / 100);
      expect(await ts.append(times.subarray(0, 1000), values.subarray(0, 1000))).toMatchObject({ points: 1000 });
      await ts.append(times.subarray(1000), values.subarray(1000));
      const info = await ts.info();
      expect(info).toMatchObject({ points: n, first: String(times[0]), last: String(times[n - 1]) });
      expect(info.chunks).toBeGreaterThanOrEqual(3);
      const all = await ts.read();
      expect([...all.times]).toEqual([...times]);
      expect(bitsOf(all.values as Float64Array)).toBe(bitsOf(values));
      const mid = await ts.read({ gte: times[1500], lt: times[1600] });
      expect(mid.times.length).toBe(100);
      expect(mid.times[0]).toBe(times[1500]);
      const open = await ts.read({ gt: times[1500], lte: times[1600] });
      expect([open.times[0], open.times[99]]).toEqual([times[1501], times[1600]]);
      const back = await ts.read({ reverse: true, limit: 5, lt: times[1025] });
      expect([...back.times]).toEqual([...times.slice(1020, 1025)].reverse());
      expect(bitsOf(back.values as Float64Array)).toBe(bitsOf([...values.slice(1020, 1025)].reverse()));
      const ms = await ts.read({ limit: 2, timeUnit: 'ms' });
      expect(ms.times).toBeInstanceOf(Float64Array);
      expect([...ms.times]).toEqual([1_700_000_000_000, 1_700_000_001_000]);
      expect((await ts.read({ gte: new Date(1_700_000_002_000), limit: 1 })).times[0]).toBe(us(1_700_000_002));
      expect((await ts.read({ limit: 0 })).times.length).toBe(0);
      expect((await ts.read({ gte: us(1), lt: us(2) })).times.length).toBe(0);
    });

    it('matches a model under random writes, rewrites, deletes and reads', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.record({ kind: fc.constant('append' as const), points: fc.array(fc.tuple(fc.integer({ min: -3000, max: 3000 }), fc.double()), { maxLength: 700 }) }),
              fc.record({ kind: fc.constant('delete' as const), from: fc.integer({ min: -3000, max: 3000 }), span: fc.integer({ min: 0, max: 2000 }) }),
            ),
            { maxLength: 6 },
          ),
          fc.integer({ min: -3000, max: 3000 }),
          fc.integer({ min: 0, max: 300 }),
          async (steps, from, limit) => {
            const ts = await series(await fresh(), 'm');
            const model = new Map<bigint, number>();
            for (const step of steps) {
              if (step.kind === 'append') {
                await ts.append(step.points.map(([t]) => BigInt(t)), step.points.map(([, v]) => v));
                for (const [t, v] of step.points) model.set(BigInt(t), v);
              } else {
                const lo = BigInt(step.from);
                const hi = BigInt(step.from + step.span);
                const expected = [...model.keys()].filter((t) => t >= lo && t < hi);
                expect(await ts.delete({ gte: lo, lt: hi })).toBe(expected.length);
                for (const t of expected) model.delete(t);
              }
            }
            const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
            const all = await ts.read();
            expect([...all.times]).toEqual(sorted);
            expect(bitsOf(all.values as Float64Array)).toBe(bitsOf(sorted.map((t) => model.get(t)!)));
            const back = await ts.read({ lte: BigInt(from), reverse: true, limit });
            expect([...back.times]).toEqual(sorted.filter((t) => t <= BigInt(from)).reverse().slice(0, limit));
            expect((await ts.info()).points).toBe(model.size);
          },
        ),
        { numRuns: runs },
      );
    });

    it('keeps NA, NaN payloads, −0 and infinities bit for bit, and NA for every type', async () => {
      const api = await fresh();
      const ts = await series(api, 'f');
      const values = [NA_F64, OTHER_NAN, -0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 1.5];
      await ts.append(values.map((_, i) => us(i)), values);
      expect(bitsOf((await ts.read()).values as Float64Array)).toBe(bitsOf(values));
      const cases = [
        ['int32', [1, null, -5]],
        ['int8', [127, null, -127]],
        ['uint16', [0, 65535, 7]],
        ['int64', [2n ** 62n, null, -(2n ** 62n)]],
        ['uint64', [0n, 2n ** 64n - 1n, 5n]],
        ['time', [1n, null, -1n]],
        ['bool', [true, null, false]],
        ['string', ['a', null, '']],
        ['factor', ['x', 'y', null]],
        ['float32', [1.5, null, -0]],
      ] as const;
      for (const [type, input] of cases) {
        const inst = (await api.instrument(`t-${type}`, { type, index: 'time' }));
        await inst.append([us(3), us(2), us(1)], [...input].reverse());
        const got = [...(await inst.read()).values];
        const want = input.map((v) => (v === true ? 1 : v === false ? 0 : v));
        if (type === 'string' || type === 'factor') expect(got).toEqual(want);
        else expect(got.map((v, i) => (want[i] === null ? 'NA' : v))).toEqual(want.map((v) => (v === null ? 'NA' : v)));
      }
      const u = (await api.instrument('t-uint8', { type: 'uint8', index: 'time' }));
      expect(await codeOfAsync(u.append([us(1)], [null]))).toBe('INSTRUMENT_VALUES_INVALID');
      expect(await codeOfAsync(u.append([us(1)], [256]))).toBe('INSTRUMENT_VALUES_INVALID');
      expect(await codeOfAsync(u.append([us(1), us(2)], [1]))).toBe('INSTRUMENT_VALUES_INVALID');
      expect((await u.info()).points).toBe(0);
    });

    it('downsamples like a brute-force pass, from summaries and decoded chunks alike', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 3000 }),
          fc.integer({ min: 1, max: 50 }),
          fc.integer({ min: 0, max: 5000 }),
          async (seconds, buckets, cut) => {
            const ts = await series(await fresh(), 'd');
            const times = seconds.map(BigInt);
            const values = seconds.map((s) => (s % 97 === 0 ? NA_F64 : Math.round(Math.cos(s) * 1000) / 10));
            await ts.append(times, values);
            const gte = BigInt(cut);
            const lt = 20_001n;
            const every = (lt - gte + BigInt(buckets) - 1n) / BigInt(buckets);
            const got = (await ts.downsample({ gte, lt, buckets })) as { times: BigInt64Array; columns: Partial<Record<'min' | 'max' | 'mean' | 'sum' | 'count' | 'first' | 'last', Float64Array>> };
            const n = Number((lt - gte + every - 1n) / every);
            expect(got.times.length).toBe(n);
            const byBucket: number[][] = Array.from({ length: n }, () => []);
            const pts = seconds.map((s, i) => [BigInt(s), values[i]!] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
            for (const [t, v] of pts) if (t >= gte && t < lt && !Number.isNaN(v)) byBucket[Number((t - gte) / every)]!.push(v);
            expect([...got.columns.count!]).toEqual(byBucket.map((b) => b.length));
            expect(got.columns.min!.map((v, i) => (byBucket[i]!.length === 0 ? 0 : v))).toEqual(Float64Array.from(byBucket, (b) => (b.length === 0 ? 0 : Math.min(...b))));
            expect(got.columns.last!.map((v, i) => (byBucket[i]!.length === 0 ? 0 : v))).toEqual(Float64Array.from(byBucket, (b) => (b.length === 0 ? 0 : b[b.length - 1]!)));
            for (let i = 0; i < n; i++) {
              if (byBucket[i]!.length === 0) expect(bitsOf([got.columns.mean![i]!])).toBe(bitsOf([NA_F64]));
              else expect(got.columns.sum![i]).toBeCloseTo(byBucket[i]!.reduce((a, b) => a + b, 0), 6);
            }
            const m4 = (await ts.downsample({ gte, lt, buckets, m4: true })) as { times: BigInt64Array; values: Float64Array };
            // M4 keeps each bucket's extremes and ends, and nothing else.
            const expectedMax = byBucket.flatMap((b) => (b.length === 0 ? [] : [Math.max(...b)]));
            for (const m of expectedMax) expect([...m4.values]).toContain(m);
            expect(m4.times.length).toBeLessThanOrEqual(4 * n);
          },
        ),
        { numRuns: Math.max(3, Math.floor(runs / 2)) },
      );
    });

    it('keyed columns: put, overwrite, ranges, prefixes, binary keys, delete', async () => {
      const api = await fresh();
      const kc = (await api.instrument('pop', { type: 'int32', index: 'key' }));
      const keys = Array.from({ length: 2500 }, (_, i) => `city/${String(i).padStart(5, '0')}`);
      await kc.put([...keys].reverse(), keys.map((_, i) => keys.length - 1 - i));
      await kc.put(['city/00007', 'city/00007'], [1, 2]);
      const all = await kc.read();
      expect(all.keys).toEqual(keys);
      expect(all.values[7]).toBe(2);
      expect(all.values[8]).toBe(8);
      expect((await kc.read({ prefix: 'city/0001', limit: 3 })).keys).toEqual(['city/00010', 'city/00011', 'city/00012']);
      expect((await kc.read({ gt: 'city/02497', reverse: true })).keys).toEqual(['city/02499', 'city/02498']);
      const bin = await kc.read({ limit: 1, keyEncoding: 'binary' });
      expect(Buffer.from(bin.keys[0] as Uint8Array).toString()).toBe('city/00000');
      expect(await kc.delete({ gte: 'city/01000', lt: 'city/02000' })).toBe(1000);
      expect((await kc.info()).points).toBe(1500);
      await kc.put([Uint8Array.of(0xff, 0)], [5]);
      expect(await codeOfAsync(kc.read({ gte: Uint8Array.of(0xff) }))).toBe('KEY_NOT_UTF8');
      expect((await kc.read({ gte: Uint8Array.of(0xff), keyEncoding: 'binary' })).values[0]).toBe(5);
    });

    it('aligns series as an outer join and as of, and keyed columns by key', async () => {
      const api = await fresh();
      const a = await series(api, 'a');
      const b = (await api.instrument('b', { type: 'string', index: 'time' }));
      await a.append([us(1), us(2), us(4)], [1, 2, 4]);
      await b.append([us(2), us(3)], ['two', 'three']);
      const outer = await api.align(['a', 'b']);
      expect([...outer.times!]).toEqual([us(1), us(2), us(3), us(4)]);
      expect([...(outer.columns['a'] as Float64Array)].map((v) => (Number.isNaN(v) ? 'NA' : v))).toEqual([1, 2, 'NA', 4]);
      expect(outer.columns['b']).toEqual([null, 'two', 'three', null]);
      const asof = await api.align(['a', 'b'], { join: 'asof' });
      expect([...asof.times!]).toEqual([us(1), us(2), us(4)]);
      expect(asof.columns['b']).toEqual([null, 'two', 'three']);
      expect((await api.align(['a', 'b'], { join: 'asof', tolerance: 500_000n })).columns['b']).toEqual([null, 'two', null]);
      expect((await api.align(['a', 'b'], { gte: us(2), lt: us(4) })).times!.length).toBe(2);
      const k1 = (await api.instrument('k1', { type: 'int32', index: 'key' }));
      const k2 = (await api.instrument('k2', { type: 'float64', index: 'key' }));
      await k1.put(['x', 'y'], [1, 2]);
      await k2.put(['y', 'z'], [0.5, 0.25]);
      const keyed = await api.align(['k1', 'k2']);
      expect(keyed.keys).toEqual(['x', 'y', 'z']);
      expect([...(keyed.columns['k1'] as Int32Array)]).toEqual([1, 2, -0x80000000]);
      expect((await api.align(['k1', 'k2'], { gte: 'y' })).keys).toEqual(['y', 'z']);
      expect((await api.align(['k1', 'k2'], { prefix: 'x' })).keys).toEqual(['x']);
      expect(await codeOfAsync(api.align(['a', 'k1']))).toBe('INSTRUMENT_OP_UNSUPPORTED');
      expect(await codeOfAsync(api.align(['k1', 'k2'], { join: 'asof' }))).toBe('INSTRUMENT_OP_UNSUPPORTED');
      expect(await codeOfAsync(api.align(['a', 'missing']))).toBe('INSTRUMENT_NOT_FOUND');
    });

    it('refuses bad input with typed errors and writes nothing', async () => {
      const api = await fresh();
      const ts = await series(api);
      await ts.append([us(1)], [1]);
      expect(await codeOfAsync(ts.append([us(2), us(3)], [1]))).toBe('INSTRUMENT_VALUES_INVALID');
      expect(await codeOfAsync(ts.append([us(2)], ['x']))).toBe('INSTRUMENT_VALUES_INVALID');
      expect(await codeOfAsync(ts.read({ gte: 'soon' as unknown as bigint }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(ts.read({ limit: -1 }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(ts.downsample({ buckets: 0 }))).toBe('ARGUMENT_INVALID');
      const s = (await api.instrument('s', { type: 'string', index: 'time' }));
      expect(await codeOfAsync(s.downsample())).toBe('INSTRUMENT_OP_UNSUPPORTED');
      expect((await ts.info()).points).toBe(1);
    });
  });
}
