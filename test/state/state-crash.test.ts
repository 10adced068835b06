/**
 * Crash atomicity of commits: a child commits heights until SIGKILLed at a random moment,
 * many times over; after each reopen every height is either wholly there, with roots that the
 * audit recomputes and that match what the child reported, or absent.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { open } from '../../src/store/index.js';
import { auditState } from '../../src/state/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { heightWrites } from './fixtures/state-data.js';
import { all } from '../helpers/collect.js';

const writer = fileURLToPath(new URL('./fixtures/state-writer.ts', import.meta.url));
const ROUNDS = 6;

async function runAndKill(dir: string, afterMs: number): Promise<Map<number, string>> {
  const child = fork(writer, [dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const committed = new Map<number, string>();
  await new Promise<void>((resolve, reject) => {
    // The kill is armed at the round's first acknowledged commit, not at start-up: on a busy
    // machine a child killed a fixed time after start-up may not have committed anything yet.
    let armed = false;
    child.on('message', (msg: { ready?: boolean; committed?: number; root?: string }) => {
      if (msg.committed !== undefined && msg.root !== undefined) {
        committed.set(msg.committed, msg.root);
        if (!armed) {
          armed = true;
          setTimeout(() => {
            child.kill('SIGKILL');
          }, afterMs);
        }
      }
    });
    child.on('exit', () => {
      resolve();
    });
    child.on('error', reject);
  });
  return committed;
}

describe('state commits under SIGKILL', () => {
  it(`leave every height whole or absent across ${ROUNDS} kills`, async () => {
    const dir = makeTmpDir();
    const roots = new Map<number, string>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [h, root] of await runAndKill(dir, 200 + Math.floor(Math.random() * 400))) roots.set(h, root);
      const store = await open(dir);
      try {
        const state = await store.state('crash');
        const report = await auditState(state.context);
        expect(report.problems).toEqual([]);
        const heights = await all(state.heights());
        // Contiguous from 0, and every acknowledged commit is there with the root reported.
        expect(heights.map((h) => h.height)).toEqual(heights.map((_, i) => i));
        for (const { height, root } of heights) if (roots.has(height)) expect(root).toBe(roots.get(height));
        for (const h of roots.keys()) expect(h).toBeLessThanOrEqual(state.latest ?? -1);
        // Spot check: the last height's writes read back.
        const last = state.latest;
        if (last !== undefined) {
          const w = heightWrites(last).find((x) => x.value !== undefined && !heightWrites(last).some((y) => y.key === x.key && y.tree === x.tree && y.value === undefined))!;
          const got = await state.at(last).get(w.tree, w.key);
          expect(Buffer.from(got as Uint8Array).toString()).toBe(Buffer.from(w.value!).toString());
        }
      } finally {
        await store.close();
      }
    }
    // Every round acknowledged at least one height of its own.
    expect(roots.size).toBeGreaterThanOrEqual(ROUNDS);
  }, 120_000);
});
