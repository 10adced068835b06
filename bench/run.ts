/**
 * `npm run bench`: every workload, keepr beside its peers, each contender in its own process;
 * prints a table per workload with ratios keepr ÷ peer and the goals, and writes everything to
 * bench/results/<date>.json. See bench/README.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, DEFAULT_SIZES, QUICK_SIZES, scaleSizes, type ChildConfig } from './lib/config.js';
import { int, mib, micros, rate, ratio, table } from './lib/format.js';
import { diskRate, evaluateGoals, type Goal } from './lib/goals.js';
import { machineInfo } from './lib/machine.js';
import { PEER_PACKAGES, missingPeers } from './lib/peers.js';
import { postgresSettings, providePostgres } from './lib/postgres-server.js';
import { isResultRow, measured, type ResultRow } from './lib/result.js';
import { WORKLOADS } from './workloads/index.js';
import type { ContenderDef, Sizes, WorkloadDef } from './workloads/types.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT_DIR = resolve(BENCH_DIR, '..');

/** How a contender's process is started: the bench compiled to JavaScript, or through tsx. */
interface ChildCommand {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly mode: 'compiled' | 'tsx';
}

const TSX_CHILD: ChildCommand = { args: ['--import', 'tsx', join(BENCH_DIR, 'child.ts')], env: process.env, mode: 'tsx' };

const HELP = `npm run bench [-- options]

  --only w1,w3      run these workloads only (w0 w1 w2 w3 w4 w5 w6 w7 wc w8; w3 brings w0 along)
  --engines a,b     run these contender families only (keepr keepr-level lmdb level sqlite mpt disk fastify keepr-pg pg)
  --pg-url URL      PostgreSQL for the keepr-pg and pg families and W8 (default: KEEPR_PG_URL, else
                    a server started for the run with fsync on, stopped at the end)
  --quick           small sizes: a smoke run of about a minute
  --scale F         multiply the item counts by F (after --quick)
  --dir PATH        make data directories under PATH (default: the OS temp dir); removed at the end
  --results PATH    write the results JSON here (default: bench/results/<YYYY-MM-DD>.json)
  --timeout S       seconds one contender may take before it is stopped (default 300)
  --repeat N        run everything N times and report each contender's median pass (default 1)
  --seed N          data seed (default ${DEFAULT_SEED})
  --tsx             run contenders through tsx instead of compiling the bench to JavaScript first
                    (faster start; their memory numbers then include the TypeScript loader)
  --help`;

/** One workload's turn: its contenders, in order (W0 runs twice: at the start and the end). */
interface Stage {
  readonly workload: WorkloadDef;
  readonly contenders: readonly ContenderDef[];
  readonly phase?: string;
}

/** One process to run. */
interface Step {
  readonly workload: WorkloadDef;
  readonly contender: string;
  readonly group?: string;
  readonly phase?: string;
  readonly dataDir?: string;
}

interface Options {
  readonly only: readonly string[];
  readonly families: readonly string[] | undefined;
  readonly quick: boolean;
  readonly sizes: Sizes;
  readonly baseDir: string;
  readonly resultsPath: string;
  readonly timeoutSeconds: number;
  readonly seed: number;
  readonly tsx: boolean;
  readonly repeat: number;
  /** PostgreSQL to use (--pg-url or KEEPR_PG_URL); undefined: start one when needed. */
  readonly pgUrl: string | undefined;
}

function localDate(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

function options(): Options | undefined {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      engines: { type: 'string' },
      quick: { type: 'boolean', default: false },
      scale: { type: 'string' },
      dir: { type: 'string' },
      results: { type: 'string' },
      timeout: { type: 'string' },
      seed: { type: 'string' },
      tsx: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      'pg-url': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const known = WORKLOADS.map((w) => w.id);
  const only = list(values.only) ?? known;
  for (const id of only) if (!known.includes(id)) throw new Error(`unknown workload ${id} (known: ${known.join(', ')})`);
  // W3's goal compares with the disk's fdatasync rate, so W0 comes along with it.
  if (only.includes('w3') && !only.includes('w0')) only.push('w0');
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0)) throw new Error('--scale must be a positive number');
  const timeoutSeconds = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new Error('--timeout must be a positive number of seconds');
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');
  return {
    only,
    families: list(values.engines),
    quick: values.quick,
    sizes: scaleSizes(values.quick ? QUICK_SIZES : DEFAULT_SIZES, scale),
    baseDir: resolve(values.dir ?? tmpdir()),
    resultsPath: resolve(values.results ?? join(BENCH_DIR, 'results', `${localDate()}.json`)),
    timeoutSeconds,
    seed,
    tsx: values.tsx,
    repeat,
    pgUrl: values['pg-url'] ?? process.env['KEEPR_PG_URL'],
  };
}

function familyOf(id: string): string {
  return id.slice(0, id.indexOf('.'));
}

function stages(opts: Options): Stage[] {
  const out: Stage[] = [];
  const add = (workload: WorkloadDef, phase?: string): void => {
    const contenders = workload.contenders(opts.sizes).filter((c) => opts.families === undefined || opts.families.includes(familyOf(c.id)));
    if (contenders.length > 0) out.push({ workload, contenders, ...(phase === undefined ? {} : { phase }) });
  };
  for (const workload of WORKLOADS) {
    if (opts.only.includes(workload.id)) add(workload, workload.id === 'w0' ? 'start' : undefined);
  }
  // The disk drifts: W0 again at the end, and ratios use the mean of both.
  const w0 = WORKLOADS.find((w) => w.id === 'w0');
  if (w0 !== undefined && opts.only.includes('w0')) add(w0, 'end');
  return out;
}

/**
 * Emits src/ and bench/ as JavaScript (no type check) under node_modules/.cache, so contenders
 * run on plain node; falls back to tsx when that fails.
 */
function compile(): { command: ChildCommand; cleanup: () => void } {
  const outDir = join(ROOT_DIR, 'node_modules', '.cache', `keepr-bench-${process.pid}`);
  const cleanup = (): void => {
    rmSync(outDir, { recursive: true, force: true });
  };
  cleanup();
  try {
    const tsc = createRequire(join(ROOT_DIR, 'package.json')).resolve('typescript/bin/tsc');
    const done = spawnSync(process.execPath, [tsc, '-p', join(BENCH_DIR, 'tsconfig.bench.json'), '--outDir', outDir], { cwd: ROOT_DIR, encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`${done.stdout}${done.stderr}`.trim().split('\n').slice(0, 5).join(' | '));
  } catch (err) {
    cleanup();
    console.log(`Could not compile the bench to JavaScript (${err instanceof Error ? err.message : String(err)}); running contenders through tsx.`);
    return { command: TSX_CHILD, cleanup };
  }
  return { command: { args: [join(outDir, 'bench', 'child.js')], env: { ...process.env, KEEPR_BENCH_DIR: BENCH_DIR }, mode: 'compiled' }, cleanup };
}

/** Runs one contender's process; resolves to its result line (or an error row). */
function runChild(step: Step, opts: Options, runDir: string, command: ChildCommand): Promise<ResultRow> {
  const config: ChildConfig = {
    baseDir: runDir,
    sizes: opts.sizes,
    seed: opts.seed,
    ...(step.phase === undefined ? {} : { phase: step.phase }),
    ...(step.dataDir === undefined ? {} : { dataDir: step.dataDir }),
  };
  const base = { workload: step.workload.id, engine: step.contender, ...(step.phase === undefined ? {} : { phase: step.phase }) };
  return new Promise((resolveRow) => {
    const child = spawn(process.execPath, [...command.args, step.workload.id, step.contender, JSON.stringify(config)], {
      cwd: ROOT_DIR,
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutSeconds * 1000);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      let row: ResultRow | undefined;
      for (const line of out.split('\n').reverse()) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed: unknown = JSON.parse(line);
          if (isResultRow(parsed)) {
            row = parsed;
            break;
          }
        } catch {
          // Not the result line.
        }
      }
      if (timedOut) row = { ...base, ops: 0, seconds: 0, opsPerSec: NaN, error: `stopped after ${opts.timeoutSeconds} s` };
      if (row === undefined) {
        const why = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
        row = { ...base, ops: 0, seconds: 0, opsPerSec: NaN, error: `no result line (${why}): ${err.trim().split('\n').slice(-5).join(' | ')}` };
      }
      resolveRow({ ...row, ...(step.group === undefined ? {} : { group: step.group }) });
    };
    child.once('error', (e) => {
      err += String(e);
      finish(null, null);
    });
    child.once('close', finish);
  });
}

/**
 * One row per contender: with several passes, the pass with the median ops/s (the lower middle
 * of an even count), with every pass's ops/s in `passOpsPerSec`.
 */
function medianRows(passes: readonly ResultRow[]): ResultRow[] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of passes) {
    const key = `${row.workload}|${row.engine}|${row.phase ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    if (list.length === 1) return list[0]!;
    const ok = list.filter(measured).sort((a, b) => a.opsPerSec - b.opsPerSec);
    if (ok.length === 0) return list[0]!;
    const median = ok[Math.floor((ok.length - 1) / 2)]!;
    return { ...median, passOpsPerSec: list.map((r) => (measured(r) ? r.opsPerSec : null)), passesFailed: list.length - ok.length };
  });
}

/** `min–max` of a row's passes relative to its median, e.g. `-4%/+6%`, or empty with one pass. */
function spread(row: ResultRow): string {
  const all = row['passOpsPerSec'];
  if (!Array.isArray(all)) return '';
  const values = all.filter((v): v is number => typeof v === 'number');
  if (values.length < 2) return '';
  const pct = (v: number): string => `${v >= row.opsPerSec ? '+' : ''}${(((v - row.opsPerSec) / row.opsPerSec) * 100).toFixed(0)}%`;
  return `${pct(Math.min(...values))}/${pct(Math.max(...values))}`;
}

/** A percentile, or `<1 ms` under the load generator's resolution (W6). */
function latency(us: number | undefined, row: ResultRow): string {
  const resolution = row['latencyResolutionUs'];
  if (us !== undefined && typeof resolution === 'number' && us < resolution) return `<${micros(resolution)}`;
  return micros(us);
}

function label(row: ResultRow): string {
  return row.phase === undefined ? row.engine : `${row.engine} (${row.phase})`;
}

/** Prints a workload's table and goals; returns the JSON of its own report, if it has one. */
function printWorkload(workload: WorkloadDef, rows: readonly ResultRow[], goals: readonly Goal[]): Record<string, unknown> | undefined {
  console.log(`\n## ${workload.title}`);
  if (workload.report !== undefined) {
    const own = workload.report(rows);
    for (const line of own.lines) console.log(line);
    for (const goal of goals) console.log(`  goal: ${goal.target} — ${goal.actual} — ${goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'NOT met'}`);
    return own.json;
  }
  const defs = workload.contenders(DEFAULT_SIZES);
  const primaryOf = (row: ResultRow): ResultRow | undefined => {
    const def = defs.find((d) => d.primary === true && d.group === row.group);
    return def === undefined ? undefined : rows.find((r) => r.engine === def.id && measured(r));
  };
  const repeated = rows.some((r) => Array.isArray(r['passOpsPerSec']));
  const header = ['contender', 'ops', 'seconds', 'ops/s', ...(repeated ? ['passes'] : []), 'p50', 'p99', 'peak RSS', 'anon', 'heap', 'heap+anon', 'keepr ÷ this'];
  const body = rows.map((row) => {
    if (!measured(row)) return [label(row), row.skipped !== undefined ? 'skipped' : 'FAILED'];
    const primary = primaryOf(row);
    return [
      label(row),
      int(row.ops),
      row.seconds.toFixed(2),
      rate(row.opsPerSec),
      ...(repeated ? [spread(row)] : []),
      latency(row.p50Us, row),
      latency(row.p99Us, row),
      mib(row.peakRssMiB),
      mib(row.peakAnonMiB),
      mib(row.peakHeapMiB),
      mib(row.peakHeapPlusAnonMiB),
      workload.id === 'w0' || primary === undefined ? '' : primary === row ? '(ref)' : ratio(primary.opsPerSec / row.opsPerSec),
    ];
  });
  console.log(table(header, body));
  for (const row of rows) {
    if (row.skipped !== undefined) console.log(`  skipped ${label(row)}: ${row.skipped}`);
    else if (row.error !== undefined) console.log(`  FAILED ${label(row)}: ${row.error.split('\n').slice(0, 3).join(' | ')}`);
  }
  if (workload.id === 'w0') {
    const mean = diskRate(rows);
    if (mean !== undefined) console.log(`  W0 fdatasync mean of start and end: ${rate(mean)}/s (used for the W3 ratio)`);
  }
  if (workload.id === 'w2') console.log('  p50/p99: per commit of one batch');
  if (workload.id === 'w3') console.log('  p50/p99: per put (each its own durable transaction)');
  if (workload.id === 'w1') console.log('  p50/p99: sampled on every 64th get');
  if (workload.id === 'w6') console.log('  ops/s = requests/s; p50/p99 from autocannon (1 ms resolution); meanLatencyUs in the JSON');
  for (const goal of goals) {
    const verdict = goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'NOT met';
    console.log(`  goal: ${goal.target} — ${goal.actual} — ${verdict}`);
  }
  return undefined;
}

/** What running a stage needs from the driver. */
interface Runner {
  readonly missing: readonly string[];
  /** Why the PostgreSQL contenders cannot run, or undefined when they can. */
  readonly noPostgres: string | undefined;
  readonly runDir: string;
  /** Runs one process and logs it; `counted` steps advance the progress counter. */
  step(step: Step, counted: boolean): Promise<ResultRow>;
  /** Logs a contender that does not run. */
  skip(name: string, why: string): void;
}

/** Runs one workload's contenders (after its prepare steps); returns their rows and the prepare rows. */
async function runStage(stage: Stage, runner: Runner): Promise<{ rows: ResultRow[]; prepared: ResultRow[] }> {
  const { workload, phase } = stage;
  const rows: ResultRow[] = [];
  const prepared: ResultRow[] = [];
  const runnable: ContenderDef[] = [];
  for (const contender of stage.contenders) {
    if (contender.postgres === true && runner.noPostgres !== undefined) {
      rows.push({ workload: workload.id, engine: contender.id, ops: 0, seconds: 0, opsPerSec: NaN, skipped: runner.noPostgres });
      runner.skip(`${workload.id} ${contender.id}`, runner.noPostgres);
      continue;
    }
    const absent = contender.peers.filter((p) => runner.missing.includes(p));
    if (absent.length === 0) {
      runnable.push(contender);
      continue;
    }
    const why = `${absent.join(', ')} not installed (npm run bench:install)`;
    rows.push({ workload: workload.id, engine: contender.id, ops: 0, seconds: 0, opsPerSec: NaN, skipped: why });
    runner.skip(`${workload.id} ${contender.id}`, why);
  }
  // Data that readers share is written once per family, by a process of its own.
  const loads = new Map<string, { dir: string; row: ResultRow }>();
  try {
    if (workload.prepare !== undefined) {
      for (const family of new Set(runnable.map((c) => familyOf(c.id)))) {
        const dir = mkdtempSync(join(runner.runDir, `${workload.id}-${family}-`));
        const row = await runner.step({ workload, contender: `${family}.prepare`, dataDir: dir }, false);
        prepared.push(row);
        loads.set(family, { dir, row });
      }
    }
    for (const contender of runnable) {
      const load = loads.get(familyOf(contender.id));
      if (load !== undefined && !measured(load.row)) {
        rows.push({ workload: workload.id, engine: contender.id, ops: 0, seconds: 0, opsPerSec: NaN, error: `prepare failed: ${load.row.error ?? ''}` });
        runner.skip(`${workload.id} ${contender.id}`, 'its prepare step failed');
        continue;
      }
      const step: Step = {
        workload,
        contender: contender.id,
        ...(contender.group === undefined ? {} : { group: contender.group }),
        ...(phase === undefined ? {} : { phase }),
        ...(load === undefined ? {} : { dataDir: load.dir }),
      };
      const row = await runner.step(step, true);
      rows.push(load === undefined ? row : { ...row, loadSeconds: load.row.seconds });
    }
  } finally {
    for (const { dir } of loads.values()) rmSync(dir, { recursive: true, force: true });
  }
  // Rows in the workload's contender order, skipped ones included.
  const order = stage.contenders.map((c) => c.id);
  rows.sort((a, b) => order.indexOf(a.engine) - order.indexOf(b.engine));
  return { rows, prepared };
}

async function main(): Promise<number> {
  const opts = options();
  if (opts === undefined) return 0;
  const started = Date.now();
  const missing = missingPeers();
  if (missing.length > 0) {
    console.log(`Peers not installed in bench/node_modules: ${missing.map((m) => `${m} (${PEER_PACKAGES[m]})`).join(', ')}.`);
    console.log('Run `npm run bench:install` to install them; their contenders are skipped in this run.\n');
  }
  mkdirSync(opts.baseDir, { recursive: true });
  const runDir = mkdtempSync(join(opts.baseDir, 'keepr-bench-'));
  const plan = stages(opts);
  // PostgreSQL only when a selected contender needs it; children find it in KEEPR_PG_URL.
  const postgres = plan.some((stage) => stage.contenders.some((c) => c.postgres === true)) ? await providePostgres(opts.pgUrl) : undefined;
  if (postgres !== undefined) {
    console.log(postgres.missing === undefined ? postgres.origin : `${postgres.missing}: the PostgreSQL contenders are skipped in this run.`);
    if (postgres.url !== undefined) process.env['KEEPR_PG_URL'] = postgres.url;
  }
  const pgSettings = postgres?.url === undefined ? undefined : await postgresSettings(postgres.url);
  const { command, cleanup } = opts.tsx ? { command: TSX_CHILD, cleanup: (): void => undefined } : compile();
  const removeAll = (): void => {
    rmSync(runDir, { recursive: true, force: true });
    cleanup();
  };
  const onSignal = (): void => {
    removeAll();
    void (postgres?.stop(runDir) ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const total = opts.repeat * plan.reduce((n, stage) => n + stage.contenders.length, 0);
  const passNote = opts.repeat > 1 ? ` in ${opts.repeat} passes` : '';
  console.log(`keepr bench: ${total} contender runs${passNote}${opts.quick ? ' (quick)' : ''}, each in its own ${command.mode === 'compiled' ? 'node' : 'node + tsx'} process; data under ${runDir}`);
  let done = 0;
  const runner: Runner = {
    missing,
    noPostgres: postgres?.missing,
    runDir,
    step: async (step, counted) => {
      if (counted) done++;
      const name = `${step.workload.id} ${step.contender}${step.phase === undefined ? '' : ` (${step.phase})`}`;
      const t = Date.now();
      const row = await runChild(step, opts, runDir, command);
      const took = ((Date.now() - t) / 1000).toFixed(1);
      // A failed row has no numbers: describe it only when measured.
      const what = (): string => (counted ? `${rate(row.opsPerSec)} ops/s` : `loaded ${int(row.ops)} entries`);
      console.log(`${counted ? `[${done}/${total}]` : '     '} ${name}: ${measured(row) ? what() : `FAILED: ${row.error ?? ''}`} (${took} s)`);
      return row;
    },
    skip: (name, why) => {
      done++;
      console.log(`[${done}/${total}] ${name}: skipped (${why})`);
    },
  };
  const passes: ResultRow[] = [];
  const prepared: ResultRow[] = [];
  try {
    for (let pass = 1; pass <= opts.repeat; pass++) {
      if (opts.repeat > 1) console.log(`pass ${pass} of ${opts.repeat}`);
      for (const stage of plan) {
        const out = await runStage(stage, runner);
        passes.push(...out.rows.map((row) => ({ ...row, pass })));
        prepared.push(...out.prepared.map((row) => ({ ...row, pass })));
      }
    }
  } finally {
    await postgres?.stop(runDir);
    removeAll();
  }

  const rows = medianRows(passes);
  const goals = evaluateGoals(rows);
  const reports: Record<string, Record<string, unknown>> = {};
  for (const workload of WORKLOADS) {
    const mine = rows.filter((r) => r.workload === workload.id);
    if (mine.length === 0) continue;
    const json = printWorkload(workload, mine, goals.filter((g) => g.workload === workload.id));
    if (json !== undefined) reports[workload.id] = json;
  }
  const seconds = (Date.now() - started) / 1000;
  const met = goals.filter((g) => g.met === true).length;
  const measuredGoals = goals.filter((g) => g.met !== undefined).length;
  console.log(`\nGoals met: ${met} of ${measuredGoals} measured (${goals.length - measuredGoals} not measured). Ratios are keepr ÷ contender of ops/s.`);
  const failed = rows.filter((r) => r.error !== undefined);

  const report = {
    date: localDate(),
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round(seconds * 10) / 10,
    machine: machineInfo(opts.baseDir),
    options: { quick: opts.quick, repeat: opts.repeat, only: opts.only, engines: opts.families ?? 'all', seed: opts.seed, sizes: opts.sizes },
    missingPeers: missing,
    ...(postgres === undefined ? {} : { postgres: { origin: postgres.origin, ...(pgSettings === undefined ? {} : { settings: pgSettings }) } }),
    w0DiskFdatasyncMean: diskRate(rows),
    childMode: command.mode,
    results: rows,
    ...(opts.repeat > 1 ? { passes } : {}),
    prepared,
    goals,
    ...(Object.keys(reports).length > 0 ? { reports } : {}),
  };
  mkdirSync(dirname(opts.resultsPath), { recursive: true });
  writeFileSync(opts.resultsPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results: ${opts.resultsPath} (run took ${seconds.toFixed(0)} s)`);
  if (failed.length > 0) console.log(`${failed.length} contender run(s) failed: ${failed.map((r) => r.engine).join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
