/**
 * W4 range scan: `w4Keys` consecutive keys with 1 KiB values (loaded by the prepare step),
 * scanned in key order: one untimed warm-up scan, then three timed scans. Answers: one more
 * scan checks every key's order and value byte for byte.
 */
import { createAdapter } from '../engines/index.js';
import type { Scanner, Visit } from '../engines/types.js';
import { VALUE_BYTES, keyOf, verifyValue } from '../lib/data.js';
import { nowUs } from '../lib/stats.js';
import { prepareKeys } from './load.js';
import { PG_GROUP } from '../lib/postgres-goals.js';
import { parseContender, type CaseContext, type CaseResult, type WorkloadDef } from './types.js';

const REPEATS = 3;

async function scan(scanner: Scanner, visit: Visit): Promise<number> {
  return scanner.scan(visit);
}

function keyText(key: string | Uint8Array): string {
  return typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8');
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { family, method } = parseContender(contender);
  const count = ctx.sizes.w4Keys;
  const adapter = createAdapter(family);
  await adapter.open(ctx.dir);
  try {
    const scanner = adapter.scanner(method);
    let bytes = 0;
    const visit: Visit = (_key, value) => {
      bytes += value.length;
    };
    await scan(scanner, visit);
    ctx.mem.sample();
    ctx.mem.start(10);
    bytes = 0;
    let seen = 0;
    const scans: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t = nowUs();
      seen += await scan(scanner, visit);
      scans.push((nowUs() - t) / 1e6);
      ctx.mem.sample();
    }
    ctx.mem.freeze();
    if (seen !== REPEATS * count || bytes !== REPEATS * count * VALUE_BYTES) {
      throw new Error(`${contender}: scans saw ${seen} entries and ${bytes} bytes, expected ${REPEATS * count} and ${REPEATS * count * VALUE_BYTES}`);
    }

    let index = 0;
    await scan(scanner, (key, value) => {
      const text = keyText(key);
      if (text !== keyOf(index)) throw new Error(`${contender}: entry ${index} has key ${text}, expected ${keyOf(index)}`);
      verifyValue(ctx.seed, index, value, contender);
      index++;
    });
    if (index !== count) throw new Error(`${contender}: the check scan saw ${index} entries, expected ${count}`);
    const seconds = scans.reduce((a, b) => a + b, 0);
    return {
      ops: REPEATS * count,
      seconds,
      scans: REPEATS,
      bestScanSeconds: Math.min(...scans),
      keys: count,
      verified: `${REPEATS} scans of ${count} entries; one more checked every key in order and every value byte for byte`,
    };
  } finally {
    await adapter.close();
  }
}

export const w4: WorkloadDef = {
  id: 'w4',
  title: 'W4 range scan: consecutive keys in key order, 1 KiB values (ops = entries visited)',
  contenders: () => [
    { id: 'keepr.entriesSync', peers: [], primary: true },
    { id: 'keepr.entriesSyncBorrow', peers: [] },
    { id: 'keepr.entries', peers: [] },
    { id: 'lmdb.getRange', peers: [] },
    { id: 'keepr-level.entries', peers: [] },
    { id: 'level.iterator', peers: ['classic-level'] },
    { id: 'sqlite.iterate', peers: ['better-sqlite3'] },
    { id: 'keepr-pg.entries', peers: [], group: PG_GROUP, primary: true, postgres: true },
    { id: 'pg.range', peers: [], group: PG_GROUP, postgres: true },
  ],
  prepare: (family, ctx) => prepareKeys(family, ctx.sizes.w4Keys, ctx),
  run,
};
