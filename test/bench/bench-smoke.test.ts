/**
 * Smoke test of `npm run bench`: the driver in --quick mode at a tenth of the quick sizes, W1
 * and W4 only, keepr and raw lmdb only (both root dependencies), WC (keepr only) on its own, and
 * W5 (keepr, and @ethereumjs/mpt when bench/node_modules has it; skipped otherwise), and W1 and W4
 * for keepr on PostgreSQL beside plain pg (on the test server the global setup started), and W7
 * (codecs against Gorilla, gzip, brotli and Arrow; the time series on LMDB, LevelDB and
 * PostgreSQL; the 1% query over HTTP as Arrow). It checks
 * that the run prints the tables and writes a valid results file; it asserts nothing about speed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { vegaSeries } from '../helpers/vega-series.js';

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
    expect(run.stdout).toMatch(/goal: keepr getSync\(\{ borrow: true \}\) ≥ 0\.9× raw lmdb getBinaryFast — [\d,]+ vs [\d,]+ ops\/s = [\d.]+× — (met|NOT met)/);
    expect(run.stdout).toMatch(/goal: keepr entriesSync\(\{ borrow: true \}\) ≥ 1\.0× raw lmdb getRange — .* — (met|NOT met)/);
    expect(run.stdout).toMatch(/goal: keepr\.getSync: peak RssAnon \(memory not backed by a file\) < 150 MiB — anon [\d.]+ MiB; V8 heap [\d.]+ MiB/);

    const report = JSON.parse(readFileSync(results, 'utf8')) as { machine: { cores: number; node: string }; results: Row[]; goals: unknown[] };
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.cores).toBeGreaterThan(0);
    const engines = report.results.map((r) => `${r.workload} ${r.engine}`).sort();
    expect(engines).toEqual(['w1 keepr.get', 'w1 keepr.getSync', 'w1 keepr.getSyncBorrow', 'w1 lmdb.getBinary', 'w1 lmdb.getBinaryFast', 'w4 keepr.entries', 'w4 keepr.entriesSync', 'w4 keepr.entriesSyncBorrow', 'w4 lmdb.getRange']);
    for (const row of report.results) {
      expect(row.error).toBeUndefined();
      expect(row.ops).toBeGreaterThan(0);
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.peakRssMiB).toBeGreaterThan(0);
      expect(row.verified).toMatch(/byte for byte/);
    }
    expect(report.goals.length).toBeGreaterThan(0);
  }, 60_000);

  it('runs W1 and W4 for keepr-pg and plain pg on PostgreSQL, with the 0.8× goals', () => {
    const dir = makeTmpDir('keepr-bench-smoke-pg-');
    const results = join(dir, 'results.json');
    const args = ['--import', 'tsx', 'bench/run.ts', '--quick', '--scale', '0.1', '--only', 'w1,w4', '--engines', 'keepr-pg,pg', '--dir', dir, '--results', results];
    // KEEPR_PG_URL (set by the global setup) is the server the run uses. Six processes each
    // open a pg pool: about 30 s on an idle 2-core machine, over a minute on a busy one.
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/PostgreSQL at .* \(given\)/);
    expect(run.stdout).toMatch(/keepr-pg\.get\s+[\d,]+/);
    expect(run.stdout).toMatch(/pg\.range\s+[\d,]+/);
    expect(run.stdout).toMatch(/goal: keepr-pg point get ≥ 0\.8× plain pg — [\d,.]+ vs [\d,.]+ ops\/s = [\d.]+× — (met|NOT met)/);
    expect(run.stdout).toMatch(/goal: keepr-pg range scan ≥ 0\.8× plain pg — .* — (met|NOT met)/);

    const report = JSON.parse(readFileSync(results, 'utf8')) as { results: Row[]; postgres: { settings: Record<string, string> } };
    expect(report.results.map((r) => `${r.workload} ${r.engine}`).sort()).toEqual(['w1 keepr-pg.get', 'w1 pg.get', 'w4 keepr-pg.entries', 'w4 pg.range']);
    for (const row of report.results) {
      expect(row.error).toBeUndefined();
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.verified).toMatch(/byte for byte/);
    }
    expect(report.postgres.settings['server_version']).toMatch(/^\d+/);
  }, 160_000);

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

  it('runs W5 versioned state, checks every read and proof, and reports disk and proof size', () => {
    const dir = makeTmpDir('keepr-bench-smoke-w5-');
    const results = join(dir, 'results.json');
    // keepr-pg.state runs on the test PostgreSQL (KEEPR_PG_URL, set by the global setup).
    const args = ['--import', 'tsx', 'bench/run.ts', '--quick', '--scale', '0.1', '--only', 'w5', '--dir', dir, '--results', results];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('## W5 versioned state');
    expect(run.stdout).toMatch(/keepr\.state \(store\.state on LMDB\)\s+[\d.]+\s+[\d,]+/);
    expect(run.stdout).toMatch(/keepr-pg\.state \(store\.state on PostgreSQL\)\s+[\d.]+\s+[\d,]+/);
    expect(run.stdout).toContain('goal: keepr updates/s (commit included) ≥ 50× @ethereumjs/mpt on LevelDB');
    expect(run.stdout).toContain("goal: keepr's folder while open (data, commit log, lock files) ≤ 0.15× @ethereumjs/mpt's folder while open");
    expect(run.stdout).toMatch(/proof size at [\d,]+ keys: keepr [\d,]+ B/);

    type W5Row = Row & { skipped?: string; diskBytes: number; liveBytes?: number; fullCopyBytes: number; readP50Us: number; verifyP50Us: number; proofBytesAvg: number };
    const report = JSON.parse(readFileSync(results, 'utf8')) as { results: W5Row[]; reports: { w5: { keeprProof: { avgBytes: number; predictedBytes: number } } } };
    expect(report.results.map((r) => r.engine).sort()).toEqual(['keepr-pg.state', 'keepr.state', 'mpt.level']);
    for (const row of report.results) {
      if (row.engine === 'mpt.level' && row.skipped !== undefined) continue; // peers not installed
      expect(row.error).toBeUndefined();
      expect(row.ops).toBe(5 * 50); // --quick: 5 heights; --scale 0.1: 50 updates each
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.diskBytes).toBeGreaterThan(0);
      expect(row.fullCopyBytes).toBe(6 * 1000 * 132);
      expect(row.readP50Us).toBeGreaterThan(0);
      expect(row.verifyP50Us).toBeGreaterThan(0);
      expect(row.proofBytesAvg).toBeGreaterThan(0);
      expect(row.verified).toMatch(/all 20 proofs verify/);
    }
    const keepr = report.results.find((r) => r.engine === 'keepr.state')!;
    expect(keepr.liveBytes).toBeGreaterThan(0);
    // The whole folder while open holds at least the data file.
    expect((keepr as W5Row & { openFolderBytes: number }).openFolderBytes).toBeGreaterThanOrEqual(keepr.diskBytes);
    // The measured proof size is what keepr's proof format predicts for this many keys.
    const { avgBytes, predictedBytes } = report.reports.w5.keeprProof;
    expect(Math.abs(avgBytes - predictedBytes) / predictedBytes).toBeLessThan(0.1);
  }, 120_000);

  it('runs W7: the compression table on every real and generated series, the time series on every engine and over HTTP', () => {
    const dir = makeTmpDir('keepr-bench-smoke-w7-');
    const results = join(dir, 'results.json');
    // keepr-pg.series runs on the test PostgreSQL (KEEPR_PG_URL, set by the global setup).
    const args = ['--import', 'tsx', 'bench/run.ts', '--quick', '--scale', '0.1', '--only', 'w7', '--dir', dir, '--results', results];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.stdout).not.toMatch(/FAILED/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('## W7 time series');
    expect(run.stdout).toMatch(/\* walk-2dp-1s\s+2,000\s+\S+/);
    expect(run.stdout).toMatch(/keepr\.series\s+LMDB\s+20,000\s+[\d,]+/);
    expect(run.stdout).toMatch(/keepr-level\.series\s+LevelDB\s+20,000\s+[\d,]+/);
    expect(run.stdout).toMatch(/keepr-pg\.series\s+PostgreSQL\s+20,000\s+[\d,]+/);
    expect(run.stdout).toMatch(/keepr\.http-arrow: 1% query over HTTP as Arrow: [\d,]+ points\/s/);
    expect(run.stdout).toMatch(/goal: sp500\.csv:price: keepr ≤ 0\.5× Gorilla bits\/value and ≤ brotli bytes — .* — (met|NOT met)/);
    expect(run.stdout).toMatch(/goal: keepr \(LMDB\) durable append ≥ 5,000,000 points\/s — [\d,]+ points\/s — (met|NOT met)/);

    type W7Row = Row & { series?: { name: string; points: number; keeprValueBytes: number; gorillaValueBits: number; brotliBytes: number; arrowBytes: number }[]; queryPointsPerSec?: number; downsamplePointsPerSec?: number };
    const report = JSON.parse(readFileSync(results, 'utf8')) as { results: W7Row[]; reports: { w7: { compression: { series: string; keeprBitsPerValue: number }[] } } };
    expect(report.results.map((r) => r.engine).sort()).toEqual(['keepr-level.series', 'keepr-pg.series', 'keepr.codecs', 'keepr.http-arrow', 'keepr.series']);
    for (const row of report.results) {
      expect(row.error).toBeUndefined();
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.verified).toMatch(/bit for bit|byte for byte|checked/);
    }
    const codecs = report.results.find((r) => r.engine === 'keepr.codecs')!;
    const real = vegaSeries();
    // --quick caps each real series at 5,000 points; --scale 0.1 makes that 500.
    expect(codecs.series!.map((s) => s.name)).toEqual([...real.map((s) => s.name), 'walk-2dp-1s', 'sensor-full-1s', 'irregular-1dp']);
    expect(codecs.series!.map((s) => s.points)).toEqual([...real.map((s) => Math.min(500, s.values.length)), 2000, 2000, 2000]);
    for (const s of codecs.series!) {
      expect(s.keeprValueBytes).toBeGreaterThan(0);
      expect(s.gorillaValueBits).toBeGreaterThan(64);
      expect(s.arrowBytes).toBeGreaterThan(s.points * 8);
    }
    expect(report.reports.w7.compression).toHaveLength(real.length + 3);
    for (const engine of ['keepr.series', 'keepr-level.series', 'keepr-pg.series']) {
      const row = report.results.find((r) => r.engine === engine)!;
      expect(row.ops).toBe(20_000);
      expect(row.queryPointsPerSec).toBeGreaterThan(0);
      expect(row.downsamplePointsPerSec).toBeGreaterThan(0);
    }
  }, 120_000);
});
