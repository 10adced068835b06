/**
 * Runs every README example as a user would (`import … from 'keepr'` resolves to the built
 * package through its own exports), so the snippets in the README cannot rot.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../src/server/index.js';
import { open } from '../src/store/index.js';
import { freshSchema, pgUrl } from './helpers/postgres-engines.js';
import { makeTmpDir } from './helpers/tmp-dir.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

async function example(name: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${name}`, ...(args.length === 0 ? [makeTmpDir()] : args)], { cwd: root });
  return stdout;
}

describe('README examples', () => {
  it('every README code block that names an example file is that file, verbatim', () => {
    const readme = readFileSync(new URL('README.md', `file://${root}`), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n(\/\/ \.\/(examples\/[^\s]+)[^\n]*\n[\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const [, text, file] of blocks) expect(text, file).toBe(readFileSync(new URL(file!, `file://${root}`), 'utf8'));
  });

  it('quickstart stores a matrix and reads it back', async () => {
    expect(await example('quickstart.ts')).toContain('float64 [ 2, 2 ] [ [ 42000.5, 43100 ], [ null, 44000 ] ]');
  });

  it('files-and-strings stores a web page and a JSON document in the served source, and a tuple', async () => {
    const dir = makeTmpDir();
    const out = await example('files-and-strings.ts', dir);
    expect(out).toContain('text/html; charset=utf-8 /index.html <h1>hello</h1>');
    expect(out).toContain('{"name":"ana"}');
    // What it stores is published by a server with default options.
    const store = await open(dir);
    const app = buildServer(store);
    try {
      expect((await app.inject({ method: 'GET', url: '/' })).body).toBe('<h1>hello</h1>');
      const doc = await app.inject({ method: 'GET', url: '/ana.json' });
      expect([doc.headers['content-type'], doc.body]).toEqual(['application/json', '{"name":"ana"}']);
    } finally {
      await app.close();
      await store.close();
    }
    expect(out).toContain("name: [ 'ana', '', null ]");
  });

  it('engines opens an LMDB store with its own options, a LevelDB store and a transient one in memory', async () => {
    expect(await example('engines.ts')).toBe('write-cache sync transient [ 1, 2, 3 ]\n');
  });

  it('server-and-client writes through the client and reads the block in the store', async () => {
    expect(await example('server-and-client.ts')).toBe('[ 42000.5 ]\n');
  });

  it('postgres keeps a source and a versioned state in a PostgreSQL schema', async () => {
    expect(await example('postgres.ts', pgUrl(), freshSchema())).toBe('[ 42000.5 ] 0\n');
  });

  it('instruments appends a day of minutes, reads an hour and downsamples by day', async () => {
    expect(await example('instruments.ts')).toMatch(/^60 10000 max 10$/m);
  });

  it('versioned-state commits two heights and proves a value of the first', async () => {
    expect(await example('versioned-state.ts')).toMatch(/^0 \[ 100 \] \d+ true$/m);
  });
});
