/**
 * Builds a test-only `LD_PRELOAD` shim (C sources beside the test helpers) into a shared object
 * with the system C compiler, once per source version: the .so is cached in the temp directory
 * under the hash of its sources.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The first C compiler found on PATH, or undefined. */
function compiler(): string | undefined {
  for (const cc of [process.env['CC'], 'cc', 'gcc', 'clang']) {
    if (cc === undefined || cc === '') continue;
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * Path of the compiled shim `name` (compiling `sources` when this version has no cached build).
 * `headers` are hashed too but not compiled.
 */
export function buildShim(name: string, sources: readonly string[], headers: readonly string[] = []): string {
  if (process.platform !== 'linux') throw new Error(`the ${name} shim needs Linux (LD_PRELOAD, /proc/self/fd)`);
  const hash = createHash('sha256');
  for (const file of [...headers, ...sources]) hash.update(readFileSync(file));
  const dir = join(tmpdir(), `keepr-${name}-${hash.digest('hex').slice(0, 16)}`);
  const target = join(dir, `${name}.so`);
  if (existsSync(target)) return target;
  const cc = compiler();
  if (cc === undefined) {
    throw new Error(`the ${name} test shim is compiled at test time and no C compiler was found (tried $CC, cc, gcc, clang): install one, e.g. \`apt-get install gcc\``);
  }
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `${name}.${process.pid}.so`);
  try {
    execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', partial, ...sources, '-ldl', '-lpthread'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`compiling the ${name} shim with ${cc} failed:\n${stderr}`, { cause: err });
  }
  renameSync(partial, target); // atomic: parallel test files never load a half-written .so
  return target;
}
