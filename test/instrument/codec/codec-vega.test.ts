import { describe, expect, it } from 'vitest';
import { decodeTimes, decodeValues, encodeTimes, encodeValues, valueCodecName } from '../../../src/instrument/codec/index.js';
import { vegaSeries } from '../../helpers/vega-series.js';
import { sameColumn } from './codec-arbitraries.js';

const CHUNK = 1024;

describe('instrument codecs on the real vega-datasets series', () => {
  const series = vegaSeries();

  it('has the series', () => {
    expect(series.length).toBeGreaterThan(20);
  });

  it.each(series.map((s) => [s.name, s] as const))('%s: values and times round-trip, whole and in 1,024-point chunks', (_, s) => {
    const n = s.values.length;
    const values = encodeValues('float64', s.values);
    expect(sameColumn(decodeValues('float64', values, n), s.values)).toBe(true);
    expect(sameColumn(decodeTimes(encodeTimes(s.times), n), s.times)).toBe(true);
    for (let at = 0; at < Math.min(n, 20 * CHUNK); at += CHUNK) {
      const v = s.values.subarray(at, at + CHUNK);
      const t = s.times.subarray(at, at + CHUNK);
      expect(sameColumn(decodeValues('float64', encodeValues('float64', v), v.length), v)).toBe(true);
      expect(sameColumn(decodeTimes(encodeTimes(t), t.length), t)).toBe(true);
    }
    // Decimal columns are what ALP is for; integer columns are decimals with e ≤ 0.
    if (s.kind !== 'float32') expect(valueCodecName(values)).toBe('alp');
    // Never larger than the raw float64 bytes.
    expect(values.length).toBeLessThanOrEqual(1 + 8 * n);
  });

  it('regular daily and hourly times cost almost nothing', () => {
    for (const s of series.filter((x) => x.name.startsWith('seattle-weather'))) {
      const bits = (encodeTimes(s.times).length * 8) / s.times.length;
      expect(bits).toBeLessThan(0.1);
    }
  });

  it('float32 series stored as float64 round-trip through the float32 columns too', () => {
    for (const s of series.filter((x) => x.kind === 'float32')) {
      const f32 = Float32Array.from(s.values);
      expect(sameColumn(decodeValues('float32', encodeValues('float32', f32), f32.length), f32)).toBe(true);
      expect(valueCodecName(encodeValues('float64', s.values))).toBe('alp-float32');
    }
  });
});
