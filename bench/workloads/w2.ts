/**
 * W2 batched durable writes: `w2Entries` 1 KiB values in transactions of `w2Batch`, each
 * durable before the next starts. Each batch's blocks are built before its timer starts, so
 * only the write and the flush are timed (latency percentiles are per commit). Answers: every
 * key is read back byte for byte afterwards.
 */
import { createAdapter } from '../engines/index.js';
import { entries, keyOf, verifyValue } from '../lib/data.js';
import { Latencies, nowUs } from '../lib/stats.js';
import { PG_GROUP } from '../lib/postgres-goals.js';
import { parseContender, type CaseContext, type CaseResult, type WorkloadDef } from './types.js';

const READER: Record<string, string> = { keepr: 'getSync', lmdb: 'getBinary', level: 'getSync', sqlite: 'get' };

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { family } = parseContender(contender);
  const { w2Entries: count, w2Batch: size } = ctx.sizes;
  const adapter = createAdapter(family);
  await adapter.open(ctx.dir);
  try {
    const lat = new Latencies(Math.ceil(count / size));
    let writeUs = 0;
    ctx.mem.start();
    const wallStarted = nowUs();
    for (let from = 0; from < count; from += size) {
      const batch = entries(ctx.seed, from, Math.min(count, from + size));
      ctx.mem.sample();
      const t = nowUs();
      await adapter.writeBatch(batch);
      const took = nowUs() - t;
      writeUs += took;
      lat.add(took);
    }
    const wallSeconds = (nowUs() - wallStarted) / 1e6;
    ctx.mem.freeze();

    const reader = adapter.reader(READER[family] ?? 'get');
    for (let i = 0; i < count; i++) {
      const value = reader.kind === 'sync' ? reader.get(keyOf(i)) : await reader.get(keyOf(i));
      verifyValue(ctx.seed, i, value, contender);
    }
    return {
      ops: count,
      seconds: writeUs / 1e6,
      ...lat.summary(),
      latencyPer: `commit of ${size}`,
      commits: lat.length,
      wallSeconds,
      verified: `all ${count} values read back byte for byte`,
    };
  } finally {
    await adapter.close();
  }
}

export const w2: WorkloadDef = {
  id: 'w2',
  title: 'W2 batched durable writes: 1 KiB values, durable commit per batch',
  contenders: () => [
    { id: 'keepr.write', peers: [], primary: true },
    { id: 'lmdb.transaction', peers: [] },
    { id: 'keepr-level.write', peers: [] },
    { id: 'level.batch', peers: ['classic-level'] },
    { id: 'sqlite.transaction', peers: ['better-sqlite3'] },
    { id: 'keepr-pg.write', peers: [], group: PG_GROUP, primary: true, postgres: true },
    { id: 'pg.batch', peers: [], group: PG_GROUP, postgres: true },
  ],
  run,
};
