/**
 * The harness checking itself on a writer simple enough to reason about (raw-writer.ts): with
 * an fdatasync before each ack no cut state may lose an acknowledged record, without one some
 * must. The first shows the drop model is not harsher than the file-system contract, the second
 * that it is not kinder than a power cut.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawStates, materialize } from './cut-state.js';
import { makeWork, replayDifferences, runTraced } from './traced-run.js';

const RAW_WRITER = fileURLToPath(new URL('./raw-writer.ts', import.meta.url));
const RECORD_BYTES = 1500; // not a divisor of the page size: records straddle pages

/** `fsync`: fdatasync before each ack, directory synced; `nosync`: no sync; `nodirsync`: the file's syncs only. */
export type RawMode = 'fsync' | 'nosync' | 'nodirsync';

/** Record `n` of the raw writer's log. */
export function rawRecord(n: number): Buffer {
  const record = Buffer.alloc(RECORD_BYTES, n % 251);
  record.write(`rec ${n}\n`);
  return record;
}

/** Totals of a raw scenario. */
export interface RawReport {
  readonly states: number;
  /** Acknowledged records that had to be there, and those that were not. */
  readonly checked: number;
  readonly lost: number;
  /** States that lost at least one acknowledged record. */
  readonly statesLosing: number;
  readonly replayDiffs: readonly string[];
}

/** Runs the raw writer under the shim and checks `states` cut states of its run. */
export async function runRawScenario(mode: RawMode, records: number, states: number, seed: number): Promise<RawReport> {
  const place = makeWork('keepr-power-cut-raw-');
  try {
    const run = await runTraced([{ script: RAW_WRITER, args: [JSON.stringify({ dir: place.root, markers: place.markers, mode, records })] }], place);
    let checked = 0;
    let lost = 0;
    let statesLosing = 0;
    for (const [i, state] of drawStates(run.records.length, states, seed).entries()) {
      const dir = join(run.work, `state-${i}`);
      materialize(run.history, state, dir);
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log')) : Buffer.alloc(0);
      const acked = run.acks.filter((a) => a.index < state.cut).length;
      let missing = 0;
      for (let n = 0; n < acked; n++) {
        if (!log.subarray(n * RECORD_BYTES, (n + 1) * RECORD_BYTES).equals(rawRecord(n))) missing++;
      }
      checked += acked;
      lost += missing;
      if (missing > 0) statesLosing++;
      rmSync(dir, { recursive: true, force: true });
    }
    return { states, checked, lost, statesLosing, replayDiffs: replayDifferences(run) };
  } finally {
    rmSync(place.work, { recursive: true, force: true });
  }
}
