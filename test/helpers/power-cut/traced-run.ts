/**
 * Runs child processes under the io-trace shim against a fresh store directory and loads what
 * they did: the trace, the acks, and the file-system history the cut states are drawn from.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildHistory, type FsHistory, type InitialEntry } from './fs-history.js';
import { buildShim } from './shim-build.js';
import { acksOf, readTrace, type Ack, type TraceRecord } from './trace.js';
import { materialize } from './cut-state.js';

/** A traced child: a TypeScript or JavaScript file run with tsx, and its arguments. */
export interface TracedChild {
  readonly script: string;
  readonly args: readonly string[];
}

/** A finished traced run. */
export interface TracedRun {
  /** Scratch directory of the run (store, trace, markers, cut states); remove it when done. */
  readonly work: string;
  /** The traced store directory (canonical path). */
  readonly root: string;
  readonly markers: string;
  readonly traceBytes: number;
  readonly records: readonly TraceRecord[];
  readonly acks: readonly Ack[];
  readonly history: FsHistory;
  readonly elapsedMs: number;
}

/** LMDB's lock file is shared memory (written through a mapping, never synced): not modelled. */
export function isLockFile(path: string): boolean {
  return path.endsWith('-lock') || path.endsWith('lock.mdb');
}

/** A fresh scratch directory with an empty store directory inside. */
export function makeWork(prefix = 'keepr-power-cut-'): { work: string; root: string; markers: string; trace: string } {
  const work = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const root = join(work, 'store');
  mkdirSync(root);
  const markers = join(work, 'markers.txt');
  writeFileSync(markers, '');
  return { work, root, markers, trace: join(work, 'trace.bin') };
}

/** Runs the children at once, without the shim (to prepare a store); rejects when one fails. */
export async function runUntraced(children: readonly TracedChild[]): Promise<void> {
  await runChildren(children, { ...process.env, LD_PRELOAD: '' });
}

/**
 * Runs the children at once under the shim; rejects when one fails. Files already in the store
 * directory are the durable starting state.
 */
export async function runTraced(children: readonly TracedChild[], place = makeWork()): Promise<TracedRun> {
  const shim = buildShim();
  const initial = readInitial(place.root);
  const started = performance.now();
  await runChildren(children, { ...process.env, LD_PRELOAD: shim, IOTRACE_ROOT: place.root, IOTRACE_OUT: place.trace, IOTRACE_MARKERS: place.markers, UV_USE_IO_URING: '0' });
  const elapsedMs = performance.now() - started;
  const records = readTrace(place.trace, place.root);
  return {
    work: place.work,
    root: place.root,
    markers: place.markers,
    traceBytes: statSync(place.trace).size,
    records,
    acks: acksOf(records),
    history: buildHistory(records, initial, isLockFile),
    elapsedMs,
  };
}

/** The files under `root` as a durable starting state (LMDB lock files left out). */
function readInitial(root: string): InitialEntry[] {
  return [...snapshotTree(root)].map(([path, value]): InitialEntry => {
    if (value === 'dir') return { path, type: 'dir' };
    if (value.startsWith('symlink ')) return { path, type: 'symlink', target: value.slice('symlink '.length) };
    return { path, type: 'file', content: Buffer.from(value, 'base64') };
  });
}

async function runChildren(children: readonly TracedChild[], env: NodeJS.ProcessEnv): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          const proc = spawn(process.execPath, ['--import', 'tsx', child.script, ...child.args], { env, stdio: ['ignore', 'inherit', 'pipe'] });
          let stderr = '';
          proc.stderr.on('data', (chunk: Buffer) => {
            stderr = (stderr + chunk.toString()).slice(-4000);
          });
          proc.on('error', reject);
          proc.on('exit', (code, signal) => {
            if (code === 0) resolve();
            else reject(new Error(`traced child ${child.script} failed (${signal ?? code}):\n${stderr}`));
          });
        }),
    ),
  );
}

/** Every file and directory under `dir` (relative paths; files by content, links by target). */
export function snapshotTree(dir: string, ignore: (path: string) => boolean = isLockFile): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      const rel = relative(dir, full);
      if (ignore(rel)) continue;
      if (entry.isDirectory()) {
        out.set(rel, 'dir');
        walk(full);
      } else if (entry.isSymbolicLink()) out.set(rel, `symlink ${readlinkSync(full)}`);
      else out.set(rel, readFileSync(full).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

/**
 * Replays every recorded operation (nothing dropped) and compares with the files the run left:
 * returns the paths that differ (empty when the trace saw every write).
 */
export function replayDifferences(run: TracedRun): string[] {
  const target = join(run.work, 'replay-all');
  rmSync(target, { recursive: true, force: true });
  materialize(run.history, { cut: run.history.recordCount, strategy: 'kill', seed: 1 }, target);
  const want = snapshotTree(run.root);
  const got = snapshotTree(target);
  rmSync(target, { recursive: true, force: true });
  const paths = new Set([...want.keys(), ...got.keys()]);
  return [...paths].filter((p) => want.get(p) !== got.get(p)).map((p) => `${p}: ${want.has(p) ? (got.has(p) ? 'content differs' : 'missing in replay') : 'only in replay'}`);
}
