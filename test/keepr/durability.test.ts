/**
 * Durability, proven by killing: a child commits batches in the default durable mode and
 * reports each acknowledged one; we SIGKILL it at a random moment, reopen the store, and
 * require every acknowledged batch to be there whole, and no batch to be there in part.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { open, type Source } from '../../src/keepr/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { batchSize, expectedBlock } from './fixtures/crash-data.js';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const ROUNDS = 6;

/** Runs the writer from batch `first`, kills it after a random delay, returns the acks seen. */
async function runAndKill(dir: string, first: number, killAfterMs: number): Promise<number[]> {
  const child = fork(writer, [dir, String(first)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const acks: number[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => {
    child.on('exit', (_code, signal) => {
      resolve(signal);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (msg: { ready?: boolean; ack?: number }) => {
      if (msg.ready === true) {
        setTimeout(() => {
          child.kill('SIGKILL');
        }, killAfterMs);
      }
      if (msg.ack !== undefined) acks.push(msg.ack);
    });
    child.on('exit', () => {
      resolve();
    });
    child.on('error', reject);
  });
  expect(await exited).toBe('SIGKILL');
  return acks;
}

/** Which batches are present, checking each present batch is whole and byte-exact. */
async function presentBatches(source: Source): Promise<Set<number>> {
  const byBatch = new Map<number, Set<string>>();
  for await (const [key] of source.entries()) {
    const [, batch, leaf] = /^b(\d+)\/(.+)$/.exec(key) ?? [];
    expect(batch, `unexpected key ${key}`).toBeDefined();
    const set = byBatch.get(Number(batch)) ?? new Set<string>();
    set.add(leaf!);
    byBatch.set(Number(batch), set);
  }
  for (const [batch, leaves] of byBatch) {
    // All or nothing: every block of the batch plus its marker.
    expect(leaves.size, `batch ${batch} is partial`).toBe(batchSize(batch) + 1);
    for (let i = 0; i < batchSize(batch); i++) {
      const block = await source.get(`b${batch}/k${i}`);
      expect(block?.equals(expectedBlock(batch, i)), `b${batch}/k${i} differs`).toBe(true);
    }
  }
  return new Set(byBatch.keys());
}

describe('durability under SIGKILL', () => {
  it(`keeps every acknowledged batch whole across ${ROUNDS} kills, and never half a batch`, async () => {
    const dir = makeTmpDir();
    let next = 0;
    let totalAcks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await runAndKill(dir, next, 150 + Math.floor(Math.random() * 600));
      totalAcks += acks.length;
      const store = await open(dir);
      try {
        const present = await presentBatches(await store.source('crash'));
        for (const ack of acks) expect(present.has(ack), `acknowledged batch ${ack} lost`).toBe(true);
        next = Math.max(next, ...present) + 1;
      } finally {
        await store.close();
      }
    }
    // The test is only meaningful if the writer got work acknowledged before being killed.
    expect(totalAcks).toBeGreaterThan(ROUNDS);
    console.info(`durability: ${totalAcks} acknowledged batches over ${ROUNDS} SIGKILLs, all present and whole`);
  }, 120_000);
});
