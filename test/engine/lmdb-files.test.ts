// lmdbFiles: what tools reach of an LMDB store's files without opening it (keepr/lmdb's EngineFiles).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { lmdbEngine, lmdbFiles } from '../../src/engine/lmdb/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

async function storeWith(dir: string, keys: readonly string[]): Promise<void> {
  const store = await open({ engine: lmdbFiles.engineFor(dir) });
  const source = await store.createSource('s');
  for (const key of keys) await source.put(key, Block.from(key));
  await store.close();
}

describe('lmdbFiles', () => {
  it('names its engine and data file, and sizes only a directory that holds a store', async () => {
    const dir = makeTmpDir();
    expect(lmdbFiles.engine).toBe(lmdbEngine(dir).name);
    expect(lmdbFiles.dataFile).toBe('keepr.mdb');
    expect(await lmdbFiles.size(dir)).toBeUndefined();
    expect(await lmdbFiles.check(dir)).toBeUndefined();
    await storeWith(dir, ['a']);
    expect(await lmdbFiles.size(dir)).toBeGreaterThan(0);
    expect(await lmdbFiles.users(dir)).toEqual([]);
  });

  it('checks a good file as ok and names the damage in a bad one', async () => {
    const dir = makeTmpDir();
    await storeWith(dir, ['a', 'b']);
    const good = await lmdbFiles.check(dir);
    expect(good).toMatchObject({ ok: true, stable: true, problems: [] });
    expect(lmdbFiles.describeCheck(good!)).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good\n$/);
    const file = join(dir, 'keepr.mdb');
    const bytes = readFileSync(file);
    bytes.fill(0xff, 0, 64);
    writeFileSync(file, bytes);
    const bad = await lmdbFiles.check(dir);
    expect(bad?.ok).toBe(false);
    expect(bad!.problems.length).toBeGreaterThan(0);
    expect(lmdbFiles.describeCheck(bad!)).toMatch(/^BAD\tkeepr\.mdb\t/);
  });

  it('installs a staged store in place of another, dropping the old logs', async () => {
    const [dir, staged] = [makeTmpDir(), makeTmpDir()];
    await storeWith(dir, ['old']);
    await storeWith(staged, ['new']);
    await lmdbFiles.install(staged, dir);
    expect(existsSync(join(staged, 'keepr.mdb'))).toBe(false);
    const store = await open({ engine: lmdbFiles.engineFor(dir) });
    const source = await store.source('s');
    expect(source.getSync('new')?.toJSON()).toMatchObject({ data: 'new' });
    expect(source.getSync('old')).toBeUndefined();
    await store.close();
  });

  it('salvages a clean store as nothing damaged, saying where damaged logs would go', async () => {
    const dir = makeTmpDir();
    await storeWith(dir, ['a']);
    const report = await lmdbFiles.salvage(dir);
    expect(report).toMatchObject({ damaged: [], dropped: 0, movedTo: join(dir, 'wal-salvaged') });
  });
});

describe('Engine.checkRecords', () => {
  it('checks every LMDB record and finds none bad in a healthy store; the memory engine has none to check', async () => {
    const dir = makeTmpDir();
    await storeWith(dir, ['a', 'b', 'c']);
    const store = await open({ engine: lmdbFiles.engineFor(dir) });
    const report = await store.engine.checkRecords();
    expect(report.bad).toEqual([]);
    expect(report.records).toBeGreaterThanOrEqual(3);
    await store.close();
    const memory = await open({ engine: memoryEngine() });
    expect(await memory.engine.checkRecords()).toEqual({ records: 0, bad: [] });
    await memory.close();
  });
});
