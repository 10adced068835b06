/**
 * The targets printed under each table. They are reported, never asserted: a benchmark
 * measures (ratios, because absolute numbers drift on shared machines).
 */
import { rate, ratio } from './format.js';
import { postgresGoals } from './postgres-goals.js';
import { w7Goals } from './w7-goals.js';
import { measured, type ResultRow } from './result.js';

export interface Goal {
  readonly workload: string;
  readonly target: string;
  /** What the run measured, or why it could not. */
  readonly actual: string;
  /** undefined: not measured in this run. */
  readonly met: boolean | undefined;
}

/** Memory budget for keepr's peak RssAnon (non-file-backed resident memory, the V8 heap included) during W1 and W2, in MiB. */
export const MEMORY_BUDGET_MIB = 150;

/** Mean of the W0 `disk.fdatasync` rates (start and end of the run), or undefined. */
export function diskRate(rows: readonly ResultRow[]): number | undefined {
  const rates = rows.filter((r) => r.workload === 'w0' && r.engine === 'disk.fdatasync' && measured(r)).map((r) => r.opsPerSec);
  return rates.length === 0 ? undefined : rates.reduce((a, b) => a + b, 0) / rates.length;
}

/** Evaluates every goal against the rows of one run. */
export function evaluateGoals(rows: readonly ResultRow[]): Goal[] {
  const find = (workload: string, engine: string): ResultRow | undefined => rows.find((r) => r.workload === workload && r.engine === engine);
  const goals: Goal[] = [];

  // factor 1 reads as "ahead of" (strictly more) unless `inclusive` ("≥ 1.0×").
  const atLeast = (workload: string, mine: string, peer: string, factor: number, target: string, inclusive = false): void => {
    const a = find(workload, mine);
    const b = find(workload, peer);
    if (!measured(a) || !measured(b)) {
      goals.push({ workload, target, actual: `not measured (${!measured(a) ? mine : peer} did not run)`, met: undefined });
      return;
    }
    const r = a.opsPerSec / b.opsPerSec;
    goals.push({ workload, target, actual: `${rate(a.opsPerSec)} vs ${rate(b.opsPerSec)} ops/s = ${ratio(r)}`, met: factor === 1 && !inclusive ? r > 1 : r >= factor });
  };

  const aheadOfAll = (workload: string, mine: string, peers: readonly string[], target: string): void => {
    const a = find(workload, mine);
    const others = peers.map((p) => find(workload, p)).filter(measured);
    if (!measured(a) || others.length === 0) {
      goals.push({ workload, target, actual: 'not measured', met: undefined });
      return;
    }
    const best = others.reduce((x, y) => (y.opsPerSec > x.opsPerSec ? y : x));
    const missing = peers.length - others.length;
    goals.push({
      workload,
      target,
      actual: `${rate(a.opsPerSec)} ops/s vs best peer ${best.engine} ${rate(best.opsPerSec)} = ${ratio(a.opsPerSec / best.opsPerSec)}${missing > 0 ? ` (${missing} peer(s) did not run)` : ''}`,
      met: a.opsPerSec > best.opsPerSec,
    });
  };

  // Issue 15's lines first: W1 borrowed and owned reads against raw lmdb-js.
  atLeast('w1', 'keepr.getSyncBorrow', 'lmdb.getBinaryFast', 0.9, 'keepr getSync({ borrow: true }) ≥ 0.9× raw lmdb getBinaryFast', true);
  atLeast('w1', 'keepr.getSync', 'lmdb.getBinary', 1, 'keepr getSync (owned) ≥ 1.0× raw lmdb getBinary (get)', true);
  atLeast('w1', 'keepr.getSync', 'level.getSync', 1, 'keepr getSync ahead of classic-level getSync');
  atLeast('w1', 'keepr.getSync', 'sqlite.get', 1, 'keepr getSync ahead of better-sqlite3 get');
  aheadOfAll('w2', 'keepr.write', ['lmdb.transaction', 'level.batch', 'sqlite.transaction'], 'keepr write() ahead of every peer');
  aheadOfAll('w3', 'keepr.put:1', ['lmdb.put:1', 'level.put:1', 'sqlite.run:1'], 'keepr put, 1 writer, ahead of every peer');
  aheadOfAll('w3', 'keepr.put:10', ['lmdb.put:10', 'level.put:10', 'sqlite.run:10'], 'keepr put, 10 writers, ahead of every peer');

  const disk = diskRate(rows);
  const one = find('w3', 'keepr.put:1');
  const ten = find('w3', 'keepr.put:10');
  if (measured(one) && disk !== undefined) {
    const r = one.opsPerSec / disk;
    goals.push({ workload: 'w3', target: 'keepr put, 1 writer ≥ 0.8× W0 fdatasync rate', actual: `${rate(one.opsPerSec)} vs ${rate(disk)}/s (W0 mean) = ${ratio(r)}`, met: r >= 0.8 });
  } else {
    goals.push({ workload: 'w3', target: 'keepr put, 1 writer ≥ 0.8× W0 fdatasync rate', actual: 'not measured (needs W0 and W3)', met: undefined });
  }
  if (measured(one) && measured(ten)) {
    const r = ten.opsPerSec / one.opsPerSec;
    goals.push({ workload: 'w3', target: 'keepr 10 writers ≥ 5× 1 writer', actual: ratio(r), met: r >= 5 });
  } else {
    goals.push({ workload: 'w3', target: 'keepr 10 writers ≥ 5× 1 writer', actual: 'not measured', met: undefined });
  }

  atLeast('w4', 'keepr.entriesSyncBorrow', 'lmdb.getRange', 1, 'keepr entriesSync({ borrow: true }) ≥ 1.0× raw lmdb getRange', true);
  atLeast('w4', 'keepr.entriesSyncBorrow', 'level.iterator', 1, 'keepr entriesSync({ borrow: true }) ≥ classic-level nextv', true);
  atLeast('w4', 'keepr.entriesSync', 'lmdb.getRange', 0.9, 'keepr entriesSync() (owned) ≥ 0.9× raw lmdb getRange', true);
  goals.push(...levelGoals(find));
  goals.push(...postgresGoals(rows));
  goals.push(...stateGoals(find('w5', 'keepr.state'), find('w5', 'mpt.level')));
  atLeast('w6', 'keepr.server', 'fastify.lmdb', 0.95, 'keepr server (auth + metrics on) ≥ 0.95× a bare Fastify route reading lmdb', true);
  atLeast('w6', 'keepr.server', 'fastify.bare', 0.8, 'keepr server (auth + metrics on) ≥ 0.8× a bare Fastify route sending a constant', true);
  goals.push(...w7Goals(rows));

  for (const row of rows) {
    if ((row.workload !== 'w1' && row.workload !== 'w2') || !row.engine.startsWith('keepr.')) continue;
    const target = `${row.engine}: peak RssAnon (memory not backed by a file) < ${MEMORY_BUDGET_MIB} MiB`;
    if (!measured(row) || row.peakAnonMiB === undefined) {
      goals.push({ workload: row.workload, target, actual: 'not measured', met: undefined });
      continue;
    }
    goals.push({
      workload: row.workload,
      target,
      actual: `anon ${row.peakAnonMiB.toFixed(1)} MiB; V8 heap ${row.peakHeapMiB?.toFixed(1) ?? '-'} MiB (inside anon; the sum at one sample ${row.peakHeapPlusAnonMiB?.toFixed(1) ?? '-'})`,
      met: row.peakAnonMiB < MEMORY_BUDGET_MIB,
    });
  }
  return goals;
}

/**
 * The level engine's goals (the issue's): keepr on its LevelDB engine (`keepr-level`) against raw
 * classic-level (`level`) on the same workloads: at least 0.9× on reads and scans, ahead on
 * durable writes. The engine has no synchronous reads, so W1 compares its async `get` with raw
 * `getSync` (the faster raw read).
 */
function levelGoals(find: (workload: string, engine: string) => ResultRow | undefined): Goal[] {
  const out: Goal[] = [];
  const compare = (workload: string, mine: string, peer: string, factor: number, target: string): void => {
    const a = find(workload, mine);
    const b = find(workload, peer);
    if (!measured(a) || !measured(b)) {
      out.push({ workload, target, actual: `not measured (${!measured(a) ? mine : peer} did not run)`, met: undefined });
      return;
    }
    const r = a.opsPerSec / b.opsPerSec;
    out.push({ workload, target, actual: `${rate(a.opsPerSec)} vs ${rate(b.opsPerSec)} ops/s = ${ratio(r)}`, met: factor === 1 ? r > 1 : r >= factor });
  };
  compare('w1', 'keepr-level.get', 'level.getSync', 0.9, 'keepr on level: get ≥ 0.9× raw classic-level getSync');
  compare('w2', 'keepr-level.write', 'level.batch', 1, 'keepr on level: write() ahead of raw classic-level batch');
  compare('w3', 'keepr-level.put:1', 'level.put:1', 1, 'keepr on level: put, 1 writer, ahead of raw classic-level');
  compare('w3', 'keepr-level.put:10', 'level.put:10', 1, 'keepr on level: put, 10 writers, ahead of raw classic-level');
  compare('w4', 'keepr-level.entries', 'level.iterator', 0.9, 'keepr on level: entries() ≥ 0.9× raw classic-level iterator');
  return out;
}

/** A numeric field of a row, or undefined. */
function field(row: ResultRow | undefined, name: string): number | undefined {
  const v = row?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Reads and proof verifications count as "in microseconds" when p50 and p99 are under this. */
export const MICROSECONDS_BOUND_US = 1000;

/** W5's goals (the issue's): keepr's versioned state against @ethereumjs/mpt on LevelDB. */
function stateGoals(keepr: ResultRow | undefined, mpt: ResultRow | undefined): Goal[] {
  const workload = 'w5';
  const out: Goal[] = [];
  const k = measured(keepr) ? keepr : undefined;
  const m = measured(mpt) ? mpt : undefined;
  const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

  const speed = 'keepr updates/s (commit included) ≥ 50× @ethereumjs/mpt on LevelDB';
  if (k === undefined || m === undefined) out.push({ workload, target: speed, actual: `not measured (${k === undefined ? 'keepr.state' : 'mpt.level'} did not run)`, met: undefined });
  else {
    const r = k.opsPerSec / m.opsPerSec;
    out.push({ workload, target: speed, actual: `${rate(k.opsPerSec)} vs ${rate(m.opsPerSec)} updates/s = ${ratio(r)}`, met: r >= 50 });
  }

  const disk = field(k, 'diskBytes');
  const full = field(k, 'fullCopyBytes');
  const copyTarget = 'keepr bytes on disk after the heights ≤ 0.2× a full copy per height';
  if (disk === undefined || full === undefined) out.push({ workload, target: copyTarget, actual: 'not measured (keepr.state did not run)', met: undefined });
  else out.push({ workload, target: copyTarget, actual: `${mib(disk)} vs ${mib(full)} = ${ratio(disk / full)}`, met: disk / full <= 0.2 });

  const mptDisk = field(m, 'diskBytes');
  const mptTarget = "keepr bytes on disk ≤ 0.15× @ethereumjs/mpt's";
  if (disk === undefined || mptDisk === undefined) out.push({ workload, target: mptTarget, actual: `not measured (${disk === undefined ? 'keepr.state' : 'mpt.level'} did not run)`, met: undefined });
  else out.push({ workload, target: mptTarget, actual: `${mib(disk)} vs ${mib(mptDisk)} = ${ratio(disk / mptDisk)}`, met: disk / mptDisk <= 0.15 });

  // Issue 15: the folder while open, commit log included, against mpt's folder while open.
  const openK = field(k, 'openFolderBytes');
  const openM = field(m, 'openFolderBytes');
  const openTarget = "keepr's folder while open (data, commit log, lock files) ≤ 0.15× @ethereumjs/mpt's folder while open";
  if (openK === undefined || openM === undefined) out.push({ workload, target: openTarget, actual: `not measured (${openK === undefined ? 'keepr.state' : 'mpt.level'} did not run)`, met: undefined });
  else out.push({ workload, target: openTarget, actual: `${mib(openK)} vs ${mib(openM)} = ${ratio(openK / openM)}`, met: openK / openM <= 0.15 });

  const micro = (what: string, prefix: string): void => {
    const target = `keepr ${what} in microseconds (p50 and p99 < ${MICROSECONDS_BOUND_US} µs)`;
    const p50 = field(k, `${prefix}P50Us`);
    const p99 = field(k, `${prefix}P99Us`);
    if (p50 === undefined || p99 === undefined) out.push({ workload, target, actual: 'not measured (keepr.state did not run)', met: undefined });
    else out.push({ workload, target, actual: `p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs`, met: p50 < MICROSECONDS_BOUND_US && p99 < MICROSECONDS_BOUND_US });
  };
  micro('read of a random key at a random old height', 'read');
  micro('proof verification', 'verify');
  return out;
}
