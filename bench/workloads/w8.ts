/**
 * W8 scale: 1, 2 and 4 keepr server processes (`w8-server.ts`: `buildServer` on
 * `postgresEngine`, all on one schema of one PostgreSQL) behind `w8Clients` concurrent HTTP
 * clients with keep-alive connections, client i on server i mod n (what a round-robin balancer
 * does). Each request picks one of the `w8Keys` preloaded keys uniformly: 90% GET of its block,
 * 10% PUT of the same 1 KiB block (a real durable write that keeps the data checkable). Each
 * point runs `w8WarmupSeconds`, then `w8Seconds` timed; every request is timed.
 *
 * Answers: every GET must be 200 with the key's block byte for byte, every PUT 201.
 *
 * CPU: the machine's busy time and the client's, the servers' and PostgreSQL's processes' CPU
 * seconds over the timed phase (from /proc), to show where the cores went when the curve
 * flattens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchPgUrl, schemaOf } from '../engines/postgres.js';
import { SOURCE_NAME } from '../engines/keepr.js';
import pg from 'pg';
import { cpuOf, cpuSince, machineCpu, pidsCpu } from '../lib/cpu.js';
import { Rng, entries, keyOf } from '../lib/data.js';
import { int, micros, rate, ratio, table } from '../lib/format.js';
import { measured, type ResultRow } from '../lib/result.js';
import { Latencies, nowUs, round } from '../lib/stats.js';
import { prepareKeys } from './load.js';
import { parseContender, type CaseContext, type CaseResult, type ContenderDef, type WorkloadDef, type WorkloadReport } from './types.js';

/** Server process counts measured. */
export const W8_SERVERS = [1, 2, 4] as const;
/** Percent of requests that are PUTs. */
const WRITE_PERCENT = 10;
const BLOCK_MEDIA_TYPE = 'application/vnd.keepr.block';
/** Seconds a server process may take to start. */
const START_TIMEOUT_S = 30;

/** A server process and its port. */
interface Server {
  readonly child: ChildProcess;
  readonly port: number;
}

function startServer(url: string, schema: string): Promise<Server> {
  // The server script beside this file: .ts under tsx, .js when the bench runs compiled.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`./w8-server${ext}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, url, schema], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      fail(new Error(`a W8 server did not start within ${START_TIMEOUT_S} s: ${err.trim()}`));
    }, START_TIMEOUT_S * 1000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined || !out.includes('\n')) return;
      clearTimeout(timer);
      resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => {
      fail(new Error(`a W8 server exited with ${String(code)} before it listened: ${err.trim()}`));
    });
  });
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    server.child.once('exit', () => {
      resolve();
    });
  });
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** One HTTP exchange; resolves to the status and the body. */
function exchange(agent: Agent, port: number, method: 'GET' | 'PUT', path: string, body?: Uint8Array): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': BLOCK_MEDIA_TYPE, 'content-length': body.length };
    const req = request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * The processes of this PostgreSQL server (its backends and background workers, from
 * pg_stat_activity; the servers' pooled connections stay open through a phase): other servers
 * on the machine (a test run's) are not counted.
 */
async function postgresPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()');
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** Counts of one phase (warm-up or timed). */
interface Tally {
  gets: number;
  puts: number;
  readonly lat: Latencies;
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { variant } = parseContender(contender);
  const count = Number(variant ?? '1');
  if (!Number.isInteger(count) || count < 1) throw new Error(`bad server count in ${contender}`);
  const { w8Keys: keys, w8Clients: clients, w8Seconds: seconds, w8WarmupSeconds: warmup } = ctx.sizes;
  const url = benchPgUrl();
  const schema = schemaOf(ctx.dir);
  const blocks = entries(ctx.seed, 0, keys).map((e) => Buffer.from(e.block.bytes));
  const paths = Array.from({ length: keys }, (_, i) => `/v1/sources/${SOURCE_NAME}/blocks/${keyOf(i)}`);
  const servers: Server[] = [];
  const agents: Agent[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServer(url, schema));
    for (let i = 0; i < count; i++) agents.push(new Agent({ keepAlive: true, maxSockets: Math.ceil(clients / count) }));
    ctx.mem.start(50);

    let tally: Tally = { gets: 0, puts: 0, lat: new Latencies(1 << 16) };
    let stopAt = 0;
    const client = async (c: number): Promise<void> => {
      const rng = new Rng(ctx.seed ^ (0xc11e47 + c));
      const port = servers[c % count]!.port;
      const agent = agents[c % count]!;
      while (nowUs() < stopAt) {
        const i = rng.below(keys);
        const put = rng.below(100) < WRITE_PERCENT;
        const mine = tally;
        const t = nowUs();
        const answer = await exchange(agent, port, put ? 'PUT' : 'GET', paths[i]!, put ? blocks[i] : undefined);
        mine.lat.add(nowUs() - t);
        if (put) {
          if (answer.status !== 201) throw new Error(`${contender}: PUT ${paths[i]!} answered ${answer.status}: ${answer.body.toString('utf8', 0, 200)}`);
          mine.puts++;
        } else {
          if (answer.status !== 200 || !answer.body.equals(blocks[i]!)) throw new Error(`${contender}: GET ${paths[i]!} answered ${answer.status} with ${answer.body.length} bytes that are not the block`);
          mine.gets++;
        }
      }
    };
    const phase = async (s: number): Promise<number> => {
      stopAt = nowUs() + s * 1e6;
      const started = nowUs();
      await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
      return (nowUs() - started) / 1e6;
    };

    if (warmup > 0) await phase(warmup);
    tally = { gets: 0, puts: 0, lat: new Latencies(1 << 16) };
    const pids = servers.map((s) => s.child.pid ?? 0);
    const machine0 = machineCpu();
    const own0 = process.cpuUsage();
    const servers0 = pidsCpu(pids);
    const pgPids = await postgresPids(url);
    const pg0 = cpuOf(pgPids);
    const took = await phase(seconds);
    const machine1 = machineCpu();
    const own = process.cpuUsage(own0);
    const serverSeconds = pidsCpu(pids) - servers0;
    const pgSeconds = cpuSince(pg0, cpuOf(pgPids));
    ctx.mem.freeze();

    const ops = tally.gets + tally.puts;
    // CPU shares in cores (1.0 = one core busy all the time).
    const cores = (cpuSeconds: number): number => round(cpuSeconds / took, 2);
    return {
      ops,
      seconds: took,
      ...tally.lat.summary(),
      servers: count,
      clients,
      keys,
      gets: tally.gets,
      puts: tally.puts,
      machineCores: cpus().length,
      cpuBusyCores: cores(machine1.busy - machine0.busy),
      cpuClientCores: cores((own.user + own.system) / 1e6),
      cpuServersCores: cores(serverSeconds),
      cpuPostgresCores: cores(pgSeconds),
      verified: `every GET answered 200 with its key's block byte for byte (${tally.gets}), every PUT 201 (${tally.puts})`,
    };
  } finally {
    for (const agent of agents) agent.destroy();
    await Promise.all(servers.map(stopServer));
  }
}

function contenders(): ContenderDef[] {
  return W8_SERVERS.map((n) => ({ id: `keepr-pg.servers:${n}`, peers: [], postgres: true }));
}

function num(row: ResultRow, field: string): number | undefined {
  const v = row[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Busy cores not used by the client, the servers or PostgreSQL: other work on the machine. */
function other(row: ResultRow): number | undefined {
  const parts = ['cpuBusyCores', 'cpuClientCores', 'cpuServersCores', 'cpuPostgresCores'].map((f) => num(row, f));
  if (parts.some((p) => p === undefined)) return undefined;
  const [busy, client, servers, postgres] = parts as number[];
  return Math.max(0, busy! - client! - servers! - postgres!);
}

function report(rows: readonly ResultRow[]): WorkloadReport {
  const one = rows.find((r) => r.engine === 'keepr-pg.servers:1' && measured(r));
  const cores = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(2));
  const header = ['servers', 'req/s', '÷ 1 server', 'p50', 'p99', 'GET', 'PUT', 'CPU busy', 'client', 'servers', 'postgres', 'other', 'peak RSS'];
  const body = rows.map((row) => {
    const n = row.engine.split(':')[1] ?? row.engine;
    if (!measured(row)) return [n, row.skipped !== undefined ? 'skipped' : 'FAILED'];
    return [
      n,
      rate(row.opsPerSec),
      one === undefined ? '-' : ratio(row.opsPerSec / one.opsPerSec),
      micros(row.p50Us),
      micros(row.p99Us),
      int(num(row, 'gets') ?? NaN),
      int(num(row, 'puts') ?? NaN),
      cores(num(row, 'cpuBusyCores')),
      cores(num(row, 'cpuClientCores')),
      cores(num(row, 'cpuServersCores')),
      cores(num(row, 'cpuPostgresCores')),
      cores(other(row)),
      (row.peakRssMiB ?? NaN).toFixed(1),
    ];
  });
  const lines = [table(header, body)];
  for (const row of rows) {
    if (row.skipped !== undefined) lines.push(`  skipped ${row.engine}: ${row.skipped}`);
    else if (row.error !== undefined) lines.push(`  FAILED ${row.engine}: ${row.error.split('\n').slice(0, 3).join(' | ')}`);
  }
  const any = rows.find(measured);
  if (any !== undefined) {
    lines.push(
      `  ${String(num(any, 'clients'))} keep-alive HTTP clients (client i on server i mod n), ${100 - WRITE_PERCENT}% GET / ${WRITE_PERCENT}% PUT of 1 KiB blocks over ${int(num(any, 'keys') ?? 0)} preloaded keys; each server its own process on postgresEngine (one schema, one PostgreSQL)`,
      `  CPU columns: cores in use over the timed phase (from /proc; the machine has ${String(num(any, 'machineCores'))}): busy = whole machine, client = the load generator, servers = the keepr processes together, postgres = this PostgreSQL's processes (pg_stat_activity), other = the rest of busy (processes outside the bench: on a shared machine the numbers are only as good as this is small); peak RSS is the client's`,
    );
  }
  const curve = rows.filter(measured).map((r) => ({ servers: num(r, 'servers'), requestsPerSec: round(r.opsPerSec, 1), overOneServer: one === undefined ? undefined : round(r.opsPerSec / one.opsPerSec, 3) }));
  return { lines, json: { curve } };
}

export const w8: WorkloadDef = {
  id: 'w8',
  title: 'W8 scale: 1, 2 and 4 keepr server processes in front of one PostgreSQL, 90% GET / 10% PUT of 1 KiB blocks',
  contenders: () => contenders(),
  prepare: (family, ctx) => prepareKeys(family, ctx.sizes.w8Keys, ctx),
  run,
  report,
};
