/**
 * Faults under the PostgreSQL engine: the database server crashing mid-write
 * (`pg_ctl stop -m immediate`, on a private server with fsync on) and a keepr writer process
 * SIGKILLed mid-write. Writes in flight fail with ENGINE_UNAVAILABLE, the same engine writes
 * again by itself once the server is back, and every acknowledged write is there.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KeeprError } from '../../src/errors.js';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { freshSchema, pgUrl } from '../helpers/postgres-engines.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { pgWriterKey, pgWriterValue } from './fixtures/pg-writer-data.js';

const writerChild = fileURLToPath(new URL('./fixtures/pg-writer-child.ts', import.meta.url));
const WRITERS = 4;

describe('postgres server crash mid-write', () => {
  it('fails writes in flight with ENGINE_UNAVAILABLE, reconnects by itself, loses nothing acknowledged', async () => {
    const server = await startPostgres({ fsync: true });
    onTestFinished(() => {
      server.stop();
    });
    const engine = postgresEngine(server.url, { schema: 'keepr', connectTimeoutMs: 2000 });
    await engine.open();
    onTestFinished(() => engine.close());
    await engine.createNamespace('n');

    const acked = new Set<number>();
    const failures: unknown[] = [];
    const inDoubt = new Set<number>();
    let next = 0;
    let stop = false;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const n = next++;
        try {
          await engine.put('n', pgWriterKey('w', n), pgWriterValue('w', n));
          acked.add(n);
        } catch (err) {
          failures.push(err);
          if (err instanceof KeeprError && err.details?.['inDoubt'] === true) inDoubt.add(n);
          // Keep trying, as a real writer would, but do not spin while the server is away.
          await sleep(10);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, () => writer());

    await eventually(() => acked.size >= 200, 20_000, '200 acknowledged writes');
    server.halt('immediate');
    const failuresAtHalt = failures.length;
    // Writes keep failing while the server is down (connection refused, nothing stored).
    await eventually(() => failures.length >= failuresAtHalt + 2 * WRITERS, 20_000, 'writes failing while the server is down');
    server.start();
    const restarted = Date.now();
    const ackedAtStart = acked.size;
    // The same engine, not reopened, writes again once the server is back.
    await eventually(() => acked.size > ackedAtStart, 30_000, 'the first write after the restart');
    const reconnectMs = Date.now() - restarted;
    await eventually(() => acked.size >= ackedAtStart + 200, 30_000, '200 writes after the restart');
    stop = true;
    await Promise.all(writers);

    expect(failures.length).toBeGreaterThan(0);
    for (const err of failures) {
      expect(err).toBeInstanceOf(KeeprError);
      expect((err as KeeprError).code).toBe('ENGINE_UNAVAILABLE');
      expect(typeof (err as KeeprError).details?.['inDoubt']).toBe('boolean');
    }
    // Only a COMMIT in flight at the crash is in doubt: at most one per writer.
    expect(inDoubt.size).toBeLessThanOrEqual(WRITERS);
    expect(failures.length - inDoubt.size).toBeGreaterThan(0);

    // Every acknowledged write survived the crash; an in-doubt one is there whole or not at all.
    const keys = [...acked, ...inDoubt];
    const values = await engine.getMany('n', keys.map((n) => pgWriterKey('w', n)));
    for (const [i, n] of keys.entries()) {
      const value = values[i];
      if (acked.has(n)) expect(value, `acknowledged write ${n}`).toEqual(pgWriterValue('w', n));
      else if (value !== undefined) expect(value).toEqual(pgWriterValue('w', n));
    }
    console.log(`postgres crash: ${acked.size} writes acknowledged, ${failures.length} failed (${inDoubt.size} in doubt); writing again ${reconnectMs} ms after the server was back`);
  }, 90_000);
});

/** Forks a writer child and SIGKILLs it once it has reported `acks` acknowledgements. */
function writeAndKill(schema: string, prefix: string, acks: number): Promise<Set<number>> {
  return new Promise((resolve, reject) => {
    const child = fork(writerChild, [pgUrl(), schema, prefix], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const acked = new Set<number>();
    child.on('message', (message: { ack?: number }) => {
      if (message.ack === undefined) return;
      acked.add(message.ack);
      if (acked.size === acks) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer child exited by itself (${String(_code)})`));
    });
  });
}

describe('keepr writer process killed mid-write', () => {
  it('keeps every acknowledged write', async () => {
    const schema = freshSchema();
    const rounds = ['a', 'b', 'c'].map((prefix, round) => ({ prefix, acks: 100 + round * 75 }));
    const acked = new Map<string, Set<number>>();
    for (const { prefix, acks } of rounds) acked.set(prefix, await writeAndKill(schema, prefix, acks));
    const engine = postgresEngine(pgUrl(), { schema });
    await engine.open();
    onTestFinished(() => engine.close());
    for (const [prefix, ns] of acked) {
      expect(ns.size).toBeGreaterThan(0);
      const values = await engine.getMany('n', [...ns].map((n) => pgWriterKey(prefix, n)));
      expect(values).toEqual([...ns].map((n) => pgWriterValue(prefix, n)));
    }
  }, 60_000);
});
