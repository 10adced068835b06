import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open } from '../../src/store/index.js';
import { damage, flipPageFlags, metaOffset, someLeaf, zeroPage, type RawTree } from '../helpers/lmdb-damage.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** A store whose main DB has branch pages, leaf pages and overflow values. */
async function makeStore(dir: string): Promise<void> {
  const store = await open(dir);
  const s = await store.source('s');
  for (let i = 0; i < 400; i++) await s.put(`k/${String(i).padStart(4, '0')}`, Block.from(Array.from({ length: i % 10 === 0 ? 600 : 8 }, (_, j) => i + j)));
  await store.close();
}

type Damage = (bytes: Buffer, tree: RawTree) => void;

/** Each kind of damage that crashed keepr (by a signal) or passed keepr verify before the file check. */
const DAMAGES: Record<string, { readonly change: Damage | number; readonly names: RegExp }> = {
  'a flipped magic byte in meta page 0': { change: (b) => (b[metaOffset(b, 0)]! ^= 0x10), names: /page 0: meta-invalid: meta page 0: magic/ },
  'both meta pages damaged': {
    change: (b) => {
      b[metaOffset(b, 0) + 1]! ^= 0x01;
      b[metaOffset(b, 1) + 1]! ^= 0x01;
    },
    names: /page 1: meta-invalid: meta page 1: magic/,
  },
  'a file cut to 100 bytes': { change: 100, names: /page 0: file-truncated: meta page 0: the file \(100 bytes\) ends before this meta page/ },
  'a file cut in half': { change: 0.5, names: /file-truncated: the file has \d+ bytes .* past its end/ },
  'a zeroed leaf page': { change: (b, t) => { zeroPage(b, t, someLeaf(t)); }, names: /page-type: main DB page \d+ \(depth 2 of 2, child of page \d+\) is a page with no type \(zeroed\?\), expected a leaf page/ },
  'a zeroed branch page': { change: (b, t) => { zeroPage(b, t, t.root); }, names: /page-type: main DB page \d+ \(depth 1 of 2, root\) is a page with no type/ },
  'a flipped page-flags byte': { change: (b, t) => { flipPageFlags(b, t, someLeaf(t)); }, names: /page-type: main DB page \d+ .* is a page with flags 0xfd, expected a leaf page/ },
  'a flipped key byte that breaks the key order': {
    change: (b, t) => {
      const leaf = someLeaf(t);
      b[t.keys.find(([page]) => page === leaf)![1]] = 0xff;
    },
    names: /key-order: main DB page \d+ .*: key 0 \(ff/,
  },
  'an overflow run past the last page': { change: (b, t) => b.writeBigUInt64LE(BigInt(t.lastPage), t.overflow[0]!.ref), names: /page-bounds: main DB page \d+ .* its overflow run: pages \d+\.\.\d+ are past the last page \d+$/m },
};

describe('keepr verify on a damaged data file', () => {
  it('checks keepr.mdb first: exit 4, the page and what is wrong, never a signal', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    await makeStore(dir);
    expect(ok(['verify', '--dir', dir]).toString()).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good\nverified 400 blocks in 1 sources: all good\n$/);
    const clean = readFileSync(join(dir, 'keepr.mdb'));
    for (const [name, { change, names }] of Object.entries(DAMAGES)) {
      const copy = join(tmp, name.replaceAll(' ', '-'));
      cpSync(dir, copy, { recursive: true });
      const bytes = typeof change === 'number' ? clean.subarray(0, change < 1 ? Math.floor(clean.length * change) : change) : damage(clean, change);
      writeFileSync(join(copy, 'keepr.mdb'), bytes);
      const res = fails(['verify', '--dir', copy], 4, 'STORE_CORRUPT');
      expect(res.stderr, name).toMatch(/^keepr: STORE_CORRUPT: keepr\.mdb is damaged \(\d+ problems?; the first: .+\): the store was not opened\n$/);
      expect(res.stdout.toString(), name).toMatch(names);
      expect(res.stdout.toString(), name).toMatch(/^BAD\tkeepr\.mdb\t/m);
      expect(res.stdout.toString(), name).toMatch(/^checked keepr\.mdb: \d+ problems?; blocks not checked\n$/m);
      if (!name.includes('meta')) continue; // --json once or twice is enough
      const json = keepr(['verify', '--json', '--dir', copy]);
      expect(json.code, name).toBe(4);
      const report = JSON.parse(json.stdout.toString()) as { file: { ok: boolean; problems: { kind: string; message: string }[] }; blocks?: unknown };
      expect(report.file.ok, name).toBe(false);
      expect(report.file.problems.length, name).toBeGreaterThan(0);
      expect(report.blocks, name).toBeUndefined();
    }
  }, 120_000);

  it('names a block silently renamed by a flipped key byte that keeps the key order (the record check)', async () => {
    const dir = join(makeTmpDir(), 'db');
    await makeStore(dir);
    const file = join(dir, 'keepr.mdb');
    // The very last key of the tree, k/0399, becomes k/039: (still the largest: order holds).
    writeFileSync(file, damage(readFileSync(file), (b, t) => {
      const [, at, size] = t.keys.at(-1)!;
      b[at + size - 1] = 0x3a;
    }));
    const res = fails(['verify', '--dir', dir], 4, 'STORE_CORRUPT');
    expect(res.stdout.toString()).toMatch(/^checked keepr\.mdb: \d+ pages, \d+ entries: all good$/m);
    expect(res.stdout.toString()).toContain('BAD\ts\tk/039:\tthe record does not belong to this key');
    expect(res.stdout.toString()).toMatch(/^verified \d+ blocks in 1 sources: 1 bad$/m);
  });

  it('reports the file section in --json on a sound store', async () => {
    const dir = join(makeTmpDir(), 'db');
    await makeStore(dir);
    const report = JSON.parse(ok(['verify', '--json', '--dir', dir]).toString()) as Record<string, unknown>;
    expect(report).toMatchObject({ file: { ok: true, mode: 'full', pageSize: expect.any(Number) as number, problems: [] }, blocks: 400, bad: [] });
  });
});
