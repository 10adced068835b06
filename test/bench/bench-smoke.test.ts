/**
 * Smoke test of `npm run bench`: the driver in --quick mode at a tenth of the quick sizes, W1
 * and W4 only, keepr and raw lmdb only (both root dependencies), and WC (keepr only) on its own.
 * It checks that the run prints the tables and writes a valid results file; it asserts nothing
 * about speed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Row {
  readonly workload: string;
  readonly engine: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly peakRssMiB: number;
  readonly verified: string;
  readonly error?: string;
}

describe('npm run bench', () => {
  it('runs W1 and W4 for keepr and raw lmdb, prints tables and writes results JSON', () => {
    const dir = makeTmpDir('keepr-bench-smoke-');
    const results = join(dir, 'results.json');
    const args = ['--import', 'tsx', 'bench/run.ts', '--quick', '--scale', '0.1', '--only', 'w1,w4', '--engines', 'keepr,lmdb', '--dir', dir, '--results', results];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('## W1 point reads');
    expect(run.stdout).toContain('## W4 range scan');
    expect(run.stdout).toMatch(/keepr\.getSync\s+[\d,]+/);
    expect(run.stdout).toContain('goal: keepr getSync ≥ 0.9× raw lmdb getBinary');

    const report = JSON.parse(readFileSync(results, 'utf8')) as { machine: { cores: number; node: string }; results: Row[]; goals: unknown[] };
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.cores).toBeGreaterThan(0);
    const engines = report.results.map((r) => `${r.workload} ${r.engine}`).sort();
    expect(engines).toEqual(['w1 keepr.get', 'w1 keepr.getSync', 'w1 lmdb.getBinary', 'w1 lmdb.getBinaryFast', 'w4 keepr.entries', 'w4 keepr.entriesSync', 'w4 lmdb.getRange']);
    for (const row of report.results) {
      expect(row.error).toBeUndefined();
      expect(row.ops).toBeGreaterThan(0);
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.peakRssMiB).toBeGreaterThan(0);
      expect(row.verified).toMatch(/byte for byte/);
    }
    expect(report.goals.length).toBeGreaterThan(0);
  }, 60_000);

  it('runs WC for the three compression settings on the three data sets and prints a recommendation', () => {
    const dir = makeTmpDir('keepr-bench-smoke-wc-');
    const results = join(dir, 'results.json');
    const args = ['--import', 'tsx', 'bench/run.ts', '--quick', '--scale', '0.1', '--only', 'wc', '--dir', dir, '--results', results];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('## WC compression');
    expect(run.stdout).toMatch(/compressible\s+compress-off\s+[\d,]+/);
    expect(run.stdout).toMatch(/recommendation: /);

    const report = JSON.parse(readFileSync(results, 'utf8')) as { results: (Row & { diskBytes: number; rawBytes: number; readBlocksPerSec: number })[]; reports: { wc: { recommended: string } } };
    const engines = report.results.map((r) => r.engine).sort();
    const expected = ['compressible', 'incompressible', 'small'].flatMap((set) => ['off', '16k', '1k'].map((s) => `keepr.compress-${s}:${set}`)).sort();
    expect(engines).toEqual(expected);
    for (const row of report.results) {
      expect(row.error).toBeUndefined();
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.readBlocksPerSec).toBeGreaterThan(0);
      expect(row.diskBytes).toBeGreaterThan(0);
      expect(row.verified).toMatch(/byte for byte/);
    }
    // Compression shrinks the compressible set's data file; it is not asserted how much.
    const disk = (engine: string): number => report.results.find((r) => r.engine === engine)!.diskBytes;
    expect(disk('keepr.compress-1k:compressible')).toBeLessThan(disk('keepr.compress-off:compressible'));
    expect(['off', 'compress-16k', 'compress-1k']).toContain(report.reports.wc.recommended);
  }, 60_000);
});
