/**
 * Crash atomicity of instrument writes: a child appends and rewrites batches until SIGKILLed at
 * a random moment, several times over; after each reopen every acknowledged batch is there
 * with its exact values, the batch in flight is wholly there or absent, every chunk decodes and
 * the head's counts match what a full read finds.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { levelEngine } from '../../src/engine/level/index.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { BATCH, expectedValue } from './fixtures/series-data.js';

const writer = fileURLToPath(new URL('./fixtures/series-writer.ts', import.meta.url));
const ROUNDS = 2;

async function runAndKill(engine: string, dir: string, afterMs: number): Promise<number> {
  const child = fork(writer, [engine, dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let acknowledged = -1;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (msg: { ready?: boolean; acknowledged?: number }) => {
      if (msg.ready === true) setTimeout(() => { child.kill('SIGKILL'); }, afterMs);
      if (msg.acknowledged !== undefined) acknowledged = msg.acknowledged;
    });
    child.on('exit', () => { resolve(); });
    child.on('error', reject);
  });
  return acknowledged;
}

describe.each(['lmdb', 'level'])('instrument writes under SIGKILL (%s)', (engine) => {
  it(`keep every acknowledged batch and never half a batch across ${ROUNDS} kills`, async () => {
    const dir = makeTmpDir();
    let acknowledged = -1;
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged = Math.max(acknowledged, await runAndKill(engine, dir, 400 + Math.floor(Math.random() * 400)));
      const store = await (engine === 'level' ? open({ engine: levelEngine(dir) }) : open(dir));
      try {
        const ts = await store.instrument('crash', { create: false, index: 'time' });
        const { times, values } = await ts.read();
        const info = await ts.info();
        expect(info.points).toBe(times.length);
        // Whole batches only: the points end at a batch boundary, at or after the last acknowledged one.
        expect(times.length % BATCH).toBe(0);
        const last = times.length / BATCH - 1;
        expect(last).toBeGreaterThanOrEqual(acknowledged);
        for (let i = 0; i < times.length; i++) {
          const t = Number(times[i]!) / 1000;
          expect(t).toBe(i);
          if (values[i] !== expectedValue(t, last)) expect([t, values[i]]).toEqual([t, expectedValue(t, last)]);
        }
      } finally {
        await store.close();
      }
    }
    expect(acknowledged).toBeGreaterThan(ROUNDS);
  }, 120_000);
});
