// Real series (vega-datasets) through a store: every value and time back bit for bit, and the
// chunks small — the compression the W7 benchmark reports, held here as a size bound.
import { describe, expect, it } from 'vitest';
import { storeTarget } from '../helpers/store-targets.js';
import { vegaSeries } from '../helpers/vega-series.js';
import { bitsOf } from './instrument-suite.js';

describe('real series in a store', () => {
  it('round-trip every vega-datasets series and store them in far fewer bytes than raw', async () => {
    const store = await storeTarget('lmdb').open();
    let raw = 0;
    let stored = 0;
    for (const [i, s] of vegaSeries().entries()) {
      const ts = await store.instrument(`s${i}`, { type: 'float64', index: 'time' });
      await ts.append(s.times, s.values);
      const back = await ts.read();
      expect([...back.times], s.name).toEqual([...s.times]);
      expect(bitsOf(back.values as Float64Array), s.name).toBe(bitsOf(s.values));
      const info = await ts.info();
      raw += 16 * s.values.length;
      stored += info.bytes;
    }
    // 16 raw bytes per (time, value) point; the chunks hold them in under a tenth (headers included).
    expect(stored / raw).toBeLessThan(0.1);
  });

  it('round-trip the daily Seattle weather as an aligned table of four series', async () => {
    const store = await storeTarget('memory').open();
    const columns = vegaSeries().filter((s) => s.name.startsWith('seattle-weather.csv:'));
    for (const s of columns) await (await store.instrument(s.name.split(':')[1]!, { type: 'float64', index: 'time' })).append(s.times, s.values);
    const table = await store.align(['precipitation', 'temp_max', 'temp_min', 'wind']);
    expect(table.times!.length).toBe(1461);
    for (const s of columns) expect(bitsOf(table.columns[s.name.split(':')[1]!] as Float64Array)).toBe(bitsOf(s.values));
  });
});
