/**
 * Soak test of `keepr serve`: measures the maximum rate of a mixed load (70 % reads, 25 %
 * writes, 5 % deletes and batches of 1 KiB blocks), then offers a fraction of it at a constant
 * rate for minutes while SIGKILLing and restarting the server, checks that every acknowledged
 * write reads back byte for byte, and reports latency, errors, outages and server memory per
 * minute. Exits 1 on any lost write or error. See docs/operations.md, "Soak test".
 *   npm run soak -- --minutes 2 --kill-every 30 --json /tmp/soak.json
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../bench/lib/stats.js';
import { HttpClient } from './soak/http.js';
import { Ledger, Rng } from './soak/ledger.js';
import { closedLoop, OpenLoop } from './soak/loops.js';
import { parseOptions } from './soak/options.js';
import { formatTable, Recorder } from './soak/report.js';
import { freePort, ServerProcess } from './soak/server.js';
import { checkAll, checkSample, type CheckResult } from './soak/verify.js';
import { prefill, Workload } from './soak/workload.js';

const options = parseOptions(process.argv.slice(2));
const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string): void => {
  process.stderr.write(`soak: ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (!options.noBuild) {
  log('npm run build');
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error(`npm run build failed (${built.status ?? built.signal})`);
}

const startedAt = new Date().toISOString();
const ownDir = options.dir === undefined;
const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'keepr-soak-'));
const port = options.port ?? (await freePort());
const source = 'soak';
const rng = new Rng(options.seed);
const ledger = new Ledger();
const client = new HttpClient(port, options.clients);
const measureRecorder = new Recorder(performance.now(), options.measureSeconds * 1000, 0);
const workload = new Workload(client, ledger, rng, source, `r${options.seed.toString(36)}-${Date.now().toString(36)}/`, measureRecorder);
let crashed = 0;
const server = new ServerProcess(join(root, 'dist/cli/main.js'), dir, port, (code, signal) => {
  crashed++;
  workload.recorder.error('server exited by itself', `exit code ${code ?? '-'}, signal ${signal ?? '-'}`);
});

log(`seed ${options.seed}, dir ${dir}, http://127.0.0.1:${port}, ${cpus().length} cpus, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await server.start();
const created = await client.request('PUT', `/v1/sources/${source}`);
if (created.status !== 201 && created.status !== 409) throw new Error(`create source: ${created.status} ${created.body.toString()}`);
await prefill(workload, options.prefill);

// 1. The maximum: closed loop, `clients` clients.
log(`measuring the maximum: ${options.clients} closed-loop clients for ${options.measureSeconds} s`);
const measured = await closedLoop(workload, options.clients, options.measureSeconds);
const measuredRow = measureRecorder.rows()[0]!;
const perSec = round(measured.perSec * options.load);
log(`maximum ${round(measured.perSec)} requests/s (p50 ${measuredRow.p50Ms} ms, p99 ${measuredRow.p99Ms} ms); soaking at ${perSec}/s`);

// 2. The soak: open loop at load × maximum, a SIGKILL every killEvery seconds.
const durationMs = options.minutes * 60_000;
const soakStart = performance.now();
const recorder = new Recorder(soakStart, durationMs, perSec);
workload.recorder = recorder;
const loop = new OpenLoop(workload, client, perSec);
const restarts: { atSec: number; readyMs: number; liveKeys: number }[] = [];
const killTimes: number[] = [];
const checks: CheckResult[] = [];
let kills = 0;
let printed = 0;
const sampler = setInterval(() => {
  const memory = server.memory();
  if (memory !== undefined) recorder.memory(memory);
  const minute = Math.floor((performance.now() - soakStart) / 60_000);
  if (minute > printed && printed < Math.ceil(options.minutes)) {
    const lines = formatTable(recorder.rows().slice(0, minute)).split('\n');
    if (printed === 0) log(lines[0]!);
    for (const line of lines.slice(printed + 1, minute + 1)) log(line);
    printed = minute;
  }
}, 1000);

async function restart(): Promise<void> {
  const readyMs = await server.start();
  restarts.push({ atSec: recorder.sinceStart(), readyMs: round(readyMs), liveKeys: ledger.liveCount });
}

loop.start();
const end = soakStart + durationMs;
let nextKill = options.killEvery > 0 ? soakStart + options.killEvery * 1000 : Infinity;
while (performance.now() < end) {
  await sleep(Math.max(0, Math.min(200, end - performance.now(), nextKill - performance.now())));
  if (server.pid === undefined && crashed > 0) {
    log(`server crashed at ${recorder.sinceStart()} s; restarting`);
    await restart();
  }
  if (performance.now() < nextKill || performance.now() >= end) continue;
  const killedAt = recorder.sinceStart();
  recorder.kill();
  killTimes.push(killedAt);
  kills++;
  await server.kill();
  await restart();
  const check = await checkSample(client, ledger, rng, recorder, source, 500, 100);
  checks.push(check);
  log(`kill ${kills} at ${round(killedAt)} s: ready in ${restarts.at(-1)!.readyMs} ms; checked ${check.checked} live, ${check.deletedChecked} deleted: ${check.lost} lost, ${check.errors} errors`);
  nextKill += options.killEvery * 1000;
}
await loop.stop();
clearInterval(sampler);
const rows = recorder.rows();

// 3. A last SIGKILL, then every acknowledged write and delete is read back.
kills++;
await server.kill();
await restart();
log(`final kill; checking all ${ledger.liveCount} live and ${ledger.deletedCount} deleted keys`);
const finalCheck = await checkAll(client, ledger, recorder, source);
const exitCode = await server.stop();
if (exitCode !== 0) recorder.error('server shutdown', `SIGTERM: exit code ${exitCode ?? 'null'}`);
client.close();

const totals = {
  requests: rows.reduce((n, r) => n + r.requests, 0),
  kills,
  killsDuringSoak: killTimes.length,
  restarts: restarts.length,
  crashes: crashed,
  acknowledgedWrites: ledger.acknowledgedWrites,
  acknowledgedDeletes: ledger.acknowledgedDeletes,
  unknownWrites: ledger.unknownWrites,
  unknownDeletes: ledger.unknownDeletes,
  finalLiveKeys: finalCheck.checked,
  finalDeletedKeys: finalCheck.deletedChecked,
  lostWrites: recorder.lostCount,
  errors: recorder.errorCount,
  droppedRequests: rows.reduce((n, r) => n + r.dropped, 0),
  shedRequests: rows.reduce((n, r) => n + r.shed, 0),
  unavailableSec: round(rows.reduce((n, r) => n + r.unavailableSec, 0), 2),
  outages: loop.outages,
  serverStderrLines: server.stderrLines,
};
const report = {
  startedAt,
  command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim(),
  options: { ...options, dir, port },
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
  mix: { get: 0.7, put: 0.25, delete: 0.025, batchOf4Puts: 0.025, blockBytes: 1024 },
  measured: { seconds: options.measureSeconds, clients: options.clients, requests: measured.requests, perSec: round(measured.perSec), p50Ms: measuredRow.p50Ms, p99Ms: measuredRow.p99Ms, errors: measureRecorder.errorCount },
  offeredPerSec: perSec,
  minutes: rows,
  p99By10s: recorder.windows(),
  totals,
  killTimes,
  restarts,
  checks,
  finalCheck,
  errors: [...measureRecorder.errors, ...recorder.errors],
  lost: recorder.lost,
  serverStderrTail: server.stderrTail.slice(-20),
};

process.stdout.write(`\n${formatTable(rows)}\n\n`);
process.stdout.write(`maximum ${report.measured.perSec}/s, offered ${perSec}/s; ${Object.entries(totals).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
for (const p of [...report.errors, ...report.lost]) process.stdout.write(`  at ${p.atSec} s: ${p.what}: ${p.detail}\n`);
if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
const failed = totals.lostWrites > 0 || totals.errors + measureRecorder.errorCount > 0;
if (ownDir && !failed) rmSync(dir, { recursive: true, force: true });
else log(`store kept in ${dir}`);
process.exit(failed ? 1 : 0);
