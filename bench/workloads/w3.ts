/**
 * W3 durable single writes: `w3Puts` puts of 1 KiB, each its own durable transaction, by one
 * writer awaiting each (`:1`) or by 10 concurrent writers each doing its share in sequence
 * (`:10`), after 1,000 untimed warm-up puts (the same for every contender: JIT-compiled code paths warm up). Every put is timed. Answers: every key is read back byte for byte afterwards.
 */
import { createAdapter } from '../engines/index.js';
import { entryOf, type Entry, keyOf, verifyValue } from '../lib/data.js';
import { Latencies, nowUs } from '../lib/stats.js';
import { PG_GROUP } from '../lib/postgres-goals.js';
import { parseContender, type CaseContext, type CaseResult, type ContenderDef, type WorkloadDef } from './types.js';

const SPACE = 's';
const WARMUP_PUTS = 1000;
const READER: Record<string, string> = { keepr: 'getSync', lmdb: 'getBinary', level: 'getSync', sqlite: 'get' };
/** Writer counts measured. */
export const W3_WRITERS = [1, 10] as const;

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { family, variant } = parseContender(contender);
  const writers = Number(variant ?? '1');
  if (!Number.isInteger(writers) || writers < 1) throw new Error(`bad writer count in ${contender}`);
  const perWriter = Math.ceil(ctx.sizes.w3Puts / writers);
  const total = perWriter * writers;
  const adapter = createAdapter(family);
  await adapter.open(ctx.dir);
  try {
    // Warm-up (JIT, first transactions) in another key space, then each writer's entries, built
    // before the clock starts.
    for (let i = 0; i < Math.min(WARMUP_PUTS, total); i++) await adapter.put(entryOf(ctx.seed, i, 'w'));
    const work: Entry[][] = Array.from({ length: writers }, (_, w) => Array.from({ length: perWriter }, (_, j) => entryOf(ctx.seed, w * perWriter + j, SPACE)));
    ctx.mem.sample();
    ctx.mem.start();
    const lat = new Latencies(total);
    const started = nowUs();
    await Promise.all(
      work.map(async (mine) => {
        for (const entry of mine) {
          const t = nowUs();
          await adapter.put(entry);
          lat.add(nowUs() - t);
        }
      }),
    );
    const seconds = (nowUs() - started) / 1e6;
    ctx.mem.freeze();

    const reader = adapter.reader(READER[family] ?? 'get');
    for (let i = 0; i < total; i++) {
      const value = reader.kind === 'sync' ? reader.get(keyOf(i, SPACE)) : await reader.get(keyOf(i, SPACE));
      verifyValue(ctx.seed, i, value, contender, SPACE);
    }
    return { ops: total, seconds, ...lat.summary(), writers, verified: `all ${total} values read back byte for byte` };
  } finally {
    await adapter.close();
  }
}

function contenders(): ContenderDef[] {
  return W3_WRITERS.flatMap((n) => [
    { id: `keepr.put:${n}`, peers: [], group: `${n} writer${n === 1 ? '' : 's'}`, primary: true },
    { id: `lmdb.put:${n}`, peers: [], group: `${n} writer${n === 1 ? '' : 's'}` },
    { id: `keepr-level.put:${n}`, peers: [], group: `${n} writer${n === 1 ? '' : 's'}` },
    { id: `level.put:${n}`, peers: ['classic-level'], group: `${n} writer${n === 1 ? '' : 's'}` },
    { id: `sqlite.run:${n}`, peers: ['better-sqlite3'], group: `${n} writer${n === 1 ? '' : 's'}` },
    { id: `keepr-pg.put:${n}`, peers: [], group: `${n} writer${n === 1 ? '' : 's'}, ${PG_GROUP}`, primary: true, postgres: true },
    { id: `pg.upsert:${n}`, peers: [], group: `${n} writer${n === 1 ? '' : 's'}, ${PG_GROUP}`, postgres: true },
  ]);
}

export const w3: WorkloadDef = {
  id: 'w3',
  title: 'W3 durable single writes: one put per durable transaction (1 writer; 10 concurrent writers)',
  contenders,
  run,
};
