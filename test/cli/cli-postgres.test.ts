// Every store command on the PostgreSQL engine (--engine postgres, or KEEPR_ENGINE and
// KEEPR_PG_URL), each test in a fresh schema of the test server; the engine choice errors; the
// file commands refused by name; keepr serve answering HTTP from a schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import { open } from '../../src/store/index.js';
import { freshSchema, pgUrl } from '../helpers/postgres-engines.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, ok, startServer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** The engine options naming a fresh schema. */
function pgArgs(): string[] {
  return ['--engine', 'postgres', '--url', pgUrl(), '--schema', freshSchema()];
}

/** Whether a schema exists in the test database. */
async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('store commands with --engine postgres', () => {
  it('put, get, ls, rm and stat work on a schema, and nothing lands in --dir', () => {
    const store = pgArgs();
    const tmp = makeTmpDir();
    const dir = join(tmp, 'never');
    const hash = ok(['put', 'docs', 'a/b.txt', '--dir', dir, ...store], { input: 'hello' }).toString().trim();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    ok(['put', 'docs', '00ff01', '--key-encoding', 'hex', ...store], { input: 'binary key' });
    expect(ok(['get', 'docs', 'a/b.txt', '--raw', ...store]).toString()).toBe('hello');
    expect(ok(['ls', ...store]).toString()).toBe('docs\n');
    expect(ok(['ls', 'docs', '--key-encoding', 'hex', ...store]).toString().trim().split('\n').sort()).toEqual(['00ff01', '612f622e747874']);
    const stat = JSON.parse(ok(['stat', '--json', ...store]).toString()) as { engine?: string; sources?: unknown };
    expect(JSON.stringify(stat)).toContain('postgres');
    ok(['rm', 'docs', 'a/b.txt', ...store]);
    fails(['get', 'docs', 'a/b.txt', ...store], 2, 'BLOCK_NOT_FOUND');
    // The schema is the store: --dir was never created.
    expect(keepr(['ls', '--dir', dir]).code).toBe(1);
  });

  it('reads refuse a schema that holds no store, and create nothing', async () => {
    const url = pgUrl();
    const schema = freshSchema();
    fails(['ls', '--engine', 'postgres', '--url', url, '--schema', schema], 1, 'OPTION_INVALID');
    fails(['get', 's', 'k', '--engine', 'postgres', '--url', url, '--schema', schema], 1, 'OPTION_INVALID');
    expect(await schemaExists(schema)).toBe(false);
  });

  it('the environment forms: KEEPR_ENGINE, KEEPR_PG_URL, KEEPR_PG_SCHEMA; options before the command name too', async () => {
    const schema = freshSchema();
    const env = { KEEPR_ENGINE: 'postgres', KEEPR_PG_URL: pgUrl(), KEEPR_PG_SCHEMA: schema };
    ok(['put', 'env', 'k'], { input: 'from env', env });
    expect(ok(['--engine', 'postgres', '--url', pgUrl(), '--schema', schema, 'get', 'env', 'k', '--raw']).toString()).toBe('from env');
    // The library sees the same store.
    const store = await open({ engine: postgresEngine(pgUrl(), { schema }) });
    try {
      expect(Buffer.from((await (await store.source('env')).get('k'))!.bytes).includes(Buffer.from('from env'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('dump and load move a store between a directory and a schema', () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const file = join(tmp, 'x.dump');
    ok(['put', 'a', 'one', '--dir', dir], { input: 'one' });
    ok(['state', 'commit', 'chain', '--dir', dir], { input: '[{"op":"put","tree":"t","key":"k","value":"v"}]' });
    ok(['dump', file, '--dir', dir]);
    const store = pgArgs();
    ok(['load', file, ...store]);
    expect(ok(['get', 'a', 'one', '--raw', ...store]).toString()).toBe('one');
    expect(ok(['state', 'get', 'chain', 't', 'k', ...store]).toString()).toBe('v');
    const back = join(tmp, 'back.dump');
    ok(['dump', back, ...store]);
    const again = join(tmp, 'again');
    ok(['load', back, '--dir', again]);
    expect(ok(['state', 'ls', 'chain', '--json', '--dir', again]).toString()).toBe(ok(['state', 'ls', 'chain', '--json', '--dir', dir]).toString());
  });

  it('state commit, ls, get, prove and verify --state run on a schema', () => {
    const store = pgArgs();
    const roots: string[] = [];
    for (let h = 0; h < 3; h++) {
      const [height, root] = ok(['state', 'commit', 'chain', ...store], { input: JSON.stringify([{ op: 'put', tree: 'apps', key: `k${h}`, value: `v${h}` }]) }).toString().trim().split('\t');
      expect(Number(height)).toBe(h);
      roots.push(root!);
    }
    const listed = JSON.parse(ok(['state', 'ls', 'chain', '--json', ...store]).toString()) as { heights: { height: number; root: string }[] };
    expect(listed.heights.map((h) => h.root)).toEqual(roots);
    expect(ok(['state', 'get', 'chain', 'apps', 'k1', '--height', '1', ...store]).toString()).toBe('v1');
    const tmp = makeTmpDir();
    const proof = join(tmp, 'p.bin');
    const value = join(tmp, 'v');
    writeFileSync(value, 'v2');
    ok(['state', 'prove', 'chain', 'apps', 'k2', '-o', proof, ...store]);
    ok(['state', 'verify', proof, '--root', roots[2]!, '--tree', 'apps', '--key', 'k2', '--value', value]);
    expect(ok(['verify', '--state', 'chain', ...store]).toString()).toMatch(/audited state chain: 3 heights/);
  });

  it('verify checks every block of a schema (no file structure to check) and names a bad one', async () => {
    const store = pgArgs();
    const schema = store[5]!;
    ok(['put', 'v', 'good', ...store], { input: 'fine' });
    ok(['put', 'v', 'bad', ...store], { input: 'soon damaged' });
    const report = JSON.parse(ok(['verify', '--json', ...store]).toString()) as { file?: unknown; blocks: number; bad: unknown[] };
    expect(report.file).toBeUndefined();
    expect(report).toMatchObject({ blocks: 2, bad: [] });
    // Flip the last byte of one stored block behind keepr's back.
    const client = new pg.Client({ connectionString: pgUrl() });
    await client.connect();
    try {
      await client.query(`UPDATE ${schema}.entries SET v = overlay(v placing '\\x00'::bytea from length(v) for 1) WHERE ns = 'src:v' AND k = convert_to('bad', 'UTF8')`);
    } finally {
      await client.end();
    }
    const res = keepr(['verify', ...store]);
    expect(res.code).toBe(4);
    expect(res.stdout.toString()).toMatch(/^BAD\tv\tbad\t/m);
  });

  it('load-www uploads a folder into a schema', () => {
    const tmp = makeTmpDir();
    writeFileSync(join(tmp, 'index.html'), '<h1>hi</h1>');
    const store = pgArgs();
    ok(['load-www', tmp, ...store]);
    expect(ok(['get', 'www', 'index.html', '--raw', ...store]).toString()).toBe('<h1>hi</h1>');
  });
});

describe('engine choice errors', () => {
  it('--engine postgres without a URL is OPTION_INVALID; a bad engine name is refused, from the option and from KEEPR_ENGINE', () => {
    fails(['ls', '--engine', 'postgres'], 1, 'OPTION_INVALID');
    fails(['serve', '--engine', 'postgres', '--port', '0'], 1, 'OPTION_INVALID');
    fails(['ls', '--engine', 'oracle'], 1, 'ARGUMENT_INVALID');
    fails(['ls'], 1, 'ARGUMENT_INVALID', { env: { KEEPR_ENGINE: 'oracle' } });
    const json = keepr(['ls', '--engine', 'postgres', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({ code: 'OPTION_INVALID', details: { option: 'url' } });
  });

  it('--url or --schema for a directory engine is refused, not ignored (put --url is now --web-url)', () => {
    const dir = join(makeTmpDir(), 'db');
    fails(['put', 'www', 'a.html', '--url', '/a.html', '--dir', dir], 1, 'OPTION_INVALID', { input: 'x' });
    fails(['ls', '--schema', 'other', '--dir', dir], 1, 'OPTION_INVALID');
    // From the environment they are only defaults: a directory store works with them set.
    ok(['put', 'www', 'a.html', '--web-url', '/a.html', '--dir', dir], { input: 'x', env: { KEEPR_PG_URL: 'postgres://nowhere/x' } });
  });

  it('backup, restore, compact and salvage refuse the postgres engine by name (ENGINE_NOT_SUPPORTED), before connecting', () => {
    const store = ['--engine', 'postgres', '--url', 'postgres://127.0.0.1:1/none'];
    const tmp = makeTmpDir();
    for (const args of [['backup', join(tmp, 'b')], ['restore', join(tmp, 'b')], ['compact'], ['salvage']]) {
      const res = fails([...args, ...store], 3, 'ENGINE_NOT_SUPPORTED');
      expect(res.stderr).toMatch(/keepr copy/);
    }
  });
});

describe('keepr serve --engine postgres', () => {
  it('serves a schema over HTTP on 127.0.0.1; the CLI sees what the server wrote', async () => {
    const schema = freshSchema();
    const dir = join(makeTmpDir(), 'unused');
    const server = await startServer(dir, ['--engine', 'postgres', '--schema', schema], { KEEPR_PG_URL: pgUrl() });
    try {
      expect(server.stdout()).toContain(`#${schema}`);
      const block = Block.from([1, 2, 3]);
      const put = await fetch(`${server.url}/v1/sources/nums/blocks/x`, { method: 'PUT', body: block.bytes, headers: { 'content-type': 'application/vnd.keepr.block' } });
      expect(put.status).toBeLessThan(300);
      const got = await fetch(`${server.url}/v1/sources/nums/blocks/x`);
      expect(got.status).toBe(200);
      expect(ok(['ls', 'nums', '--engine', 'postgres', '--url', pgUrl(), '--schema', schema]).toString()).toBe('x\n');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('keepr pg distribute', () => {
  it('refuses without Citus (CITUS_NOT_INSTALLED), and --dry-run prints the statements, one per line', () => {
    const url = pgUrl();
    const schema = freshSchema();
    ok(['put', 's', 'k', '--engine', 'postgres', '--url', url, '--schema', schema], { input: 'x' });
    fails(['pg', 'distribute', '--url', url, '--schema', schema], 1, 'CITUS_NOT_INSTALLED');
    const dry = ok(['pg', 'distribute', '--dry-run', '--schema', schema], { env: { KEEPR_PG_URL: url } }).toString();
    expect(dry.split('\n').filter((line) => !line.startsWith('--'))).toEqual([
      `SELECT create_reference_table('${schema}.keepr_meta');`,
      `SELECT create_reference_table('${schema}.namespaces');`,
      `SELECT create_distributed_table('${schema}.entries', 'ns');`,
      '',
    ]);
    const json = JSON.parse(ok(['pg', 'distribute', '--dry-run', '--json', '--url', url, '--schema', schema]).toString()) as { citus: boolean; statements: string[] };
    expect(json).toMatchObject({ citus: false, statements: [expect.stringContaining('keepr_meta'), expect.stringContaining('namespaces'), expect.stringContaining('entries')] });
    fails(['pg', 'distribute'], 1, 'OPTION_INVALID');
    expect(ok(['get', 's', 'k', '--raw', '--engine', 'postgres', '--url', url, '--schema', schema]).toString()).toBe('x');
  });
});
