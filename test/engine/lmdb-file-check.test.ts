import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open as openLmdb, type RootDatabase } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { checkLmdbFile, formatLmdbProblem, type LmdbFileReport, type LmdbProblemKind } from '../../src/engine/lmdb/lmdb-file-check.js';
import { openStore, type StoreOptions as OpenOptions } from '../helpers/open-store.js';
import { damage, flipPageFlags, metaOffset, rawTree, someLeaf, zeroPage, type RawTree } from '../helpers/lmdb-damage.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

type Db = RootDatabase<Uint8Array, Uint8Array>;

/** What lmdb-js says about the main DB. */
interface Stats {
  readonly pageSize: number;
  readonly entryCount: number;
  readonly treeDepth: number;
  readonly treeBranchPageCount: number;
  readonly treeLeafPageCount: number;
  readonly overflowPages: number;
}

/** keepr's lmdb-js options (src/engine/lmdb/lmdb-engine.ts). */
const KEEPR_OPTIONS = { keyEncoding: 'binary', encoding: 'binary', cache: false, noSync: true, compression: { threshold: 0xffffffff } } as const;

/** Makes an LMDB file with lmdb-js, fills it, and gives lmdb-js's statistics of the result. */
async function makeFile(path: string, fill: (db: Db) => Promise<void>): Promise<Stats> {
  const db = openLmdb<Uint8Array, Uint8Array>({ path, ...KEEPR_OPTIONS });
  try {
    await fill(db);
    return db.getStats() as Stats;
  } finally {
    await db.close();
  }
}

const key = (ns: number, i: number, width = 4): Buffer => {
  const k = Buffer.alloc(4 + width);
  k.writeUInt32BE(ns, 0);
  k.writeUIntBE(i, 4, Math.min(width, 6));
  return k;
};
/** Value sizes around LMDB's inline limit (2034 bytes with 4 KiB pages) and well past it. */
const SIZES = [0, 1, 10, 100, 1024, 2000, 2030, 2040, 4096, 10 * 1024, 100 * 1024];
const value = (i: number): Buffer => Buffer.alloc(SIZES[i % SIZES.length]!, i % 200);
/** A scrambled order, so pages split in the middle and are half full. */
const scrambled = (i: number, n: number): number => (i * 7919) % n;

const SHAPES: Record<string, (db: Db) => Promise<void>> = {
  empty: async () => {},
  'one leaf page': (db) => db.transaction(() => {
    for (let i = 0; i < 40; i++) void db.put(key(1, i), Buffer.alloc(20, i % 200));
  }),
  'values of many sizes (overflow pages)': (db) => db.transaction(() => {
    for (let i = 0; i < 3000; i++) void db.put(key(1, scrambled(i, 3000)), value(i));
  }),
  'after deletes (free pages)': async (db) => {
    await db.transaction(() => {
      for (let i = 0; i < 3000; i++) void db.put(key(1, i), value(i));
    });
    await db.transaction(() => {
      for (let i = 0; i < 3000; i += 3) void db.remove(key(1, i));
    });
    for (let i = 1; i < 3000; i += 30) await db.remove(key(1, i));
  },
  'grown over many commits': async (db) => {
    for (let round = 0; round < 40; round++) {
      await db.transaction(() => {
        for (let i = 0; i < 100; i++) void db.put(key(2, round * 100 + i), value(round + i));
        for (let i = 0; i < 20; i++) void db.remove(key(2, (round * 37 + i * 11) % (round * 100 + 100)));
      });
    }
  },
  'deep tree (depth 3) and a last large value': async (db) => {
    await db.transaction(() => {
      for (let i = 0; i < 30_000; i++) void db.put(key(3, scrambled(i, 30_000), 12), i % 100 === 0 ? value(i) : Buffer.alloc(20, i % 200));
    });
    // Written last with no free run large enough: its overflow run ends the file.
    await db.put(key(4, 0), Buffer.alloc(1 << 20, 1));
  },
};

function expectClean(report: LmdbFileReport, stats: Stats): void {
  expect(report.problems.map(formatLmdbProblem)).toEqual([]);
  expect(report).toMatchObject({ ok: true, pageSize: stats.pageSize, entries: stats.entryCount, stable: true, problemsCapped: false });
}

describe('checkLmdbFile on files lmdb-js wrote', () => {
  for (const [name, fill] of Object.entries(SHAPES)) {
    it(`finds nothing wrong: ${name}, and counts what lmdb-js counts`, async () => {
      const path = join(makeTmpDir('keepr-lmdb-file-'), 'data.mdb');
      const stats = await makeFile(path, fill);
      const full = await checkLmdbFile(path, { full: true });
      expectClean(full, stats);
      expect(full.main ?? { depth: 0, branchPages: 0, leafPages: 0, overflowPages: 0 }).toMatchObject({
        depth: stats.treeDepth,
        branchPages: stats.treeBranchPageCount,
        leafPages: stats.treeLeafPageCount,
        overflowPages: stats.overflowPages,
      });
      expect(full.pagesVisited).toBe(full.lastPage! + 1 - 2 - full.freePages! - full.unaccountedPages!);
      const quick = await checkLmdbFile(path);
      expectClean(quick, stats);
      expect(quick.pagesVisited).toBeLessThanOrEqual(4);
    });
  }

  const variants: readonly [string, OpenOptions][] = [
    ['commit log', {}],
    ['write cache', { durability: 'write-cache' }],
  ];
  for (const [name, config] of variants) {
    it(`finds nothing wrong in a keepr store: ${name}`, async () => {
      const dir = makeTmpDir('keepr-lmdb-file-');
      const store = await openStore(dir, config);
      const s = await store.source('s');
      for (let i = 0; i < 60; i++) await s.put(`k/${i}`, Block.from(Array.from({ length: (i % 6) * 700 + 1 }, (_, j) => i + j)));
      for (let i = 0; i < 60; i += 4) await s.delete(`k/${i}`);
      await store.close();
      const report = await checkLmdbFile(join(dir, 'keepr.mdb'), { full: true });
      expectClean(report, await makeFile(join(dir, 'keepr.mdb'), async () => {}));
      // keepr runs LMDB without its own sync: no overlappingSync "flushed" meta.
      expect(report.metas.some((m) => m.slot === 'flushed')).toBe(false);
      expect(report.metas.every((m) => m.usable)).toBe(true);
    });
  }

  it('is not stable when the file grew while it was read (a commit between reading its length and its metas)', async () => {
    const path = join(makeTmpDir('keepr-lmdb-file-'), 'data.mdb');
    // Over 1,024 tree pages: the check reads the length and the metas at once, then yields every 1,024.
    await makeFile(path, (db) => db.transaction(() => {
      for (let i = 0; i < 100_000; i++) void db.put(key(5, i), Buffer.alloc(40, i % 200));
    }));
    const checking = checkLmdbFile(path, { full: true });
    appendFileSync(path, Buffer.alloc(4096));
    expect(await checking).toMatchObject({ stable: false });
    expect(await checkLmdbFile(path)).toMatchObject({ ok: true, stable: true });
  });

  it('throws the fs error for a file that is not there', async () => {
    await expect(checkLmdbFile(join(makeTmpDir(), 'none.mdb'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('checkLmdbFile on damaged files', () => {
  let base: { bytes: Buffer; tree: RawTree } | undefined;
  const clean = async (): Promise<{ bytes: Buffer; tree: RawTree }> => {
    if (base !== undefined) return base;
    const path = join(makeTmpDir('keepr-lmdb-file-'), 'data.mdb');
    await makeFile(path, SHAPES['deep tree (depth 3) and a last large value']!);
    const bytes = readFileSync(path);
    base = { bytes, tree: rawTree(bytes) };
    expect(base.tree.depth).toBe(3);
    return base;
  };
  /** Writes `bytes` to a file and checks it in both modes. */
  const check = async (bytes: Buffer): Promise<{ quick: LmdbFileReport; full: LmdbFileReport }> => {
    const path = join(makeTmpDir('keepr-lmdb-file-'), 'data.mdb');
    writeFileSync(path, bytes);
    return { quick: await checkLmdbFile(path), full: await checkLmdbFile(path, { full: true }) };
  };
  const kinds = (report: LmdbFileReport): [LmdbProblemKind, number | undefined][] => report.problems.map((p) => [p.kind, p.page]);
  const changed = async (fn: (copy: Buffer, tree: RawTree) => void): Promise<{ quick: LmdbFileReport; full: LmdbFileReport }> => check(damage((await clean()).bytes, fn));

  it('a flipped magic byte in meta page 0 (SIGSEGV in keepr serve): named, and meta 1 is the one left', async () => {
    const { quick, full } = await changed((b) => (b[metaOffset(b, 0)]! ^= 0x01));
    for (const report of [quick, full]) {
      expect(kinds(report)).toEqual([['meta-invalid', 0]]);
      expect(report.problems[0]!.message).toMatch(/magic 0xbeefc0df is not LMDB's 0xbeefc0de/);
      expect(report).toMatchObject({ ok: false, meta: 'meta1' });
    }
  });

  it('a flipped magic byte in meta page 1, and both meta pages damaged', async () => {
    const one = await changed((b) => (b[metaOffset(b, 1) + 3]! ^= 0x80));
    expect(kinds(one.full)).toEqual([['meta-invalid', 1]]);
    const both = await changed((b) => {
      b[metaOffset(b, 1)]! ^= 0xff;
      b[metaOffset(b, 0) + 4]! ^= 0x04; // the data version
    });
    for (const report of [both.quick, both.full]) {
      expect(kinds(report)).toEqual([['meta-invalid', 0], ['meta-invalid', 1]]);
      expect(report).toMatchObject({ ok: false, meta: null, pageSize: null, entries: null });
    }
  });

  it('a truncated file (SIGBUS): every length is named, in both modes', async () => {
    const { bytes, tree } = await clean();
    const ps = tree.pageSize;
    for (const length of [0, 100, ps + 50, 2 * ps, 2 * ps + 8, Math.floor(bytes.length / 2), bytes.length - ps, bytes.length - 1]) {
      const { quick, full } = await check(bytes.subarray(0, length));
      for (const report of [quick, full]) {
        expect(report.ok, `${length} bytes`).toBe(false);
        expect(report.problems.map((p) => p.kind), `${length} bytes`).toContain('file-truncated');
        expect(report.fileBytes).toBe(length);
      }
    }
  });

  it('a zeroed leaf page (GET fails, then a listing aborts the server): the full check names it', async () => {
    let leaf = 0;
    const { quick, full } = await changed((b, t) => { zeroPage(b, t, (leaf = someLeaf(t))); });
    expect(kinds(full)).toEqual([['page-type', leaf]]);
    expect(full.problems[0]!.message).toMatch(/is a page with no type \(zeroed\?\), expected a leaf page/);
    // A quick check reads the metas and root pages only.
    expect(quick.ok).toBe(true);
  });

  it('a zeroed branch page: the root (quick and full) and one below it (full)', async () => {
    const root = await changed((b, t) => { zeroPage(b, t, t.root); });
    const rootPage = (await clean()).tree.root;
    expect(kinds(root.quick)).toEqual([['page-type', rootPage]]);
    expect(kinds(root.full)).toEqual([['page-type', rootPage]]);
    const inner = (await clean()).tree.levels[1]![1]!;
    const below = await changed((b, t) => { zeroPage(b, t, inner); });
    expect(kinds(below.full)).toEqual([['page-type', inner]]);
    expect(below.full.problems[0]!.message).toMatch(/expected a branch page/);
  });

  it("a zeroed root page of the older meta's snapshot (which LMDB may roll back to): both modes", async () => {
    const { bytes, tree } = await clean();
    const older = [metaOffset(bytes, 0), metaOffset(bytes, 1)].sort((a, b) => Number(bytes.readBigUInt64LE(a + 128) - bytes.readBigUInt64LE(b + 128)))[0]!;
    const root = Number(bytes.readBigUInt64LE(older + 24 + 48 + 40));
    expect(root).not.toBe(tree.root);
    const { quick, full } = await changed((b, t) => {
      zeroPage(b, t, root);
    });
    expect(kinds(quick)).toEqual([['page-type', root]]);
    expect(kinds(full)).toEqual([['page-type', root]]);
  });

  it('a flipped page-flags byte (MDB_PAGE_NOTFOUND while verify said ok)', async () => {
    const leaf = someLeaf((await clean()).tree);
    const { full } = await changed((b, t) => { flipPageFlags(b, t, leaf); });
    expect(kinds(full)).toEqual([['page-type', leaf]]);
    expect(full.problems[0]!.message).toMatch(/is a page with flags 0x.*, expected a leaf page/);
  });

  it('a flipped byte in a key that breaks the key order', async () => {
    const leaf = someLeaf((await clean()).tree);
    const { full } = await changed((b, t) => {
      const [, at] = t.keys.find(([page]) => page === leaf)!;
      b[at] = 0xff; // the namespace byte: now above the page's next key
    });
    expect(kinds(full)).toEqual([['key-order', leaf]]);
    expect(full.problems[0]!.message).toMatch(/key \d+ \(ff.*\) (is not above the key before it|is outside the range its parent gives it)/);
  });

  it('an overflow run that points past the last page, past the file, or at a tree page', async () => {
    const { tree } = await clean();
    const ref = tree.overflow[0]!;
    const first = tree.lastPage + 2 - ref.pages;
    const past = await changed((b) => b.writeBigUInt64LE(BigInt(first), ref.ref));
    expect(kinds(past.full)).toEqual([['page-bounds', first]]);
    expect(past.full.problems[0]!.message).toMatch(/past the last page/);
    const huge = await changed((b) => b.writeBigUInt64LE(1n << 40n, ref.ref + 16));
    expect(kinds(huge.full)).toEqual([['page-bounds', ref.pgno]]);
    const shared = await changed((b) => b.writeBigUInt64LE(BigInt(tree.root), ref.ref));
    expect(kinds(shared.full)).toEqual([['page-shared', tree.root]]);
  });

  it('stops at maxProblems and says so', async () => {
    const { full } = await changed((b, t) => {
      for (const leaf of t.levels[2]!) zeroPage(b, t, leaf);
    });
    expect(full.problems).toHaveLength(100);
    expect(full.problemsCapped).toBe(true);
    const path = join(makeTmpDir('keepr-lmdb-file-'), 'data.mdb');
    writeFileSync(path, damage((await clean()).bytes, (b, t) => { t.levels[2]!.forEach((leaf) => { zeroPage(b, t, leaf); }); }));
    expect((await checkLmdbFile(path, { full: true, maxProblems: 3 })).problems).toHaveLength(3);
  });
});
