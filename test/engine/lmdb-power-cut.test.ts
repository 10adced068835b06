/**
 * Durability under power cuts, not just process kills: writers run under an LD_PRELOAD shim
 * that records every file-system call (test/helpers/power-cut/), then states that a power cut
 * could leave are built from the trace (any write no fsync covered may be lost, in whole or
 * per 4 KiB page, in any order; namespace changes since the last directory fsync may be lost)
 * and each is reopened. In `sync` mode every acknowledged write must be there, byte-exact; in
 * `write-cache` mode every write acknowledged longer ago than the flush bound; batches whole or
 * absent; open, close and a second open clean. Seed: POWER_CUT_SEED (printed on failure).
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runScenario, type ScenarioOptions, type ScenarioReport } from '../helpers/power-cut/keepr-scenario.js';
import { runRawScenario } from '../helpers/power-cut/raw-scenario.js';
import { makeWork, replayDifferences, runTraced } from '../helpers/power-cut/traced-run.js';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';

const SEED = Number(process.env['POWER_CUT_SEED'] ?? 20_241_202);
const WRITER = fileURLToPath(new URL('../helpers/power-cut/writer.ts', import.meta.url));

/** Fails with the seed, the totals and the first failing states when any state is not OK. */
function expectAllOk(report: ScenarioReport): void {
  const failures = report.reports.filter((r) => r.verdict.kind !== 'ok');
  const text = [
    `seed ${report.options.seed} (rerun: POWER_CUT_SEED=${report.options.seed}; more states: npm run power-cut -- --seed ${report.options.seed} --mode ${report.options.mode} --writers ${report.options.writers})`,
    formatReport(report),
    ...failures.slice(0, 5).map((r) => `  cut ${r.state.cut} (${r.state.strategy}, state seed ${r.state.seed}; acked ${r.acked.join('/')}, required ${r.required.join('/')}; ${r.summary.pagesDropped}/${r.summary.pagesUncovered} uncovered pages dropped, ${r.summary.nsDropped}/${r.summary.nsUncovered} namespace ops): ${r.verdict.kind} ${r.verdict.detail}`),
  ].join('\n');
  console.info(text);
  expect(report.replayDiffs, text).toEqual([]);
  expect(report.totals.checked, 'the writers got nothing acknowledged').toBeGreaterThan(0);
  expect(failures.length, text).toBe(0);
}

describe('power-cut harness: checks of the harness itself', () => {
  it('replaying every recorded call (nothing dropped) gives the files the writers left, byte for byte', async () => {
    const place = makeWork();
    try {
      const options = { checkpointMs: 30, segmentBytes: 16 * 1024 };
      const children = [0, 1].map((writer) => ({
        script: WRITER,
        args: [JSON.stringify({ dir: place.root, markers: place.markers, writer, seed: SEED, ops: 150, durationMs: 800, options, tightLoop: false })],
      }));
      const run = await runTraced(children, place);
      expect(run.acks.length).toBeGreaterThan(20);
      // Rotations and checkpoints happened inside the run: renames and LMDB syncs were traced.
      expect(run.history.nsOps.some((op) => op.type === 'rename'), 'no log segment was rotated').toBe(true);
      expect(replayDifferences(run)).toEqual([]);
    } finally {
      rmSync(place.work, { recursive: true, force: true });
    }
  }, 60_000);

  it('a writer that fdatasyncs before each ack (and syncs the new name) loses nothing in any cut state', async () => {
    const report = await runRawScenario('fsync', 60, 200, SEED);
    expect(report.replayDiffs).toEqual([]);
    expect(report.checked).toBeGreaterThan(1000);
    expect(report.lost, `seed ${SEED}`).toBe(0);
  }, 60_000);

  it('a writer that acks without syncing loses acknowledged records in some cut states', async () => {
    const report = await runRawScenario('nosync', 60, 200, SEED);
    expect(report.replayDiffs).toEqual([]);
    expect(report.statesLosing, `seed ${SEED}`).toBeGreaterThan(20);
  }, 60_000);

  it('a writer that fdatasyncs its file but never its directory can lose the file', async () => {
    const report = await runRawScenario('nodirsync', 60, 200, SEED);
    expect(report.statesLosing, `seed ${SEED}`).toBeGreaterThan(5);
  }, 60_000);
});

// Few enough states to finish in about a minute even when every state crashes the checker;
// `npm run power-cut` runs as many as asked.
const SCENARIOS: readonly [string, Omit<ScenarioOptions, 'seed'>][] = [
  ['sync, one writer', { writers: 1, mode: 'sync', states: 150, durationMs: 1000, ops: 300, budgetMs: 8000 }],
  ['sync, two writer processes on one store', { writers: 2, mode: 'sync', states: 100, durationMs: 1000, ops: 200, budgetMs: 8000 }],
  ['write-cache, one writer', { writers: 1, mode: 'write-cache', states: 100, durationMs: 1000, ops: 300, budgetMs: 8000 }],
];

describe('keepr (LMDB engine) under power cuts', () => {
  for (const [name, options] of SCENARIOS) {
    it(`${name}: every cut state opens clean and holds what was acknowledged, batches whole`, async () => {
      expectAllOk(await runScenario({ ...options, seed: SEED }));
    }, 90_000);
  }
});
