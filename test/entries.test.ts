/**
 * The package's entries as a user loads them (through package.json `exports`, from the built
 * package): what `import { open } from 'keepr'` loads, that each entry resolves, and that
 * CommonJS `require('keepr')` works.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTmpDir } from './helpers/tmp-dir.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

/** Runs `code` as an ES module in the package's folder; gives stdout and the modules it loaded. */
async function loaded(code: string): Promise<{ stdout: string; modules: string[] }> {
  const log = join(makeTmpDir(), 'loaded.log');
  const { stdout } = await run(process.execPath, ['--import', './test/helpers/load-log.mjs', '--input-type=module', '-e', code], {
    cwd: root,
    env: { ...process.env, KEEPR_LOADED_LOG: log },
  });
  const modules = readFileSync(log, 'utf8').split('\n').filter((line) => line.length > 0);
  return { stdout, modules };
}

const ours = (modules: readonly string[]): string[] => modules.filter((m) => m.includes('/dist/')).map((m) => m.slice(m.indexOf('/dist/') + 6));
const packages = (modules: readonly string[]): string[] => [...new Set(modules.filter((m) => m.includes('/node_modules/')).map((m) => m.split('/node_modules/').at(-1)!.split('/')[0]!))].sort();

describe('package entries', () => {
  it("import { open } from 'keepr' loads no server and no engine until open(dir) needs LMDB", async () => {
    const dir = makeTmpDir();
    const before = await loaded("const { open } = await import('keepr'); console.log(typeof open);");
    expect(before.stdout.trim()).toBe('function');
    const files = ours(before.modules);
    expect(files).toContain('store/open.js');
    expect(files.filter((f) => /^(server|client|cli|engine\/lmdb|engine\/memory|engine\/level)\//.test(f))).toEqual([]);
    expect(packages(before.modules).filter((p) => /fastify|pino|prom-client|^lmdb$|classic-level|commander/.test(p))).toEqual([]);
    const after = await loaded(`const { open } = await import('keepr'); const store = await open(${JSON.stringify(dir)}); await store.close(); console.log('ok');`);
    expect(ours(after.modules)).toContain('engine/lmdb/index.js');
    expect(ours(after.modules).filter((f) => f.startsWith('server/'))).toEqual([]);
  });

  it('every entry resolves to what it promises', async () => {
    const code = [
      "const [core, lmdb, memory, level, server, client] = await Promise.all(['keepr', 'keepr/lmdb', 'keepr/memory', 'keepr/level', 'keepr/server', 'keepr/client'].map((e) => import(e)));",
      'console.log([typeof core.open, typeof lmdb.lmdbEngine, typeof memory.memoryEngine, typeof level.levelEngine, typeof level.levelFiles.users, typeof server.buildServer, typeof client.connect].join());',
    ].join('\n');
    expect((await loaded(code)).stdout.trim()).toBe('function,function,function,function,function,function,function');
  });

  it("require('keepr') works from CommonJS", async () => {
    const { stdout } = await run(process.execPath, ['-e', "const { open, Block } = require('keepr'); console.log(typeof open, Block.from([1, 2]).type)"], { cwd: root });
    expect(stdout.trim()).toBe('function float64');
  });
});
