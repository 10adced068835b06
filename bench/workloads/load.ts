/** Loading the data a read workload needs, batched, through the contender's own writes. */
import { createAdapter } from '../engines/index.js';
import type { Adapter } from '../engines/types.js';
import { entries } from '../lib/data.js';
import type { CaseContext, PrepareResult } from './types.js';

/** Writes keys 0 to `count - 1` in transactions of `ctx.sizes.loadBatch`; returns the seconds taken. */
export async function load(adapter: Adapter, count: number, ctx: CaseContext): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < count; from += ctx.sizes.loadBatch) {
    await adapter.writeBatch(entries(ctx.seed, from, Math.min(count, from + ctx.sizes.loadBatch)));
    ctx.mem.sample();
  }
  return (performance.now() - started) / 1000;
}

/** A prepare step: opens `family` in `ctx.dir`, loads keys 0 to `count - 1`, closes it. */
export async function prepareKeys(family: string, count: number, ctx: CaseContext): Promise<PrepareResult> {
  const adapter = createAdapter(family);
  await adapter.open(ctx.dir);
  try {
    return { entries: count, loadSeconds: await load(adapter, count, ctx) };
  } finally {
    await adapter.close();
  }
}
