import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKeys, decodeTimes, decodeValues, encodeKeys, encodeTimes, encodeValues, valueCodecName } from '../../../src/instrument/codec/index.js';
import { INSTRUMENT_TYPES, type InstrumentType, type InstrumentValuesMap } from '../../../src/instrument/instrument-types.js';
import { codeOf } from '../../helpers/error-code.js';
import { mulberry32 } from '../../helpers/mulberry32.js';
import { NA_F64_BITS, anyColumn, boolColumn, bytesOf, f64FromBits, float32Column, float64Column, int64Column, intColumn, sameColumn, sortedKeys, stringColumn, withNA } from './codec-arbitraries.js';

function roundTrip<T extends InstrumentType>(type: T, values: InstrumentValuesMap[T]): InstrumentValuesMap[T] {
  const bytes = encodeValues(type, values);
  return decodeValues(type, bytes, values.length);
}

function expectRoundTrip<T extends InstrumentType>(type: T, values: InstrumentValuesMap[T]): void {
  const back = roundTrip(type, values);
  expect(sameColumn(back, values), `${type} ${valueCodecName(encodeValues(type, values))}`).toBe(true);
}

describe('instrument codecs: decode(encode(x)) is x bit for bit', () => {
  it('float64: NaN payloads, NA, −0, ±Inf, extremes, decimals, runs', () => {
    fc.assert(fc.property(float64Column, (v) => { expectRoundTrip('float64', v); }), { numRuns: 400 });
  });

  it('float32: NaN payloads, −0, ±Inf, decimals', () => {
    fc.assert(fc.property(float32Column, (v) => { expectRoundTrip('float32', v); }), { numRuns: 300 });
  });

  it('int64, time and uint64: sorted, random, extremes and NA', () => {
    fc.assert(
      fc.property(int64Column, (v) => {
        expectRoundTrip('int64', v);
        expectRoundTrip('time', v);
        expectRoundTrip('uint64', new BigUint64Array(v.buffer));
      }),
      { numRuns: 300 },
    );
  });

  it.each(['int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32'] as const)('%s: extremes, NA, runs', (type) => {
    fc.assert(fc.property(intColumn(type), (v) => { expectRoundTrip(type, v); }), { numRuns: 150 });
  });

  it('bool: 0, 1, NA and other bytes', () => {
    fc.assert(fc.property(boolColumn, (v) => { expectRoundTrip('bool', v); }), { numRuns: 200 });
  });

  it('string and factor: NA stays distinct from the empty string', () => {
    fc.assert(
      fc.property(stringColumn, (v) => {
        expectRoundTrip('string', v);
        expectRoundTrip('factor', v);
      }),
      { numRuns: 200 },
    );
    const back = roundTrip('string', ['', null, 'a', null, '']);
    expect(back).toEqual(['', null, 'a', null, '']);
  });

  it('times: any int64 values, sorted or not', () => {
    fc.assert(
      fc.property(int64Column, (t) => {
        const back = decodeTimes(encodeTimes(t), t.length);
        expect(Buffer.from(bytesOf(back)).equals(Buffer.from(bytesOf(t)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keys: sorted distinct binary keys', () => {
    fc.assert(
      fc.property(sortedKeys, (keys) => {
        const back = decodeKeys(encodeKeys(keys), keys.length);
        expect(back.map((k) => Buffer.from(k).toString('hex'))).toEqual(keys.map((k) => Buffer.from(k).toString('hex')));
      }),
      { numRuns: 300 },
    );
  });

  it('every type: empty, single value, long constant run', () => {
    fc.assert(
      fc.property(anyColumn, ({ type, values }) => {
        expectRoundTrip(type, values);
        expectRoundTrip(type, values.slice(0, 1) as typeof values);
        expectRoundTrip(type, values.slice(0, 0) as typeof values);
      }),
      { numRuns: 300 },
    );
    for (const type of INSTRUMENT_TYPES) {
      const one = type === 'string' || type === 'factor' ? Array<string>(5000).fill('x') : null;
      if (one !== null) expectRoundTrip(type, one);
    }
    expectRoundTrip('float64', new Float64Array(100_000).fill(21.5));
    expectRoundTrip('int32', new Int32Array(100_000).fill(-7));
    expectRoundTrip('time', new BigInt64Array(100_000).fill(1_700_000_000_000_000n));
  });
});

describe('instrument codecs: the choices and sizes', () => {
  it('regular times cost a few bytes per chunk in total', () => {
    for (const step of [1_000_000n, 3_600_000_000n, 86_400_000_000n]) {
      const t = BigInt64Array.from({ length: 1024 }, (_, i) => 1_600_000_000_000_000n + BigInt(i) * step);
      const bytes = encodeTimes(t);
      expect(bytes.length).toBeLessThanOrEqual(16);
      expect(valueCodecName(bytes)).toBe('delta-bitpack');
    }
  });

  it('times with a gap use delta runs', () => {
    const t = BigInt64Array.from({ length: 1024 }, (_, i) => BigInt(i < 500 ? i : i + 100) * 60_000_000n);
    const bytes = encodeTimes(t);
    expect(valueCodecName(bytes)).toBe('delta-runs');
    expect(bytes.length).toBeLessThanOrEqual(24);
  });

  it('decimals choose ALP, full-precision noise chooses XOR, incompressible bits choose raw', () => {
    const random = mulberry32(7);
    const walk = new Float64Array(1024);
    let x = 10_000;
    for (let i = 0; i < walk.length; i++) walk[i] = (x += Math.round((random() - 0.5) * 100)) / 100;
    expect(valueCodecName(encodeValues('float64', walk))).toBe('alp');
    const noisy = Float64Array.from({ length: 1024 }, (_, i) => 20 + Math.sin(i / 50) * 5 + random());
    expect(valueCodecName(encodeValues('float64', noisy))).toBe('xor');
    const bits = new Float64Array(new Uint32Array(Array.from({ length: 2048 }, () => Math.floor(random() * 2 ** 32))).buffer);
    expect(valueCodecName(encodeValues('float64', bits))).toBe('raw');
  });

  it('ALP keeps NA, NaN payloads, −0 and ±Inf as exceptions', () => {
    const decimals = Array.from({ length: 40 }, (_, i) => i * 0.25);
    const v = withNA(Float64Array.from([1.5, -0, 2.25, Infinity, -Infinity, f64FromBits(0x7ff8_0000_dead_beefn), 3.75, 0, 4.5, ...decimals]), [2]);
    const bytes = encodeValues('float64', v);
    expect(valueCodecName(bytes)).toBe('alp');
    const back = decodeValues('float64', bytes, v.length);
    expect(new BigUint64Array(back.buffer)[2]).toBe(NA_F64_BITS);
    expect(sameColumn(back, v)).toBe(true);
  });

  it('integers: constant deltas, runs of one value and skewed values each find their mode', () => {
    expect(valueCodecName(encodeValues('int32', Int32Array.from({ length: 1000 }, (_, i) => 5 + 3 * i)))).toBe('delta-bitpack');
    expect(valueCodecName(encodeValues('int32', Int32Array.from({ length: 1000 }, (_, i) => Math.floor(i / 100) * 1000)))).toBe('rle');
    const random = mulberry32(3);
    const skewed = Int32Array.from({ length: 2000 }, () => (random() < 0.8 ? 0 : Math.floor(random() * 500)));
    expect(valueCodecName(encodeValues('int32', skewed))).toBe('huffman');
    const na = Int32Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? -0x80000000 : i));
    const back = decodeValues('int32', encodeValues('int32', na), 100);
    expect(Array.from(back)).toEqual(Array.from(na));
  });

  it('strings by dictionary; bools with NA pack into two bits or less', () => {
    const s = Array.from({ length: 1000 }, (_, i) => ['a', 'b', null, ''][i % 4]!);
    expect(valueCodecName(encodeValues('string', s))).toBe('dict');
    const b = Uint8Array.from({ length: 1000 }, (_, i) => [0, 1, 0xff][i % 3]!);
    const bytes = encodeValues('bool', b);
    expect(valueCodecName(bytes)).toBe('bool');
    expect(bytes.length).toBeLessThanOrEqual(1000 / 4 + 8);
  });

  it('bad encoder input is ARGUMENT_INVALID', () => {
    expect(codeOf(() => encodeValues('float64', [1, 2] as unknown as Float64Array))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeValues('int32', new Float64Array(2) as unknown as Int32Array))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeValues('string', [1] as unknown as string[]))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeValues('string', ['\ud800']))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeValues('nope' as InstrumentType, new Float64Array(1) as never))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeTimes([1n] as unknown as BigInt64Array))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeKeys([Uint8Array.of(2), Uint8Array.of(1)]))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeKeys([Uint8Array.of(1), Uint8Array.of(1)]))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => encodeValues('uint8', new Uint8Array(2 ** 24 + 1)))).toBe('ARGUMENT_INVALID');
  });
});
