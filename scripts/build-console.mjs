/**
 * Builds the console into dist/console/: one esbuild bundle of web/console/main.ts (its views,
 * uPlot, and the very `verifyProof` of src/state compiled for the browser, with `node:crypto`
 * replaced by a SHA-256 from @noble/hashes), its stylesheet (uPlot's, console.css, views/*.css), index.html and the icon.
 * Run by build-if-stale after tsc; the server installs dist/console/ into a store as blocks.
 *
 * Usage: node scripts/build-console.mjs [--root <dir>]; tests import `buildConsole(root, out)`.
 */
import console from 'node:console';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** Builds the console of the project at `root` into `out` (default dist/console); returns the exit code. */
export async function buildConsole(root, out = join(root, 'dist', 'console')) {
  const require = createRequire(join(root, 'package.json'));
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href);
  const web = join(root, 'web', 'console');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(web, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    alias: { 'node:crypto': join(web, 'lib', 'crypto-shim.ts') },
    inject: [join(web, 'lib', 'buffer-shim.ts')],
    outfile: join(out, 'console.js'),
    logLevel: 'warning',
  });
  if (result.errors.length > 0) return 1;
  const uplotCss = join(dirname(require.resolve('uplot/package.json')), 'dist', 'uPlot.min.css');
  // uPlot's sheet, the console's, then each view's own (views/*.css, in name order).
  const views = readdirSync(join(web, 'views')).filter((name) => name.endsWith('.css')).sort();
  const sheets = [uplotCss, join(web, 'console.css'), ...views.map((name) => join(web, 'views', name))];
  writeFileSync(join(out, 'console.css'), sheets.map((path) => readFileSync(path, 'utf8')).join('\n'));
  copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
  copyFileSync(join(web, 'favicon.svg'), join(out, 'favicon.svg'));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf('--root');
  buildConsole(resolve(at === -1 ? process.cwd() : process.argv[at + 1])).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`build-console: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
