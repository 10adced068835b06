// ./examples/instruments.ts — a time series: append, read a range, downsample; run: npx tsx examples/instruments.ts [dir]
import { open } from 'keepr';

const store = await open(process.argv[2] ?? './data');
const temp = await store.instrument('temp', { type: 'float64', index: 'time' });
const start = Date.UTC(2026, 0, 1) * 1000; // µs
const times = Array.from({ length: 10_000 }, (_, i) => BigInt(start + i * 60_000_000)); // one a minute
await temp.append(times, times.map((_, i) => Math.round(Math.sin(i / 500) * 1000) / 100));
const hour = await temp.read({ gte: times[60], lt: times[120] });
const daily = await temp.downsample({ every: 86_400_000_000n, ops: ['min', 'max'] });
console.log(hour.times.length, (await temp.info()).points, 'max', daily.columns.max?.[0]);
await store.close();
