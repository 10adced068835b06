/**
 * One contender of one workload, in its own process (so its peak memory is its own):
 *
 *   node --import tsx bench/child.ts <workload> <contender> '<ChildConfig JSON>'
 *
 * (the driver runs the same file compiled to JavaScript). Prints one JSON line: `{ workload,
 * engine, ops, seconds, opsPerSec, p50Us?, p99Us?, peakRssMiB, peakAnonMiB, peakHeapMiB,
 * peakHeapPlusAnonMiB, verified, ... }`, or `{ workload, engine, error }` and exits 1. The
 * contender `<family>.prepare` runs the workload's prepare step into `dataDir` instead. A
 * directory the process made for itself is removed before it exits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildConfig } from './lib/config.js';
import { MemorySampler } from './lib/memory.js';
import { workload } from './workloads/index.js';
import { parseContender, type CaseResult } from './workloads/types.js';

// Exit even if some handle (a native thread pool, a socket) would keep the process alive.
const WATCHDOG_MS = 5000;

async function main(): Promise<number> {
  const mem = new MemorySampler();
  const [workloadId = '', contender = '', configJson = '{}'] = process.argv.slice(2);
  const config = JSON.parse(configJson) as ChildConfig;
  const own = config.dataDir === undefined;
  const dir = config.dataDir ?? (await mkdtemp(join(config.baseDir, `${workloadId}-${contender.replace(/[^A-Za-z0-9.-]/g, '_')}-`)));
  try {
    const def = workload(workloadId);
    const ctx = { dir, sizes: config.sizes, seed: config.seed, mem, phase: config.phase };
    const { family, method } = parseContender(contender);
    let line: Record<string, unknown>;
    if (method === 'prepare') {
      if (def.prepare === undefined) throw new Error(`${workloadId} has no prepare step`);
      const prepared = await def.prepare(family, ctx);
      line = { workload: workloadId, engine: contender, ...prepared, ops: prepared.entries, seconds: prepared.loadSeconds, opsPerSec: prepared.entries / prepared.loadSeconds };
    } else {
      const result: CaseResult = await def.run(contender, ctx);
      const opsPerSec = typeof result['opsPerSec'] === 'number' ? result['opsPerSec'] : result.ops / result.seconds;
      line = { workload: workloadId, engine: contender, ...(config.phase === undefined ? {} : { phase: config.phase }), ...result, opsPerSec };
    }
    process.stdout.write(`${JSON.stringify({ ...line, ...mem.peaks(), pid: process.pid })}\n`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stdout.write(`${JSON.stringify({ workload: workloadId, engine: contender, error: message.split('\n').slice(0, 6).join('\n') })}\n`);
    return 1;
  } finally {
    if (own) await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
setTimeout(() => process.exit(), WATCHDOG_MS).unref();
