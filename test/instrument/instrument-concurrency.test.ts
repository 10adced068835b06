// Two stores (as two processes would) writing one instrument at once on a shared PostgreSQL
// schema: the head check makes the loser of each race retry on fresh chunks, so no write is lost
// and no chunk overlaps another.
import { describe, expect, it } from 'vitest';
import { storeTarget } from '../helpers/store-targets.js';

describe('instrument writers on two stores sharing one PostgreSQL schema', () => {
  it('interleave appends and late writes without losing any point', async () => {
    const target = storeTarget('postgres');
    const [a, b] = [await target.open(), await target.open()];
    const sa = await a.instrument('shared', { type: 'int32', index: 'time' });
    const sb = await b.instrument('shared', { type: 'int32', index: 'time' });
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 20; round++) {
      // Even µs from one store, odd from the other, in overlapping ranges: the same chunks.
      const even = Array.from({ length: 150 }, (_, i) => BigInt(round * 300 + 2 * i));
      const odd = Array.from({ length: 150 }, (_, i) => BigInt(round * 300 + 2 * i + 1));
      writes.push(sa.append(even, even.map(Number)), sb.append(odd, odd.map(Number)));
    }
    await Promise.all(writes);
    const { times, values } = await sa.read();
    expect(times.length).toBe(6000);
    expect([...times].every((t, i) => t === BigInt(i) && values[i] === i)).toBe(true);
    expect((await sb.info()).points).toBe(6000);
  }, 60_000);
});
