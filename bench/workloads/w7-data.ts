/**
 * W7's data: the real series of `vega-datasets` and three generated ones, all deterministic from
 * the seed, and the random walk the speed runs append (regenerable piecewise, so a reader can
 * recompute any range it gets back).
 */
import { Rng, mix32 } from '../lib/data.js';
import { vegaSeries } from '../../test/helpers/vega-series.js';

/** One series of the compression table. */
export interface Series {
  readonly name: string;
  readonly kind: 'real' | 'generated';
  readonly times: BigInt64Array;
  readonly values: Float64Array;
}

/** 2024-01-01T00:00:00Z in µs: where the generated series start. */
export const T0 = 1_704_067_200_000_000;
/** The generated regular interval: 1 s in µs. */
export const SECOND_US = 1_000_000;

/** µs times `first + i * step` as a BigInt64Array (µs below 2^53, so doubles are exact). */
export function regularTimes(first: number, step: number, count: number): BigInt64Array {
  const out = new BigInt64Array(count);
  for (let i = 0; i < count; i++) out[i] = BigInt(first + i * step);
  return out;
}

/** The walk's step at point `i`: -20 to +20 cents, from the seed and `i` alone. */
function stepCents(seed: number, i: number): number {
  return (mix32(seed ^ Math.imul(i + 1, 0x9e3779b1)) % 41) - 20;
}

/** Where the walk starts: 1,000.00. */
export const WALK_START_CENTS = 100_000;

/**
 * Points `from` to `from + count - 1` of the random walk (2 decimals, one point a second from
 * {@link T0}): value i = cents_i / 100 where cents_i = cents_(i-1) + step(i), and `cents` is
 * cents_(from-1) (the value before `from`; {@link WALK_START_CENTS} for `from` 0). Returns the
 * cents of the last point, to continue from.
 */
export function walk(seed: number, from: number, count: number, cents: number): { times: BigInt64Array; values: Float64Array; cents: number } {
  const values = new Float64Array(count);
  let c = cents;
  for (let i = 0; i < count; i++) {
    c += stepCents(seed, from + i);
    values[i] = c / 100;
  }
  return { times: regularTimes(T0 + from * SECOND_US, SECOND_US, count), values, cents: c };
}

/** A standard normal deviate (Box–Muller) from two draws of `rng`. */
function gaussian(rng: Rng): number {
  const u = (rng.next() + 1) / 4294967297;
  const v = rng.next() / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * The generated series, `count` points each: `walk-2dp-1s` (the speed runs' random walk),
 * `sensor-full-1s` (a temperature-like sine of period one hour plus Gaussian noise: every bit
 * of the mantissa used, one point a second), `irregular-1dp` (a random walk in steps of 0.1 at
 * random gaps of 1 ms to 2 s, in whole ms).
 */
export function generatedSeries(seed: number, count: number): Series[] {
  const rng = new Rng(seed ^ 0x5e4502);
  const sensor = new Float64Array(count);
  for (let i = 0; i < count; i++) sensor[i] = 20 + 3 * Math.sin((2 * Math.PI * i) / 3600) + 0.05 * gaussian(rng);
  const irregularTimes = new BigInt64Array(count);
  const irregular = new Float64Array(count);
  let t = T0;
  let tenths = 200;
  for (let i = 0; i < count; i++) {
    t += (1 + rng.below(2000)) * 1000;
    tenths += rng.below(11) - 5;
    irregularTimes[i] = BigInt(t);
    irregular[i] = tenths / 10;
  }
  const w = walk(seed, 0, count, WALK_START_CENTS);
  return [
    { name: 'walk-2dp-1s', kind: 'generated', times: w.times, values: w.values },
    { name: 'sensor-full-1s', kind: 'generated', times: regularTimes(T0, SECOND_US, count), values: sensor },
    { name: 'irregular-1dp', kind: 'generated', times: irregularTimes, values: irregular },
  ];
}

/** Every real series of `vega-datasets` (the first `limit` points of each; 0: all of them). */
export function realSeries(limit: number): Series[] {
  return vegaSeries().map((s) => {
    const n = limit === 0 ? s.values.length : Math.min(limit, s.values.length);
    return { name: s.name, kind: 'real', times: s.times.subarray(0, n), values: s.values.subarray(0, n) };
  });
}
