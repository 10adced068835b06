import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { guessMime, webMime } from '../../src/util/mime.js';
import { startProgress } from '../../src/cli/lib/progress.js';
import { compactStore, restoreStore, storeUsers } from '../../src/cli/lib/store-files.js';
import { verifyStore } from '../../src/cli/lib/verify-store.js';
import { walkWebFolder, webBlock } from '../../src/cli/lib/www-files.js';
import { open } from '../../src/store/index.js';
import { codeOf, codeOfAsync } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, startServer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** A writable that records what is written, posing as a terminal or not. */
function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { isTTY, columns: 80, text: () => text, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
}

describe('MIME types', () => {
  it('guesses from the extension, case-insensitively, and adds a charset for web text', () => {
    expect(guessMime('a/B.PNG')).toBe('image/png');
    expect(guessMime('x.woff2')).toBe('font/woff2');
    expect(guessMime('x.unknown')).toBe('application/octet-stream');
    expect(guessMime(undefined)).toBe('application/octet-stream');
    expect(webMime('index.html')).toBe('text/html; charset=utf-8');
    expect(webMime('app.js')).toBe('text/javascript; charset=utf-8');
    expect(webMime('a.json')).toBe('application/json; charset=utf-8');
    expect(webMime('a.wasm')).toBe('application/wasm');
    expect(webBlock('docs/a.pdf', Buffer.from('%PDF')).attributes).toEqual(new Map([[2, 'application/pdf'], [3, '/docs/a.pdf'], [5, 'a.pdf']]));
  });
});

describe('progress bars', () => {
  it('draw on a terminal and stay silent elsewhere', () => {
    const tty = fakeStream(true);
    const bar = startProgress({ label: 'dump', total: 10, stream: tty });
    bar.update(5);
    bar.setTotal(20);
    bar.stop();
    bar.stop();
    expect(tty.text()).toContain('dump');
    const pipe = fakeStream(false);
    const quiet = startProgress({ label: 'dump', total: 10, stream: pipe, unit: 'bytes' });
    quiet.update(5);
    quiet.stop();
    expect(pipe.text()).toBe('');
  });
});

describe('walkWebFolder', () => {
  it('follows links inside the folder once, skips broken ones and dotfiles, sorts keys by bytes', async () => {
    const root = join(makeTmpDir(), 'site');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'z.txt'), 'z');
    writeFileSync(join(root, 'Z.txt'), 'Z');
    writeFileSync(join(root, 'é.txt'), 'e');
    writeFileSync(join(root, '.hidden'), 'h');
    symlinkSync(join(root, 'a'), join(root, 'a', 'b', 'loop'));
    symlinkSync(join(root, 'missing'), join(root, 'broken'));
    const walk = await walkWebFolder(root);
    expect(walk.files.map((f) => f.key)).toEqual(['Z.txt', 'a/b/z.txt', 'é.txt']);
    expect(walk.skipped).toEqual(['.hidden', 'a/b/loop', 'broken']);
    expect((await walkWebFolder(root, { hidden: true })).files.map((f) => f.key)).toContain('.hidden');
  });

  it('refuses names that are not block keys and roots that are not folders', async () => {
    const root = join(makeTmpDir(), 'site');
    mkdirSync(root);
    writeFileSync(join(root, 'bad\nname'), 'x');
    expect(await codeOfAsync(walkWebFolder(root))).toBe('NAME_INVALID');
    expect(await codeOfAsync(walkWebFolder(join(root, 'bad\nname')))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => webBlock('k', 'not bytes' as unknown as Uint8Array))).toBe('BLOCK_INVALID');
  });
});

describe('store files', () => {
  it('sees other processes that have a store open, never itself', async () => {
    const dir = join(makeTmpDir(), 'db');
    const store = await open(dir);
    await (await store.source('s')).put('k', Block.from(1));
    expect(await storeUsers(dir)).toEqual([]);
    const server = await startServer(dir);
    try {
      expect(await storeUsers(dir)).toEqual([server.child.pid]);
    } finally {
      await server.stop();
    }
    expect(await storeUsers(dir)).toEqual([]);
    await store.close();
  }, 30_000);

  it('compacts without losing other namespaces (versioned states) and checks the copy', async () => {
    const dir = join(makeTmpDir(), 'db');
    let store = await open(dir);
    const s = await store.source('s');
    for (let i = 0; i < 200; i++) await s.put(`k${i}`, Block.from(new Float64Array(200).fill(i)));
    for (let i = 0; i < 190; i++) await s.delete(`k${i}`);
    await store.engine.createNamespace('state:x');
    await store.engine.write([{ op: 'put', namespace: 'state:x', key: Uint8Array.of(9), value: Buffer.from('root') }]);
    await store.close();
    const report = await compactStore(dir);
    expect(report).toMatchObject({ sources: 1, blocks: 10, namespaces: 1, entries: 1 });
    expect(report.after).toBeLessThan(report.before);
    store = await open(dir);
    expect(Buffer.from((await store.engine.get('state:x', Uint8Array.of(9)))!).toString()).toBe('root');
    expect((await verifyStore(store)).blocks).toBe(10);
    expect((await verifyStore(store, { sources: ['s'] })).sources).toBe(1);
    // Stored bytes that are not a block are named by verify and stop compaction with STORE_CORRUPT.
    await store.engine.put('src:s', Buffer.from('bad'), Buffer.from('not a block at all, but long enough to be mistaken for nothing'));
    expect((await verifyStore(store)).bad).toEqual([{ source: 's', key: 'bad', reason: 'shorter than the 96-byte header' }]);
    await store.close();
    expect(await codeOfAsync(compactStore(dir))).toBe('STORE_CORRUPT');
    expect(await codeOfAsync(restoreStore(join(dir, 'keepr.mdb'), dir))).toBe('ARGUMENT_INVALID');
  }, 30_000);
});
