// keepr copy: a directory store to PostgreSQL and back, verified block for block and root for
// root; a non-empty target refused; a target tampered with in PostgreSQL found by --verify-only.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open } from '../../src/store/index.js';
import { freshSchema, pgUrl } from '../helpers/postgres-engines.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

interface CopyReport {
  from: string;
  to: string;
  copied?: { sources: number; blocks: number; namespaces: number; entries: number };
  verified: { sources: number; blocks: number; states: number; heights: number; ok: boolean; differences: { namespace: string; key?: string; height?: number; reason: string }[]; differenceCount: number };
}

const LARGE = randomBytes(3 * 1024 * 1024 + 17);

/** A directory store with blocks (a binary key, a 3 MiB block, an empty source) and a state at four heights. */
async function makeStore(dir: string): Promise<string[]> {
  const store = await open(dir);
  try {
    const docs = await store.source('docs');
    for (let i = 0; i < 30; i++) await docs.put(`d/${i}`, Block.from(Array.from({ length: 50 }, (_, j) => i + j)));
    await docs.put(Uint8Array.of(0, 0xff, 0x80), Block.from('binary key'));
    await (await store.source('big')).put('blob', Block.file(LARGE, 'application/octet-stream'));
    await store.source('empty');
    const state = await store.state('chain');
    const roots: string[] = [];
    for (let h = 0; h < 4; h++) {
      const result = await state.apply([{ op: 'put', tree: 'apps', key: `k${h}`, value: new TextEncoder().encode(`v${h}`) }, ...(h === 2 ? [{ op: 'delete' as const, tree: 'apps', key: 'k0' }] : [])]);
      roots.push(Buffer.from(result.root).toString('hex'));
    }
    return roots;
  } finally {
    await store.close();
  }
}

function copy(args: readonly string[]): CopyReport {
  return JSON.parse(ok(['copy', ...args, '--json']).toString()) as CopyReport;
}

function stateRoots(args: readonly string[]): string[] {
  return (JSON.parse(ok(['state', 'ls', 'chain', '--json', ...args]).toString()) as { heights: { root: string }[] }).heights.map((h) => h.root);
}

describe('keepr copy', () => {
  it('copies LMDB -> PostgreSQL -> LMDB, verified; blocks, binary keys, the large block and every state root survive', async () => {
    const tmp = makeTmpDir();
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    const roots = await makeStore(a);
    const schema = freshSchema();
    const target = `${pgUrl()}#${schema}`;

    const there = copy(['--from', a, '--to', target]);
    expect(there.copied).toMatchObject({ sources: 3, blocks: 32, namespaces: 1 });
    expect(there.verified).toMatchObject({ sources: 3, blocks: 32, states: 1, heights: 4, ok: true, differences: [], differenceCount: 0 });
    expect(there.to).toContain(`#${schema}`);

    const back = copy(['--from', target, '--to', `lmdb:${b}`]);
    expect(back.verified).toMatchObject({ blocks: 32, heights: 4, ok: true });

    const pgStore = ['--engine', 'postgres', '--url', pgUrl(), '--schema', schema];
    expect(stateRoots(['--dir', a])).toEqual(roots);
    expect(stateRoots(pgStore)).toEqual(roots);
    expect(stateRoots(['--dir', b])).toEqual(roots);
    const out = join(tmp, 'blob.bin');
    ok(['get', 'big', 'blob', '--raw', '-o', out, '--dir', b]);
    expect(Buffer.compare(readFileSync(out), LARGE)).toBe(0);
    expect(ok(['get', 'docs', '00ff80', '--key-encoding', 'hex', '--json', ...pgStore]).toString()).toContain('binary key');
    expect(ok(['ls', '--dir', b]).toString()).toBe('big\ndocs\nempty\n');
    // The text report names the counts and the verdict.
    expect(ok(['copy', '--from', a, '--to', b, '--verify-only']).toString()).toMatch(/: 3 sources, 32 blocks, 1 other namespaces \(\d+ entries\), 1 states \(roots at 4 heights\): all match\n$/);
  });

  it('refuses a non-empty target (STORE_NOT_EMPTY, exit 5) unless --force, which empties it first', async () => {
    const tmp = makeTmpDir();
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    await makeStore(a);
    ok(['put', 'stale', 'x', '--dir', b], { input: 'left over' });
    fails(['copy', '--from', a, '--to', b], 5, 'STORE_NOT_EMPTY');
    expect(ok(['ls', '--dir', b]).toString()).toBe('stale\n');
    const forced = copy(['--from', a, '--to', b, '--force']);
    expect(forced.verified.ok).toBe(true);
    expect(ok(['ls', '--dir', b]).toString()).toBe('big\ndocs\nempty\n');
  });

  it('--verify-only finds a target tampered with in PostgreSQL (COPY_MISMATCH, exit 4) and names the block', async () => {
    const tmp = makeTmpDir();
    const a = join(tmp, 'a');
    await makeStore(a);
    const schema = freshSchema();
    const target = `${pgUrl()}#${schema}`;
    copy(['--from', a, '--to', target]);
    const client = new pg.Client({ connectionString: pgUrl() });
    await client.connect();
    try {
      // The last byte of one block, behind keepr's back.
      await client.query(`UPDATE ${schema}.entries SET v = overlay(v placing '\\x01'::bytea from length(v) for 1) WHERE ns = 'src:docs' AND k = convert_to('d/7', 'UTF8')`);
    } finally {
      await client.end();
    }
    const res = keepr(['copy', '--from', a, '--to', target, '--verify-only']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/^keepr: COPY_MISMATCH: /);
    expect(res.stdout.toString()).toMatch(/^DIFF\tsrc:docs\td\/7\tblock corrupt in target /m);
    const json = keepr(['copy', '--from', a, '--to', target, '--verify-only', '--json']);
    expect(json.code).toBe(4);
    const report = JSON.parse(json.stdout.toString()) as CopyReport;
    expect(report.verified).toMatchObject({ ok: false, differenceCount: 1, differences: [{ namespace: 'src:docs', key: 'd/7' }] });
    expect(JSON.parse(json.stderr)).toMatchObject({ code: 'COPY_MISMATCH' });
  });

  it('refuses bad specs: a missing source store, the same store twice, postgres: without a URL, an empty spec', () => {
    const tmp = makeTmpDir();
    fails(['copy', '--from', join(tmp, 'none'), '--to', join(tmp, 'b')], 1, 'OPTION_INVALID');
    ok(['put', 's', 'k', '--dir', join(tmp, 'a')], { input: 'x' });
    fails(['copy', '--from', join(tmp, 'a'), '--to', `lmdb:${join(tmp, 'a')}/`], 1, 'ARGUMENT_INVALID');
    fails(['copy', '--from', join(tmp, 'a'), '--to', 'postgres:db'], 1, 'ARGUMENT_INVALID');
    fails(['copy', '--from', '', '--to', join(tmp, 'b')], 1, 'ARGUMENT_INVALID');
    fails(['copy', '--from', join(tmp, 'a'), '--to', join(tmp, 'b'), '--verify-only'], 1, 'OPTION_INVALID');
    fails(['copy', '--from', join(tmp, 'a')], 1, 'ARGUMENT_INVALID');
  });
});
