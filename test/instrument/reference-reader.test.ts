import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { decodeChunk, encodeChunk, readChunkHead } from '../../src/instrument/chunk.js';
import { decodeKeys, decodeTimes, decodeValues, encodeKeys, encodeTimes, encodeValues } from '../../src/instrument/codec/index.js';
import type { InstrumentType, InstrumentValues } from '../../src/instrument/instrument-types.js';
import { open } from '../../src/store/index.js';
import { CHUNK_VECTORS } from './chunk-vectors.js';
import { anyColumn, anyDouble, decimal, int64Column, sortedKeys } from './codec/codec-arbitraries.js';
import { inputColumn, type CodecVector } from './codec/codec-vectors.js';
import { refChunkKeyKey, refChunkKeyTime, refDecodeChunk, refDecodeHead, refDecodeKeys, refDecodeTimes, refDecodeValues, fromTypedColumn, RefMalformed, RefUnspecified, type RefValue } from './reference-reader.js';

const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The real decoder's values in the reference reader's form (floats as bits, NA as null). */
const asRef = (type: InstrumentType, values: InstrumentValues): RefValue[] => fromTypedColumn(type, values);

const f64Bits = (x: number): string => hex(new Uint8Array(Float64Array.of(x).buffer));

/** Decodes a chunk with both readers and checks they agree on every field and bit. */
function sameChunk(type: InstrumentType, kind: 'time' | 'key', bytes: Uint8Array): void {
  const ref = refDecodeChunk(type, bytes);
  const real = decodeChunk(type, kind, bytes);
  const head = readChunkHead(bytes, kind);
  expect(ref.keyed).toBe(kind === 'key');
  expect(ref.count).toBe(head.count);
  expect(ref.values).toEqual(asRef(type, real.values));
  if (kind === 'key') {
    expect(ref.keys!.map(hex)).toEqual((real.index as Uint8Array[]).map(hex));
    return;
  }
  expect(ref.times).toEqual([...(real.index as BigInt64Array)]);
  expect([ref.first, ref.last]).toEqual([head.first, head.last]);
  const s = head.summary;
  expect(ref.summary?.n).toBe(s?.values);
  if (s && s.values > 0) {
    const r = ref.summary!.stats!;
    expect([r.min, r.max, r.sum, r.first, r.last].map(f64Bits)).toEqual([s.min, s.max, s.sum, s.first, s.last].map(f64Bits));
    expect([r.minAt, r.maxAt, r.firstAt, r.lastAt]).toEqual([s.minAt, s.maxAt, s.firstAt, s.lastAt]);
  }
}

describe('reference reader (written from the docs) vs the real decoder', () => {
  const codecVectors = JSON.parse(readFileSync(new URL('../fixtures/instrument-codecs.json', import.meta.url), 'utf8')) as CodecVector[];

  it.each(codecVectors.map((v) => [v.name, v] as const))('codec vector %s decodes bit for bit', (_, v) => {
    const bytes = unhex(v.hex);
    const n = v.input.length;
    if (v.kind === 'keys') expect(refDecodeKeys(bytes, n).map(hex)).toEqual(decodeKeys(bytes, n).map(hex));
    else if (v.kind === 'times') expect(refDecodeTimes(bytes, n)).toEqual([...decodeTimes(bytes, n)]);
    else expect(refDecodeValues(v.type!, bytes, n)).toEqual(asRef(v.type!, decodeValues(v.type!, bytes, n)));
    // The vector's own input, read independently of the real decoder.
    const input = inputColumn(v);
    if (v.kind === 'values') expect(refDecodeValues(v.type!, bytes, n)).toEqual(asRef(v.type!, input as InstrumentValues));
  });

  const chunkVectors = JSON.parse(readFileSync(new URL('../fixtures/instrument-chunks.json', import.meta.url), 'utf8')) as { name: string; hex: string }[];

  it.each(chunkVectors.map((v) => [v.name, v] as const))('chunk vector %s decodes bit for bit', (name, v) => {
    const spec = CHUNK_VECTORS.find((c) => c.name === name)!;
    sameChunk(spec.type, spec.kind, unhex(v.hex));
    expect(refDecodeChunk(spec.type, unhex(v.hex)).values).toEqual(asRef(spec.type, spec.values));
  });
});

/** Long float columns (up to 3000 values) of decimals, specials and random doubles. */
const longFloats = fc.tuple(fc.array(fc.oneof({ weight: 4, arbitrary: decimal }, { weight: 1, arbitrary: anyDouble }), { maxLength: 60 }), fc.nat({ max: 3000 })).map(([pool, n]) => {
  const out = new Float64Array(n);
  for (let i = 0; i < n && pool.length > 0; i++) out[i] = pool[(i * 7919) % pool.length]!;
  return out;
});

/** Times: regular (maybe with gaps), irregular ascending, or any order (times streams hold any int64). */
const timesColumn = fc.oneof(
  fc.tuple(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.nat({ max: 3000 }), fc.array(fc.nat({ max: 3000 }), { maxLength: 5 })).map(([t0, step, n, gaps]) =>
    BigInt64Array.from({ length: n }, (_, i) => t0 + BigInt(i) * step + BigInt(gaps.filter((g) => g < i).length) * step * 7n),
  ),
  fc.array(fc.bigInt({ min: 1n, max: 10n ** 7n }), { maxLength: 1500 }).map((steps) => {
    let t = 1_700_000_000_000_000n;
    return BigInt64Array.from(steps, (s) => (t += s));
  }),
  int64Column,
);

describe('reference reader: random columns by the real encoders', () => {
  it('value columns of every type decode identically', () => {
    fc.assert(
      fc.property(anyColumn, ({ type, values }) => {
        const bytes = encodeValues(type, values as never);
        expect(refDecodeValues(type, bytes, values.length)).toEqual(asRef(type, decodeValues(type, bytes, values.length)));
      }),
      { numRuns: 300 },
    );
  });

  it('long float64 and float32 columns decode identically', () => {
    fc.assert(
      // Mode 2 is float32 values widened to float64, the alp-float32 case.
      fc.property(longFloats, fc.integer({ min: 0, max: 2 }), (f64, mode) => {
        const type = mode === 1 ? 'float32' : 'float64';
        const values = mode === 1 ? Float32Array.from(f64) : mode === 2 ? f64.map(Math.fround) : f64;
        const bytes = encodeValues(type, values);
        expect(refDecodeValues(type, bytes, values.length)).toEqual(asRef(type, decodeValues(type, bytes, values.length)));
      }),
      { numRuns: 40 },
    );
  });

  it('times and keys decode identically', () => {
    fc.assert(
      fc.property(timesColumn, sortedKeys, (times, keys) => {
        const tb = encodeTimes(times);
        expect(refDecodeTimes(tb, times.length)).toEqual([...decodeTimes(tb, times.length)]);
        const kb = encodeKeys(keys);
        expect(refDecodeKeys(kb, keys.length).map(hex)).toEqual(keys.map(hex));
      }),
      { numRuns: 200 },
    );
  });

  it('whole chunks of every type decode identically', () => {
    // Any span, up to the whole int64 range (spans are unsigned 64-bit).
    const ascending = timesColumn.map((t) => BigInt64Array.from(new Set(t)).sort()).filter((t) => t.length > 0);
    fc.assert(
      fc.property(anyColumn, ascending, sortedKeys, ({ type, values }, times, keys) => {
        const n = Math.min(values.length, times.length);
        if (n === 0) return;
        const cut = values.slice(0, n) as InstrumentValues;
        sameChunk(type, 'time', encodeChunk(type, 'time', times.slice(0, n), cut));
        const k = Math.min(values.length, keys.length);
        if (k > 0) sameChunk(type, 'key', encodeChunk(type, 'key', keys.slice(0, k), values.slice(0, k)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('reference reader: a store read by walking its engine namespace', () => {
  it('gives the points of read() and the head record counts (time series and keyed)', async () => {
    const engine = memoryEngine();
    const store = await open({ engine });
    try {
      const ts = await store.instrument('temp', { type: 'float64', index: 'time' });
      const n = 2500;
      await ts.append(BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 1_000n), Float64Array.from({ length: n }, (_, i) => (i % 97) / 4));
      // A late write into the middle splits a chunk; a delete cuts and drops chunks.
      await ts.append(BigInt64Array.from({ length: 900 }, (_, i) => BigInt(i) * 1_000n + 500n), Float64Array.from({ length: 900 }, (_, i) => -i));
      await ts.delete({ gte: 2_000_000n, lt: 2_300_000n });
      const kc = await store.instrument('towns', { type: 'string', index: 'key' });
      await kc.put(Array.from({ length: 3000 }, (_, i) => `town-${String(i).padStart(5, '0')}`), Array.from({ length: 3000 }, (_, i) => (i % 5 === 0 ? null : `v${i % 13}`)));

      const walked = await walk(engine, 'temp', 'float64');
      const rows = await ts.read({});
      expect(walked.times).toEqual([...rows.times]);
      expect(walked.values).toEqual(asRef('float64', rows.values));
      const info = await ts.info();
      expect([walked.head.points, walked.head.chunks, walked.head.bytes]).toEqual([BigInt(info.points), BigInt(info.chunks), BigInt(info.bytes)]);
      expect(walked.head.points).toBe(BigInt(walked.times.length));
      expect(walked.meta).toEqual({ format: 1, type: 'float64', index: 'time' });

      const kw = await walk(engine, 'towns', 'string');
      const krows = await kc.read({ keyEncoding: 'utf8' });
      expect(kw.keys.map((k) => new TextDecoder().decode(k))).toEqual(krows.keys);
      expect(kw.values).toEqual(krows.values);
      expect(kw.head.points).toBe(3000n);
    } finally {
      await store.close();
    }
  });
});

/** Reads an instrument namespace with the reference reader only. */
async function walk(engine: ReturnType<typeof memoryEngine>, name: string, type: string) {
  let meta: unknown;
  let head: ReturnType<typeof refDecodeHead> | undefined;
  const times: bigint[] = [];
  const keys: Uint8Array[] = [];
  const values: RefValue[] = [];
  let chunks = 0n;
  let bytes = 0n;
  for await (const { key, value } of engine.range(`instrument:${name}`)) {
    if (key.length === 1 && key[0] === 0) meta = JSON.parse(new TextDecoder().decode(value));
    else if (key.length === 1 && key[0] === 1) head = refDecodeHead(value);
    else {
      const chunk = refDecodeChunk(type, value);
      chunks++;
      bytes += BigInt(value.length);
      if (chunk.keyed) {
        expect(hex(refChunkKeyKey(key))).toBe(hex(chunk.keys![0]!));
        keys.push(...chunk.keys!);
      } else {
        expect(refChunkKeyTime(key)).toBe(chunk.first);
        // Chunks do not overlap: each starts after the previous one's last point.
        if (times.length > 0) expect(chunk.first! > times[times.length - 1]!).toBe(true);
        times.push(...chunk.times!);
      }
      values.push(...chunk.values);
    }
  }
  expect(head).toBeDefined();
  expect([head!.chunks, head!.bytes]).toEqual([chunks, bytes]);
  return { meta, head: head!, times, keys, values };
}

/** Runs both decoders: both refuse (RefMalformed / CHUNK_MALFORMED) or both give the same values. */
function agree(ref: () => unknown, real: () => unknown): void {
  const run = (f: () => unknown): { ok: true; v: unknown } | { ok: false; e: unknown } => {
    try {
      return { ok: true, v: f() };
    } catch (e) {
      return { ok: false, e };
    }
  };
  const a = run(ref);
  const b = run(real);
  // Values beyond 2^53 come only from damaged streams; the docs leave their decoding open.
  if (!a.ok && a.e instanceof RefUnspecified) return;
  if (!a.ok) expect(a.e).toBeInstanceOf(RefMalformed);
  if (!b.ok) expect((b.e as { code?: string }).code).toBe('CHUNK_MALFORMED');
  expect({ ref: a.ok ? 'decodes' : String(a.e), real: b.ok ? 'decodes' : String(b.e) }).toEqual(
    a.ok === b.ok ? { ref: a.ok ? 'decodes' : String(a.e), real: b.ok ? 'decodes' : String(b.e) } : { ref: 'same', real: 'same' },
  );
  if (a.ok && b.ok) expect(a.v).toEqual(b.v);
}

/** A damaged copy: one byte changed, bytes cut off, or a byte inserted. */
const damage = (bytes: Uint8Array) =>
  fc.oneof(
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const out = bytes.slice();
      if (out.length > 0) out[i % out.length] = out[i % out.length]! ^ x;
      return out;
    }),
    fc.nat().map((i) => bytes.slice(0, bytes.length === 0 ? 0 : i % bytes.length)),
    fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([i, x]) => {
      const at = i % (bytes.length + 1);
      return Uint8Array.of(...bytes.subarray(0, at), x, ...bytes.subarray(at));
    }),
  );

describe('reference reader: damaged streams are refused by both decoders alike', () => {
  it('value columns', () => {
    fc.assert(
      fc.property(
        anyColumn.chain(({ type, values }) => {
          const bytes = encodeValues(type, values as never);
          return fc.tuple(fc.constant(type), damage(bytes), fc.constantFrom(values.length, values.length + 1, Math.max(0, values.length - 1)));
        }),
        ([type, bytes, n]) => {
          agree(() => refDecodeValues(type, bytes, n), () => asRef(type, decodeValues(type, bytes, n)));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('times and keys', () => {
    fc.assert(
      fc.property(
        timesColumn.chain((t) => fc.tuple(fc.constant(t.length), damage(encodeTimes(t)))),
        sortedKeys.chain((k) => fc.tuple(fc.constant(k.length), damage(encodeKeys(k)))),
        ([tn, tb], [kn, kb]) => {
          agree(() => refDecodeTimes(tb, tn), () => [...decodeTimes(tb, tn)]);
          agree(() => refDecodeKeys(kb, kn).map(hex), () => decodeKeys(kb, kn).map(hex));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('chunks', () => {
    fc.assert(
      fc.property(
        anyColumn.filter(({ values }) => values.length > 0).chain(({ type, values }) => {
          const times = BigInt64Array.from({ length: values.length }, (_, i) => 1_700_000_000_000_000n + BigInt(i * i) * 1000n);
          return fc.tuple(fc.constant(type), damage(encodeChunk(type, 'time', times, values)));
        }),
        ([type, bytes]) => {
          agree(
            () => {
              const c = refDecodeChunk(type, bytes);
              return [c.times, c.values];
            },
            () => {
              const c = decodeChunk(type, 'time', bytes);
              return [[...(c.index as BigInt64Array)], asRef(type, c.values)];
            },
          );
        },
      ),
      { numRuns: 600 },
    );
  });
});
