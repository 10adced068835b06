/**
 * Running the built `keepr` binary as a user would. The CLI test files run in parallel worker
 * processes, so the build happens once for all of them: under a lock directory, skipped when a
 * stamp says the sources have not changed since the last build.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The repository root and the built binary. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN = join(ROOT, 'dist/cli/main.js');

const LOCK = join(ROOT, 'dist/.cli-test-build.lock');
const STAMP = join(ROOT, 'dist/.cli-test-build.stamp');

/** A digest of every file the build reads, so an unchanged tree is not rebuilt. */
function sourceDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(ROOT, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex');
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds `dist/` from the current sources once per source state, whichever test file asks first. */
export function ensureBuilt(): void {
  const digest = sourceDigest();
  const fresh = (): boolean => existsSync(MAIN) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest;
  if (fresh()) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another worker builds; a lock older than two minutes was left by a crash.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      sleep(200);
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    writeFileSync(STAMP, digest);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** What a finished `keepr` run gave. */
export interface Result {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Options of a `keepr` run. */
export interface RunOptions {
  readonly input?: string | Uint8Array;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** The environment without any KEEPR_* variable of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KEEPR_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `keepr args` to completion (synchronously). */
export function keepr(args: readonly string[], options: RunOptions = {}): Result {
  const res = spawnSync(process.execPath, [MAIN, ...args], { input: options.input ?? '', env: cleanEnv(options.env), cwd: options.cwd, timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr.toString('utf8') };
}

/** Runs `keepr args` without blocking the event loop (while the test talks to a server). */
export function keeprAsync(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: cleanEnv(options.env), cwd: options.cwd });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `keepr args`, expects success and no stderr, and gives stdout. */
export function ok(args: readonly string[], options?: RunOptions): Buffer {
  const res = keepr(args, options);
  expect(res.stderr, args.join(' ')).toBe('');
  expect(res.code, args.join(' ')).toBe(0);
  return res.stdout;
}

/** Runs `keepr args`, expects the exit code and a `keepr: CODE:` line, and gives the result. */
export function fails(args: readonly string[], exit: number, code: string, options?: RunOptions): Result {
  const res = keepr(args, options);
  expect(res.stderr, args.join(' ')).toMatch(new RegExp(`^keepr: ${code}: `));
  expect(res.code, args.join(' ')).toBe(exit);
  return res;
}

/** A running `keepr serve`. */
export interface Server {
  readonly url: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `keepr serve --port 0` on a store and waits for its URL. */
export async function startServer(dir: string, extraArgs: readonly string[] = [], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--dir', dir, '--host', '127.0.0.1', '--port', '0', ...extraArgs], { env: cleanEnv(env) });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  let stderr = '';
  let out = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no URL printed; stderr: ${stderr}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited early; stderr: ${stderr}`));
    });
  });
  return {
    url,
    child,
    stdout: () => out,
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
