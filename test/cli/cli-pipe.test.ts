import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { MAIN, cleanEnv, ensureBuilt } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/**
 * Runs `keepr args` with a stdout reader that goes away after the first bytes, as `| head -c 1`
 * does (or, with `start`, that is gone before the command starts), and gives the exit code and stderr.
 */
function runIntoClosedPipe(args: readonly string[], closeAt: 'first bytes' | 'start' = 'first bytes'): Promise<{ code: number | null; signal: string | null; stderr: string; read: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let read = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (closeAt === 'start') child.stdout.destroy();
    child.stdout.once('data', (chunk: Buffer) => {
      read = chunk.length;
      child.stdout.destroy();
    });
    // A run that hangs is killed, so a failing test leaves no process behind.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, read });
    });
  });
}

describe('keepr CLI with a closed stdout', () => {
  it('ends with exit 0 and nothing on stderr when the reader of stdout goes away (ls, ls --json, dump)', async () => {
    const dir = join(makeTmpDir(), 'db');
    const store = await open(dir);
    try {
      // 1 MiB and more of output: several times a pipe or socket buffer (64 KiB, ~200 KiB), so the
      // writes must meet the closed end.
      const source = await store.source('SRC');
      const pad = 'x'.repeat(200);
      await source.transact(Array.from({ length: 6000 }, (_, i) => ({ op: 'put' as const, key: `${pad}/${String(i).padStart(6, '0')}`, block: Block.from(i) })));
      const big = await store.source('BIG');
      await big.transact(Array.from({ length: 3 }, (_, i) => ({ op: 'put' as const, key: `b${i}`, block: Block.file(Buffer.alloc(1 << 20, i), 'application/octet-stream') })));
    } finally {
      await store.close();
    }
    const runs = [['ls', 'SRC'], ['ls', 'SRC', '--long'], ['ls', 'SRC', '--json'], ['dump']];
    const results = await Promise.all(runs.map((args) => runIntoClosedPipe([...args, '--dir', dir])));
    runs.forEach((args, i) => {
      const label = args.join(' ');
      expect.soft(results[i]!.read, label).toBeGreaterThan(0);
      expect.soft(results[i]!.stderr, label).toBe('');
      expect.soft([results[i]!.code, results[i]!.signal], label).toEqual([0, null]);
    });
  }, 60_000);

  it('stops serve (server and store closed, exit 0) when stdout is closed before it can print its URL', async () => {
    const dir = join(makeTmpDir(), 'db');
    const res = await runIntoClosedPipe(['serve', '--port', '0', '--dir', dir], 'start');
    expect([res.code, res.signal, res.stderr]).toEqual([0, null, '']);
  }, 30_000);
});
