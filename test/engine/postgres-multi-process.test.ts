/**
 * Many processes on one PostgreSQL schema: keepr servers are stateless in front of it.
 * Four server processes and four client processes, each client on its own server, increment one
 * counter with conditional writes; a lost update (two writers winning from the same read) would
 * leave the counter short of the sum of acknowledged increments. Then the block caches of two
 * processes stay coherent through NOTIFY.
 * `KEEPR_PG_MULTI_MS` sets how long the clients increment (default 15,000 ms).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Block } from '../../src/block/index.js';
import { connect } from '../../src/client/index.js';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import { open } from '../../src/store/index.js';
import { eventually } from '../helpers/eventually.js';
import { freshSchema, pgUrl } from '../helpers/postgres-engines.js';

const serveChild = fileURLToPath(new URL('./fixtures/pg-serve-child.ts', import.meta.url));
const incrementChild = fileURLToPath(new URL('./fixtures/pg-increment-child.ts', import.meta.url));
const PROCESSES = 4;
const INCREMENT_MS = Number(process.env['KEEPR_PG_MULTI_MS'] ?? 15_000);

/** Forks a keepr server process on `schema`; resolves with its URL once it listens. */
async function serve(schema: string): Promise<string> {
  const child = fork(serveChild, [pgUrl(), schema], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  onTestFinished(() => stopChild(child));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => {
      resolve(m.port);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`server child exited with ${String(code)}`));
    });
  });
  return `http://127.0.0.1:${port}`;
}

/** Asks a server child to close its server and store, and waits for it to exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  if (child.connected) child.send({ stop: true });
  else child.kill('SIGKILL');
  await exited;
}

/** Runs one increment client against `url` for INCREMENT_MS. */
function increment(url: string): Promise<{ increments: number; conflicts: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(incrementChild, [url, String(INCREMENT_MS)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let report: { increments: number; conflicts: number } | undefined;
    child.on('message', (m: { increments: number; conflicts: number }) => (report = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && report !== undefined) resolve(report);
      else reject(new Error(`increment child exited with ${String(code)}`));
    });
  });
}

describe('many keepr processes on one PostgreSQL schema', () => {
  it(`lose no conditional increment: ${PROCESSES} clients on ${PROCESSES} servers for ${INCREMENT_MS} ms`, async () => {
    const schema = freshSchema();
    const store = await open({ engine: postgresEngine(pgUrl(), { schema }) });
    onTestFinished(() => store.close());
    await (await store.source('counters')).put('c', Block.from(0));
    const urls = await Promise.all(Array.from({ length: PROCESSES }, () => serve(schema)));
    const reports = await Promise.all(urls.map((url) => increment(url)));
    const seconds = INCREMENT_MS / 1000;
    const total = reports.reduce((sum, r) => sum + r.increments, 0);
    const final = await (await store.source('counters')).get('c');
    expect(final?.toJS()).toBe(total);
    // Every client got increments in, and they really contended for the key.
    for (const report of reports) expect(report.increments).toBeGreaterThan(0);
    expect(reports.reduce((sum, r) => sum + r.conflicts, 0)).toBeGreaterThan(0);
    console.log(`postgres multi-process: ${total} increments in ${seconds.toFixed(1)} s over ${PROCESSES} servers (${(total / seconds).toFixed(0)}/s), ${reports.reduce((sum, r) => sum + r.conflicts, 0)} conflicts`);
  }, INCREMENT_MS + 60_000);

  it('keep block caches coherent: a block cached in one process is replaced after another process writes it', async () => {
    const schema = freshSchema();
    const store = await open({ engine: postgresEngine(pgUrl(), { schema }), cache: { maxEntries: 1000 } });
    onTestFinished(() => store.close());
    const source = await store.source('s');
    await source.put('k', Block.from('one'));
    const url = await serve(schema);
    const client = await connect(url);
    onTestFinished(() => client.close());
    const remote = await client.source('s', { create: false });
    // The other process caches the block too, so both caches must drop it.
    expect((await remote.get('k'))?.toJS()).toBe('one');
    expect((await source.get('k'))?.toJS()).toBe('one');
    const hitsBefore = (await store.stats()).cache!.hits;
    expect((await source.get('k'))?.toJS()).toBe('one');
    expect((await store.stats()).cache!.hits).toBe(hitsBefore + 1);

    await remote.put('k', Block.from('two'));
    await eventually(async () => (await source.get('k'))?.toJS() === 'two', 10_000, 'this process seeing the other one\'s write');
    await source.put('k', Block.from('three'));
    await eventually(async () => (await remote.get('k'))?.toJS() === 'three', 10_000, 'the server process seeing this one\'s write');
  });
});
