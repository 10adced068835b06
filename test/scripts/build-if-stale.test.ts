import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url));

// A stand-in compiler: counts its runs, writes dist/index.js, and fails when FAIL_BUILD is set.
const fakeCompiler = `
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync('calls.txt', 'x');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/index.js', '');
if (process.env.FAIL_BUILD) process.exit(3);
`;

let root = '';

function run(...args: string[]): number | null {
  const result = spawnSync(process.execPath, [script, '--root', root, ...args, '--', process.execPath, 'fake-tsc.mjs'], { encoding: 'utf8' });
  return result.status;
}

function builds(): number {
  return existsSync(join(root, 'calls.txt')) ? readFileSync(join(root, 'calls.txt'), 'utf8').length : 0;
}

/** Marks a file or folder as modified `seconds` from now (0: now, later than any earlier stamp). */
function touch(path: string, seconds: number): void {
  const at = new Date(Date.now() + seconds * 1000);
  utimesSync(join(root, path), at, at);
}

describe('scripts/build-if-stale.mjs', () => {
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'keepr-build-if-stale-'));
    mkdirSync(join(root, 'src', 'block'), { recursive: true });
    writeFileSync(join(root, 'src', 'index.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src', 'block', 'b.ts'), 'export const b = 2;\n');
    writeFileSync(join(root, 'package.json'), '{}\n');
    writeFileSync(join(root, 'tsconfig.json'), '{}\n');
    writeFileSync(join(root, 'tsconfig.build.json'), '{}\n');
    writeFileSync(join(root, 'fake-tsc.mjs'), fakeCompiler);
    for (const path of ['src/index.ts', 'src/block/b.ts', 'src/block', 'src', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) touch(path, -60);
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('builds when there is no stamp, then not again until a source changes', () => {
    expect(run()).toBe(0);
    expect(builds()).toBe(1);
    expect(existsSync(join(root, 'dist', '.build-stamp'))).toBe(true);
    expect(run()).toBe(0);
    expect(builds()).toBe(1);
    touch('src/block/b.ts', 0);
    expect(run()).toBe(0);
    expect(builds()).toBe(2);
    expect(run()).toBe(0);
    expect(builds()).toBe(2);
  });

  it('rebuilds after a change to package.json or a tsconfig', () => {
    for (const [i, file] of ['package.json', 'tsconfig.json', 'tsconfig.build.json'].entries()) {
      expect(run()).toBe(0);
      touch(file, 0);
      expect(run()).toBe(0);
      expect(builds()).toBe(i + 2);
    }
  });

  it('rebuilds when a source file is added or deleted', () => {
    expect(run()).toBe(0);
    writeFileSync(join(root, 'src', 'block', 'c.ts'), 'export const c = 3;\n');
    touch('src/block/c.ts', -60); // only the folder's time tells
    expect(run()).toBe(0);
    expect(builds()).toBe(2);
    rmSync(join(root, 'src', 'index.ts'));
    expect(run()).toBe(0);
    expect(builds()).toBe(3);
  });

  it('rebuilds when dist/ is gone, and always with --force', () => {
    expect(run()).toBe(0);
    rmSync(join(root, 'dist'), { recursive: true });
    expect(run()).toBe(0);
    expect(builds()).toBe(2);
    expect(run('--force')).toBe(0);
    expect(run('--force')).toBe(0);
    expect(builds()).toBe(4);
  });

  it('keeps no stamp after a failed build, so the next start builds again', () => {
    expect(run()).toBe(0);
    touch('src/index.ts', 0);
    const failed = spawnSync(process.execPath, [script, '--root', root, '--', process.execPath, 'fake-tsc.mjs'], { env: { ...process.env, FAIL_BUILD: '1' } });
    expect(failed.status).toBe(3);
    expect(existsSync(join(root, 'dist', '.build-stamp'))).toBe(false);
    expect(run()).toBe(0);
    expect(builds()).toBe(3);
    expect(run()).toBe(0);
    expect(builds()).toBe(3);
  });

  it('refuses unknown arguments', () => {
    expect(run('--nope')).toBe(2);
    expect(builds()).toBe(0);
  });

  it('is what npm start runs before serving, while npm run build always builds', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['prestart']).toBe('node scripts/build-if-stale.mjs');
    expect(scripts['build']).toBe('node scripts/build-if-stale.mjs --force');
  });
});
