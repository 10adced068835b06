/**
 * Power-cut check of keepr: traced writers, then many simulated power-cut states of their run,
 * each reopened and checked (see test/helpers/power-cut/). Prints the totals; exits 1 when a
 * state is not OK.
 * Usage: npm run power-cut -- [--states N] [--seed S] [--writers W] [--mode sync|write-cache]
 *        [--duration MS] [--ops N per writer] [--tight-loop]
 *        [--precreate] [--keep DIR] [--quiet]
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, runScenario } from '../test/helpers/power-cut/keepr-scenario.js';

const { values } = parseArgs({
  options: {
    states: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    writers: { type: 'string', default: '1' },
    mode: { type: 'string', default: 'sync' },
    duration: { type: 'string', default: '2000' },
    ops: { type: 'string', default: '100000' },
    keep: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'tight-loop': { type: 'boolean', default: false },
    precreate: { type: 'boolean', default: false },
  },
});
const mode = values.mode;
if (mode !== 'sync' && mode !== 'write-cache') throw new Error('--mode must be sync or write-cache');
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (values.keep !== undefined) mkdirSync(values.keep, { recursive: true });
console.log(`power-cut: seed ${seed}`);
const report = await runScenario({
  seed,
  mode,
  writers: Number(values.writers),
  states: Number(values.states),
  durationMs: Number(values.duration),
  ops: Number(values.ops),
  tightLoop: values['tight-loop'],
  precreate: values.precreate,
  ...(values.keep === undefined ? {} : { keepFailuresIn: values.keep }),
  ...(values.quiet ? {} : { log: (line: string) => { console.log(line); } }),
});
console.log(formatReport(report));
process.exitCode = report.totals.byKind.ok === report.totals.states && report.replayDiffs.length === 0 ? 0 : 1;
