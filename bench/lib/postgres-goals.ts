/**
 * The PostgreSQL goals: keepr on `postgresEngine` ≥ 0.8× plain `pg` statements on the same
 * server, in W1 to W4 (the "the limit keepr adds overhead to").
 */
import { rate, ratio } from './format.js';
import type { Goal } from './goals.js';
import { measured, type ResultRow } from './result.js';

/** The contender group of the PostgreSQL rows: their ratio column is keepr-pg ÷ the row. */
export const PG_GROUP = 'postgres';

/** keepr-pg's share of plain pg's rate that counts as met. */
export const PG_FACTOR = 0.8;

/** Each workload's keepr-pg contender and the plain pg contender it is held against. */
const PAIRS: readonly (readonly [workload: string, keepr: string, plain: string, what: string])[] = [
  ['w1', 'keepr-pg.get', 'pg.get', 'point get'],
  ['w2', 'keepr-pg.write', 'pg.batch', '1,000-put batch'],
  ['w3', 'keepr-pg.put:1', 'pg.upsert:1', 'durable single put, 1 writer'],
  ['w3', 'keepr-pg.put:10', 'pg.upsert:10', 'durable single put, 10 writers'],
  ['w4', 'keepr-pg.entries', 'pg.range', 'range scan'],
];

/** The goals, for the workloads whose PostgreSQL contenders were part of the run. */
export function postgresGoals(rows: readonly ResultRow[]): Goal[] {
  const find = (workload: string, engine: string): ResultRow | undefined => rows.find((r) => r.workload === workload && r.engine === engine);
  const goals: Goal[] = [];
  for (const [workload, keepr, plain, what] of PAIRS) {
    const a = find(workload, keepr);
    const b = find(workload, plain);
    if (a === undefined && b === undefined) continue;
    const target = `keepr-pg ${what} ≥ ${PG_FACTOR}× plain pg`;
    if (!measured(a) || !measured(b)) {
      goals.push({ workload, target, actual: `not measured (${!measured(a) ? keepr : plain} did not run)`, met: undefined });
      continue;
    }
    const r = a.opsPerSec / b.opsPerSec;
    goals.push({ workload, target, actual: `${rate(a.opsPerSec)} vs ${rate(b.opsPerSec)} ops/s = ${ratio(r)}`, met: r >= PG_FACTOR });
  }
  return goals;
}
