/**
 * Builds io-trace.c (with io-trace-names.c and io-trace.h) into a shared object with the system C compiler, once per source version:
 * the .so is cached in the temp directory under the hash of the source.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = ['io-trace.h', 'io-trace.c', 'io-trace-names.c'].map((name) => fileURLToPath(new URL(`./${name}`, import.meta.url)));

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

/** Path of the compiled shim (compiling it when this source version has no cached build). */
export function buildShim(): string {
  if (process.platform !== 'linux') throw new Error('the power-cut harness needs Linux (LD_PRELOAD, /proc/self/fd)');
  const hash = createHash('sha256');
  for (const source of SOURCES) hash.update(readFileSync(source));
  const dir = join(tmpdir(), `keepr-io-trace-${hash.digest('hex').slice(0, 16)}`);
  const target = join(dir, 'io-trace.so');
  if (existsSync(target)) return target;
  const cc = compiler();
  if (cc === undefined) {
    throw new Error('the power-cut harness compiles test/helpers/power-cut/io-trace.c at test time and found no C compiler (tried $CC, cc, gcc, clang): install one, e.g. `apt-get install gcc`');
  }
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `io-trace.${process.pid}.so`);
  try {
    execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', partial, SOURCES[1]!, SOURCES[2]!, '-ldl', '-lpthread'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`compiling the power-cut shim with ${cc} failed:\n${stderr}`, { cause: err });
  }
  renameSync(partial, target); // atomic: parallel test files never load a half-written .so
  return target;
}
