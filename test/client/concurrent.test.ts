/**
 * Four processes increment one counter on one server through the client, with conditional
 * writes and retries: if any update were lost (two writers both winning from the same read),
 * the final count would fall short of 4 × N.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { liveServer } from './live-server.js';

const child = fileURLToPath(new URL('./fixtures/increment-child.ts', import.meta.url));
const PROCESSES = 4;
const N = 50;

function runChild(url: string): Promise<{ done: number; retries: number }> {
  return new Promise((resolve, reject) => {
    const proc = fork(child, [url, String(N)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let report: { done: number; retries: number } | undefined;
    proc.on('message', (m: { done: number; retries: number }) => (report = m));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code === 0 && report !== undefined) resolve(report);
      else reject(new Error(`increment child exited with ${String(code)}`));
    });
  });
}

describe('concurrent conditional writes through the client', () => {
  it(`loses no update with ${PROCESSES} processes incrementing one counter ${N} times each`, async () => {
    const { store, url } = await liveServer();
    await (await store.source('counters')).put('c', Block.from(0));
    const reports = await Promise.all(Array.from({ length: PROCESSES }, () => runChild(url)));
    expect(reports.map((r) => r.done)).toEqual(Array.from({ length: PROCESSES }, () => N));
    const final = await (await store.source('counters')).get('c');
    expect(final?.toJS()).toBe(PROCESSES * N);
    // Contention really happened (else the test proves nothing about conditions).
    expect(reports.reduce((sum, r) => sum + r.retries, 0)).toBeGreaterThan(0);
  }, 60_000);
});
