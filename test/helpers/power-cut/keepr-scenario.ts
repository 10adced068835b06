/**
 * The keepr power-cut scenario: traced writer processes run their plans against one store,
 * then many power-cut states of that run are materialized and checked (see verdict.ts).
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreOptions as OpenOptions } from '../open-store.js';
import { drawStates, materialize, type CutState, type CutSummary } from './cut-state.js';
import { StateChecker } from './state-checker.js';
import { longestSyncMs } from './trace.js';
import { makeWork, runTraced, runUntraced, replayDifferences, type TracedRun } from './traced-run.js';
import { VERDICT_KINDS, judge, type Verdict, type VerdictKind, type WriterExpectation } from './verdict.js';
import { planOps, type PlannedOp } from './writer-plan.js';
import type { WriterConfig } from './writer.js';

const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));

/** What to run. */
export interface ScenarioOptions {
  readonly seed: number;
  readonly writers: number;
  readonly mode: 'sync' | 'write-cache';
  /** Cut states to check. */
  readonly states: number;
  /** How long each writer writes (default 1,500 ms) and at most how many ops (default 100,000). */
  readonly durationMs?: number;
  readonly ops?: number;
  /** write-cache flush delay (default 20 ms), checkpoint interval (40 ms), segment size (32 KiB). */
  readonly flushDelayMs?: number;
  readonly checkpointMs?: number;
  readonly segmentBytes?: number;
  /** write-cache: allowance beyond flushDelayMs + the longest traced sync (default 50 ms). */
  readonly slackMs?: number;
  /** Create the store (untraced) before the traced run: its files start out durable. */
  readonly precreate?: boolean;
  /** Writers never yield to the event loop between ops (default false; see writer.ts). */
  readonly tightLoop?: boolean;
  /** Stop checking new states after this long (the report says how many were checked). */
  readonly budgetMs?: number;
  /** Require every ack whatever the mode (to show that the harness sees losses). */
  readonly requireAllAcks?: boolean;
  /** Copy the first failing state of each verdict kind to this directory. */
  readonly keepFailuresIn?: string;
  readonly log?: (line: string) => void;
}

/** The verdict on one state. */
export interface StateReport {
  readonly state: CutState;
  readonly verdict: Verdict;
  readonly summary: CutSummary;
  /** Per writer: ops acknowledged before the cut, and those that had to survive. */
  readonly acked: readonly number[];
  readonly required: readonly number[];
  /** Milliseconds spent building the state and checking it. */
  readonly buildMs: number;
  readonly checkMs: number;
}

/** Totals over the states. */
export interface Totals {
  readonly states: number;
  readonly checked: number;
  readonly lost: number;
  readonly byKind: Readonly<Record<VerdictKind, number>>;
}

/** Everything a scenario produced. */
export interface ScenarioReport {
  readonly options: ScenarioOptions;
  readonly traceRecords: number;
  readonly traceBytes: number;
  readonly acks: number;
  readonly recordMs: number;
  readonly checkMs: number;
  readonly boundMs: number;
  /** Paths where replaying the whole trace did not give the files the run left. */
  readonly replayDiffs: readonly string[];
  readonly reports: readonly StateReport[];
  readonly totals: Totals;
  readonly checkerStarts: number;
}

/** Records the writers of a scenario (the run is kept: remove `run.work` when done). */
export async function recordScenario(options: ScenarioOptions): Promise<TracedRun> {
  const storeOptions = openOptions(options, true);
  const place = makeWork();
  const writer = (id: number, ops: number): { script: string; args: string[] } => {
    const config: WriterConfig = { dir: place.root, markers: place.markers, writer: id, seed: options.seed, ops, durationMs: options.durationMs ?? 1500, options: storeOptions, tightLoop: options.tightLoop ?? false };
    return { script: WRITER, args: [JSON.stringify(config)] };
  };
  if (options.precreate === true) await runUntraced([writer(0, 0)]);
  return runTraced(
    Array.from({ length: options.writers }, (_, id) => writer(id, options.ops ?? 100_000)),
    place,
  );
}

function openOptions(options: ScenarioOptions, writer: boolean): OpenOptions {
  const log = writer ? { checkpointMs: options.checkpointMs ?? 40, segmentBytes: options.segmentBytes ?? 32 * 1024 } : {};
  if (options.mode === 'sync') return log;
  return { durability: 'write-cache', flushDelayMs: options.flushDelayMs ?? 20, ...log };
}

/** What each writer must and may hold after a cut at `cut`. */
function expectations(run: TracedRun, plans: readonly PlannedOp[][], cut: number, boundMs: number, options: ScenarioOptions): WriterExpectation[] {
  const cutMs = cut === 0 ? 0 : run.records[cut - 1]!.endMs;
  return plans.map((ops, writer) => {
    let acked = 0;
    let required = 0;
    for (const ack of run.acks) {
      if (ack.writer !== writer || ack.index >= cut) continue;
      acked = Math.max(acked, ack.n + 1);
      if (options.mode === 'sync' || options.requireAllAcks === true || ack.endMs <= cutMs - boundMs) required = Math.max(required, ack.n + 1);
    }
    return { writer, ops, acked, required };
  });
}

/** Checks `count` cut states of a recorded run. */
export async function checkStates(run: TracedRun, options: ScenarioOptions, checker = new StateChecker(checkerOptions(options))): Promise<Omit<ScenarioReport, 'recordMs' | 'traceBytes'>> {
  const log = options.log ?? (() => undefined);
  const boundMs = options.mode === 'sync' ? 0 : (options.flushDelayMs ?? 20) + longestSyncMs(run.records) + (options.slackMs ?? 50);
  const plans = Array.from({ length: options.writers }, (_, writer) => {
    const last = run.acks.filter((a) => a.writer === writer).reduce((n, a) => Math.max(n, a.n), -1);
    return planOps(options.seed, writer, last + 2);
  });
  const replayDiffs = replayDifferences(run);
  const states = drawStates(run.records.length, options.states, options.seed);
  const reports: StateReport[] = [];
  const kept = new Set<VerdictKind>();
  const started = performance.now();
  // States are scratch: on tmpfs when there is one (the checker's syncs then cost nothing).
  const scratch = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/keepr-power-cut-') : run.work;
  try {
    for (const [i, state] of states.entries()) {
      if (options.budgetMs !== undefined && performance.now() - started > options.budgetMs) break;
      const dir = join(scratch, `state-${i}`);
      const t0 = performance.now();
      const summary = materialize(run.history, state, dir);
      const writers = expectations(run, plans, state.cut, boundMs, options);
      const t1 = performance.now();
      const verdict = judge(await checker.check(dir), writers);
      const t2 = performance.now();
      reports.push({ state, verdict, summary, acked: writers.map((w) => w.acked), required: writers.map((w) => w.required), buildMs: t1 - t0, checkMs: t2 - t1 });
      if (verdict.kind !== 'ok') {
        log(`state ${i} (cut ${state.cut}/${run.records.length}, ${state.strategy}, seed ${state.seed}): ${verdict.kind} ${verdict.detail}`);
        if (options.keepFailuresIn !== undefined && !kept.has(verdict.kind)) {
          kept.add(verdict.kind);
          // Checked states were opened (and maybe repaired): keep a fresh copy.
          const copy = join(options.keepFailuresIn, `${verdict.kind}-state-${i}`);
          rmSync(copy, { recursive: true, force: true });
          materialize(run.history, state, copy);
          cpSync(dir, `${copy}.after-open`, { recursive: true });
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await checker.close();
    if (scratch !== run.work) rmSync(scratch, { recursive: true, force: true });
  }
  const byKind = Object.fromEntries(VERDICT_KINDS.map((k) => [k, 0])) as Record<VerdictKind, number>;
  for (const r of reports) byKind[r.verdict.kind]++;
  const totals: Totals = { states: reports.length, checked: reports.reduce((n, r) => n + r.verdict.checked, 0), lost: reports.reduce((n, r) => n + r.verdict.lost, 0), byKind };
  return { options, traceRecords: run.records.length, acks: run.acks.length, checkMs: performance.now() - started, boundMs, replayDiffs, reports, totals, checkerStarts: checker.started };
}

/** What the checker passes to open(). */
function checkerOptions(options: ScenarioOptions): OpenOptions {
  return openOptions(options, false);
}

/** Records a scenario and checks its states; the scratch directory is removed. */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  // The checker children load while the writers run.
  const checker = new StateChecker(checkerOptions(options));
  checker.warm();
  let run: TracedRun;
  try {
    run = await recordScenario(options);
  } catch (err) {
    await checker.close();
    throw err;
  }
  try {
    const checked = await checkStates(run, options, checker);
    return { ...checked, recordMs: run.elapsedMs, traceBytes: run.traceBytes };
  } finally {
    rmSync(run.work, { recursive: true, force: true });
  }
}

/** Human-readable totals of a report. */
export function formatReport(report: ScenarioReport): string {
  const { options, totals } = report;
  const kinds = Object.entries(totals.byKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const perSecond = (totals.states / (report.checkMs / 1000)).toFixed(1);
  return [
    `power-cut ${options.mode}, ${options.writers} writer(s), seed ${options.seed}: ${report.acks} acks in ${report.traceRecords} traced calls (${(report.traceBytes / 1048576).toFixed(1)} MiB trace, recorded in ${(report.recordMs / 1000).toFixed(1)} s)`,
    `  ${totals.states}${totals.states < options.states ? ` of ${options.states} (time budget)` : ''} cut states in ${(report.checkMs / 1000).toFixed(1)} s (${perSecond}/s, ${report.checkerStarts} checker process(es)); acknowledged writes checked ${totals.checked}, lost ${totals.lost}`,
    `  verdicts: ${kinds}; partial batches ${totals.byKind['partial-batch']}, opens failed ${totals.byKind['open-failed'] + totals.byKind['open-crashed']}, signals ${totals.byKind.signal}`,
    ...(options.mode === 'write-cache' ? [`  write-cache bound: acks older than ${report.boundMs.toFixed(0)} ms must survive`] : []),
    ...(report.replayDiffs.length > 0 ? [`  REPLAY MISMATCH: ${report.replayDiffs.slice(0, 5).join('; ')}`] : []),
  ].join('\n');
}
