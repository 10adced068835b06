import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { LmdbEngine } from '../../src/engine/lmdb/index.js';
import { open } from '../../src/store/index.js';
import { verifyStore } from '../../src/cli/lib/verify-store.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, keeprAsync, ok, startServer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** A store with a few sources of blocks, made through the library (quicker than many CLI runs). */
async function makeStore(dir: string, blocks = 20): Promise<void> {
  const store = await open(dir);
  const nums = await store.source('nums');
  for (let i = 0; i < blocks; i++) await nums.put(`n/${String(i).padStart(3, '0')}`, Block.from(Array.from({ length: 64 }, (_, j) => i * 1000 + j)));
  await (await store.source('files')).put('a.txt', Block.file(Buffer.from('hello'), 'text/plain'));
  await store.source('empty');
  await store.close();
}

function listing(dir: string): string {
  return ['', 'nums', 'files', 'empty'].map((s) => ok(['ls', ...(s === '' ? [] : [s]), '--long', '--dir', dir]).toString()).join('--\n');
}

describe('keepr backup and restore', () => {
  it('backs up a store while a server writes to it; the copy is consistent and restores', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    // Without the console, the store holds only what the four writers put.
    const server = await startServer(dir, ['--no-console']);
    const acked = [0, 0, 0, 0];
    let running = true;
    const payload = Buffer.alloc(1500, 7);
    // Four writers, each putting its keys in order and waiting for every answer.
    const writers = acked.map(async (_, w) => {
      for (let n = 0; running; n++) {
        payload.writeUInt32LE(n, 0);
        const res = await fetch(`${server.url}/v1/sources/w${w}/blocks/${String(n).padStart(6, '0')}`, { method: 'PUT', body: payload, headers: { 'content-type': 'application/octet-stream' } });
        expect(res.status).toBe(201);
        await res.arrayBuffer();
        acked[w] = n + 1;
      }
    });
    try {
      while (Math.min(...acked) < 50) await new Promise((r) => setTimeout(r, 20));
      const before = [...acked];
      const backup = join(tmp, 'copy');
      const res = await keeprAsync(['backup', backup, '--json', '--dir', dir]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout.toString())).toMatchObject({ target: backup, byteLength: expect.any(Number) as number });
      const during = [...acked];
      // The writers kept going while the backup ran.
      expect(during.some((d, w) => d > before[w]!)).toBe(true);
      while (Math.min(...acked) < during[0]! + 20) await new Promise((r) => setTimeout(r, 20));
      running = false;
      await Promise.all(writers);

      // The copy opens clean (nothing to replay), every block verifies, and each writer's keys
      // form an unbroken prefix that holds at least what was acknowledged before the backup.
      const copy = await open(backup);
      expect(copy.engine).toBeInstanceOf(LmdbEngine);
      expect(copy.engine instanceof LmdbEngine ? copy.engine.recovery : undefined).toMatchObject({ restored: false, replayed: 0, removed: 0 });
      const report = await verifyStore(copy);
      expect(report.bad).toEqual([]);
      for (let w = 0; w < 4; w++) {
        const keys = (await (await copy.source(`w${w}`)).list({ limit: 10_000 })).items.map((i) => i.key);
        expect(keys).toEqual(keys.map((_, n) => String(n).padStart(6, '0')));
        expect(keys.length).toBeGreaterThanOrEqual(before[w]!);
        expect(keys.length).toBeLessThanOrEqual(during[w]!);
      }
      await copy.close();
      expect(ok(['verify', '--dir', backup]).toString()).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good\nverified \d+ blocks in 4 sources: all good\n$/);

      // Restoring over the live store is refused; into a new directory it works.
      fails(['restore', backup, '--dir', dir], 5, 'STORE_BUSY');
      const restored = join(tmp, 'restored');
      expect(JSON.parse(ok(['restore', backup, '--json', '--dir', restored]).toString())).toMatchObject({ sources: 4, blocks: report.blocks });
      expect(ok(['ls', '--dir', restored]).toString()).toBe('w0\nw1\nw2\nw3\n');
    } finally {
      running = false;
      await Promise.allSettled(writers);
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);

  it('restores only with --force over data, and refuses a backup with a bad block', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    await makeStore(dir, 5);
    const backup = join(tmp, 'bk');
    ok(['backup', backup, '--dir', dir]);
    fails(['backup', backup, '--dir', dir], 1, 'ARGUMENT_INVALID');
    ok(['rm', 'nums', 'n/000', '--dir', dir]);
    fails(['restore', backup, '--dir', dir], 5, 'STORE_NOT_EMPTY');
    expect(ok(['restore', backup, '--force', '--dir', dir]).toString()).toMatch(/^restored .*: 3 sources, 6 blocks checked\n$/);
    expect(ok(['ls', 'nums', '--dir', dir]).toString()).toMatch(/^n\/000\n/);
    fails(['restore', join(tmp, 'nothing'), '--dir', dir], 1, 'ARGUMENT_INVALID');

    // Damage the backup's copy of one block: restore refuses it and leaves the store alone.
    const file = join(backup, 'keepr.mdb');
    const target = await blockHash(dir, 'nums', 'n/003');
    flipAfter(file, target);
    const before = listing(dir);
    fails(['restore', backup, '--force', '--dir', dir], 4, 'STORE_CORRUPT');
    expect(listing(dir)).toBe(before);
    // --no-verify skips the check (the damage then shows in keepr verify).
    ok(['restore', backup, '--force', '--no-verify', '--dir', dir]);
    fails(['verify', '--dir', dir], 4, 'STORE_CORRUPT');
  }, 30_000);
});

/** The hash of a stored block (read through the CLI). */
async function blockHash(dir: string, source: string, key: string): Promise<Buffer> {
  return Buffer.from(Block.decode(ok(['get', source, key, '--dir', dir])).hash);
}

/** Flips the first data byte of every copy of the block with this hash in an LMDB file. */
function flipAfter(file: string, hash: Buffer): number {
  const bytes = readFileSync(file);
  let flipped = 0;
  // The hash sits at offset 64 of a block and its data section starts at 96, right after it.
  for (let at = bytes.indexOf(hash); at !== -1; at = bytes.indexOf(hash, at + 1)) {
    bytes[at + 32]! ^= 0x5a;
    flipped++;
  }
  writeFileSync(file, bytes);
  expect(flipped).toBeGreaterThan(0);
  return flipped;
}

describe('keepr verify', () => {
  it('names every block whose bytes no longer match their hash, with exit code 4', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    await makeStore(dir, 30);
    expect(ok(['verify', '--dir', dir]).toString()).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good\nverified 31 blocks in 3 sources: all good\n$/);
    const copy = join(tmp, 'copy');
    ok(['backup', copy, '--dir', dir]);
    flipAfter(join(copy, 'keepr.mdb'), await blockHash(dir, 'nums', 'n/017'));
    flipAfter(join(copy, 'keepr.mdb'), await blockHash(dir, 'files', 'a.txt'));

    const res = fails(['verify', '--dir', copy], 4, 'STORE_CORRUPT');
    expect(res.stdout.toString()).toMatch(/^checked keepr\.mdb: .*: all good\nBAD\tfiles\ta\.txt\t.*hash.*\nBAD\tnums\tn\/017\t.*hash.*\nverified 31 blocks in 3 sources: 2 bad\n$/);
    const json = keepr(['verify', '--json', '--dir', copy]);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ sources: 3, blocks: 31, bad: [{ source: 'files', key: 'a.txt' }, { source: 'nums', key: 'n/017' }] });
    expect(JSON.parse(json.stderr)).toMatchObject({ code: 'STORE_CORRUPT' });
    // Only the source asked for; the original is untouched.
    expect(ok(['verify', '--source', 'files', '--source', 'empty', '--dir', dir]).toString()).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good\nverified 1 blocks in 2 sources: all good\n$/);
    fails(['verify', '--source', 'nums', '--dir', copy], 4, 'STORE_CORRUPT');
    fails(['verify', '--source', 'ghost', '--dir', dir], 2, 'SOURCE_NOT_FOUND');
  }, 30_000);
});

describe('keepr dump and load', () => {
  it('moves a store through a file and through a pipe, and refuses corrupt streams without writing', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    await makeStore(dir, 10);
    const file = join(tmp, 'all.dump');
    expect(ok(['dump', file, '--dir', dir]).toString()).toMatch(/^dumped .* 3 sources, 11 blocks/);
    const a = join(tmp, 'a');
    expect(JSON.parse(ok(['load', file, '--json', '--dir', a]).toString())).toMatchObject({ sources: 3, blocks: 11 });
    expect(listing(a)).toBe(listing(dir));

    // Through stdout and stdin, with the summary on stderr.
    const piped = keepr(['dump', '--json', '--source', 'nums', '--dir', dir]);
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stderr)).toMatchObject({ sources: 1, blocks: 10 });
    const b = join(tmp, 'b');
    ok(['load', '--dir', b], { input: piped.stdout });
    expect(ok(['ls', '--dir', b]).toString()).toBe('nums\n');

    // A damaged or cut stream is refused before anything is written: the store is not even made.
    const bytes = readFileSync(file);
    const damaged = Buffer.from(bytes);
    damaged[Math.floor(bytes.length / 2)]! ^= 1;
    const c = join(tmp, 'c');
    fails(['load', '--dir', c], 4, 'DUMP_MALFORMED', { input: damaged });
    writeFileSync(join(tmp, 'cut.dump'), bytes.subarray(0, bytes.length - 40));
    fails(['load', join(tmp, 'cut.dump'), '--dir', c], 4, 'DUMP_TRUNCATED');
    fails(['load', join(tmp, 'missing.dump'), '--dir', c], 1, 'ARGUMENT_INVALID');
    fails(['ls', '--dir', c], 1, 'OPTION_INVALID');
    // --stream loads as it reads: batches before the damage stay.
    fails(['load', '--stream', '--batch', '1', '--dir', c], 4, 'DUMP_MALFORMED', { input: damaged });
    expect(ok(['ls', '--dir', c]).toString()).not.toBe('');
    fails(['dump', '--source', 'ghost', join(tmp, 'x.dump'), '--dir', dir], 2, 'SOURCE_NOT_FOUND');
    fails(['dump', join(tmp, 'no-such-folder', 'x.dump'), '--dir', dir], 1, 'ARGUMENT_INVALID');
    // A failed dump leaves no file behind, not even a partial one.
    expect(readdirSync(tmp).filter((name) => name.startsWith('x.dump'))).toEqual([]);
  }, 30_000);
});

describe('keepr compact', () => {
  it('shrinks a store after deletes, keeps every block, and refuses a store in use', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const store = await open(dir);
    const big = await store.source('big');
    for (let i = 0; i < 40; i++) await big.write(Array.from({ length: 25 }, (_, j) => ({ op: 'put' as const, key: `k/${i}/${j}`, block: Block.from(new Float64Array(256).fill(i + j)) })));
    for (let i = 0; i < 38; i++) await big.write(Array.from({ length: 25 }, (_, j) => ({ op: 'delete' as const, key: `k/${i}/${j}` })));
    await store.close();
    const kept = ok(['ls', 'big', '--long', '--dir', dir]).toString();

    const report = JSON.parse(ok(['compact', '--json', '--dir', dir]).toString()) as { before: number; after: number; blocks: number };
    expect(report.blocks).toBe(50);
    expect(report.after).toBeLessThan(report.before / 4);
    expect(ok(['ls', 'big', '--long', '--dir', dir]).toString()).toBe(kept);
    expect(ok(['verify', '--dir', dir]).toString()).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good\nverified 50 blocks in 1 sources: all good\n$/);
    expect(ok(['compact', '--dir', dir]).toString()).toMatch(/^compacted .*: [\d.]+ KiB -> [\d.]+ KiB \(1 sources, 50 blocks\)\n$/);

    const server = await startServer(dir);
    try {
      const res = await keeprAsync(['compact', '--dir', dir]);
      expect(res.code).toBe(5);
      expect(res.stderr).toMatch(/^keepr: STORE_BUSY: .*process \d+/);
    } finally {
      await server.stop();
    }
    fails(['compact', '--dir', join(tmp, 'none')], 1, 'OPTION_INVALID');
  }, 30_000);
});
