import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { open as openLmdb } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLmdbFile, formatLmdbProblem } from '../../src/engine/lmdb/lmdb-file-check.js';
import { rawTree } from '../helpers/lmdb-damage.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/lmdb-read-child.ts', import.meta.url));

type Answer = { entries: number; bytes: number } | { error: string };

/** One long-lived child reading files with lmdb-js; if it dies by a signal, the file it was reading is named. */
class Reader {
  readonly #child: ChildProcess;
  #pending: { resolve: (answer: Answer) => void; reject: (err: Error) => void } | undefined;
  #next = 0;

  constructor() {
    this.#child = fork(CHILD, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.#child.stderr?.resume();
    this.#child.on('message', (message: Answer & { id?: number }) => {
      if (message.id === undefined) return;
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.resolve(message);
    });
    this.#child.on('exit', (code, signal) => {
      this.#pending?.reject(new Error(`the reader died: exit ${String(code)}, signal ${String(signal)}`));
      this.#pending = undefined;
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#child.once('message', () => {
        resolve();
      });
      this.#child.once('exit', () => {
        reject(new Error('the reader did not start'));
      });
    });
  }

  read(path: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#child.send({ id: this.#next++, path });
    });
  }

  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
  }
}

describe('checkLmdbFile on any single damage', () => {
  let reader: Reader | undefined;
  beforeAll(async () => {
    reader = new Reader();
    await reader.ready();
  }, 30_000);
  afterAll(() => {
    reader?.stop();
  });

  it('returns a report without throwing, and when it says ok, lmdb-js reads every entry without dying', async () => {
    const dir = makeTmpDir('keepr-lmdb-fuzz-');
    const path = join(dir, 'clean.mdb');
    // A small file of every page kind: branch and leaf pages, overflow runs, free-list records.
    // No value starts with a byte of 250 or more, which lmdb-js would take for a compressed one.
    const db = openLmdb<Uint8Array, Uint8Array>({ path, keyEncoding: 'binary', encoding: 'binary', cache: false, noSync: true });
    await db.transaction(() => {
      for (let i = 0; i < 400; i++) void db.put(Buffer.from(`k/${(i * 37) % 400}`), Buffer.alloc([5, 60, 700, 3000, 9000][i % 5]!, i % 200));
    });
    await db.transaction(() => {
      for (let i = 0; i < 400; i += 4) void db.remove(Buffer.from(`k/${i}`));
    });
    await db.close();
    const clean = readFileSync(path);
    const tree = rawTree(clean);
    expect(tree.depth).toBe(2);
    const treePages = tree.levels.flat();
    const ps = tree.pageSize;
    // Offsets worth hitting: anywhere, the meta records, and branch and leaf pages (headers often).
    const offset = fc.oneof(
      fc.integer({ min: 0, max: clean.length - 1 }),
      fc.tuple(fc.constantFrom(0, ps), fc.integer({ min: 0, max: 24 + 144 - 1 })).map(([page, at]) => page + at),
      fc.tuple(fc.constantFrom(...treePages), fc.integer({ min: 0, max: ps - 1 })).map(([page, at]) => page * ps + at),
      fc.tuple(fc.constantFrom(...treePages), fc.integer({ min: 0, max: 63 })).map(([page, at]) => page * ps + at),
    );
    const change = fc.oneof(
      { weight: 4, arbitrary: fc.record({ at: offset, xor: fc.integer({ min: 1, max: 255 }) }) },
      { weight: 1, arbitrary: fc.record({ cut: fc.integer({ min: 0, max: clean.length - 1 }) }) },
    );
    let n = 0;
    let oks = 0;
    await fc.assert(
      fc.asyncProperty(change, async (c) => {
        const bytes = Buffer.from(clean);
        const damaged = 'cut' in c ? bytes.subarray(0, c.cut) : ((bytes[c.at]! ^= c.xor), bytes);
        const file = join(dir, `case-${n++}.mdb`);
        writeFileSync(file, damaged);
        try {
          const full = await checkLmdbFile(file, { full: true });
          await checkLmdbFile(file);
          if (!full.ok) return;
          oks++;
          // The checker passed it: lmdb-js must read every entry it counted (from the meta LMDB picks).
          const answer = await reader!.read(file);
          expect(answer, JSON.stringify(c)).toMatchObject({ entries: full.entries });
        } finally {
          rmSync(file, { force: true });
          rmSync(`${file}-lock`, { force: true });
        }
      }),
      { numRuns: 200 },
    );
    // Most changes hit values or unused bytes, which no structure check can see.
    expect(oks).toBeGreaterThan(20);
    expect((await checkLmdbFile(path, { full: true })).problems.map(formatLmdbProblem)).toEqual([]);
  }, 60_000);
});
