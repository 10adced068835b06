/**
 * Builds dist/ only when it is older than what it is built from, so `npm start` does not spend
 * seconds recompiling an unchanged tree. Plain Node, no dependencies.
 *
 * Stale means: no stamp file (dist/.build-stamp), or a file or folder under src/ or web/, or
 * package.json, tsconfig.json or tsconfig.build.json, modified at or after the stamp. Folders
 * count too, so deleting or renaming a source file also makes dist stale. The stamp is written
 * only after a successful build, with the time the build started (an edit made during a build
 * triggers the next one); it is removed before each build, so a failed build is retried.
 *
 * Usage: node scripts/build-if-stale.mjs [--force] [--root <dir>] [-- <compiler> <args…>]
 * The compiler defaults to the project's `tsc -p tsconfig.build.json`, followed by
 * scripts/build-console.mjs (the web console into dist/console); --force always builds (that is
 * `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** What dist/ is built from, relative to the project root. */
export const INPUTS = ['src', 'web', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The stamp written after a successful build, relative to the project root. */
export const STAMP = join('dist', '.build-stamp');

/** The newest modification time (ms) of a file, or of a folder and everything under it; 0 when missing. */
export function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/** True when the stamp under `root` is missing or not newer than every input. */
export function isStale(root, inputs = INPUTS, stamp = STAMP) {
  let built;
  try {
    built = statSync(join(root, stamp)).mtimeMs;
  } catch {
    return true;
  }
  return inputs.some((input) => newestMtime(join(root, input)) >= built);
}

function parseArgs(argv) {
  const options = { force: false, root: process.cwd(), command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.command = argv.slice(i + 1);
      break;
    }
    if (arg === '--force') options.force = true;
    else if (arg === '--root' && i + 1 < argv.length) options.root = argv[++i];
    else throw new Error(`unknown argument ${JSON.stringify(arg)}`);
  }
  options.root = resolve(options.root);
  return options;
}

/** Builds when stale (or forced); returns the exit code. */
export function main(argv) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (err) {
    console.error(`build-if-stale: ${err.message}`);
    return 2;
  }
  const { force, root } = options;
  if (!force && !isStale(root)) {
    console.log('build-if-stale: dist/ is up to date, not rebuilding');
    return 0;
  }
  const command = options.command.length > 0
    ? options.command
    : [process.execPath, createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'];
  const stampPath = join(root, STAMP);
  rmSync(stampPath, { force: true });
  const started = new Date();
  const result = spawnSync(command[0], command.slice(1), { cwd: root, stdio: 'inherit' });
  if (result.error !== undefined) {
    console.error(`build-if-stale: cannot run ${command[0]}: ${result.error.message}`);
    return 1;
  }
  if (result.status !== 0) return result.status ?? 1;
  if (options.command.length === 0) {
    const consoleBuild = spawnSync(process.execPath, [join(root, 'scripts', 'build-console.mjs'), '--root', root], { cwd: root, stdio: 'inherit' });
    if (consoleBuild.status !== 0) return consoleBuild.status ?? 1;
  }
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(stampPath, `${started.toISOString()}\n`);
  utimesSync(stampPath, started, started);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
