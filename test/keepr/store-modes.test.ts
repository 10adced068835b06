/** Durability modes, the block cache and transient mode, as a store user sees them. */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open, type Store } from '../../src/store/index.js';
import { openStore, type StoreOptions } from '../helpers/open-store.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** An LMDB store in `path` (engine and cache options together), or a transient one (`path` undefined). */
async function withStore<T>(path: string | undefined, options: StoreOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = path === undefined ? await open({ engine: memoryEngine(), ...(options.cache === undefined ? {} : { cache: options.cache }) }) : await openStore(path, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('durability modes', () => {
  it('write-cache acknowledges in memory, flushed() reports when it is on disk, and data survives reopen', async () => {
    const dir = makeTmpDir();
    await withStore(dir, { durability: 'write-cache', flushDelayMs: 50 }, async (store) => {
      expect(store.durability).toBe('write-cache');
      const src = await store.source('s');
      await Promise.all(Array.from({ length: 50 }, (_, i) => src.put(`k${i}`, Block.from(i))));
      await store.flushed();
      expect((await src.get('k49'))?.toJS()).toBe(49);
    });
    await withStore(dir, {}, async (store) => {
      expect((await (await store.source('s')).list()).items).toHaveLength(50);
    });
  });

  it('rejects bad combinations of options', async () => {
    expect(await codeOfAsync(open(makeTmpDir(), { durability: 'eventually' as 'sync' }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open(makeTmpDir(), { durability: 'transient' as 'sync' }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open({ engine: memoryEngine(), cache: false }))).toBe('OPTION_INVALID');
    // Engine options belong to the engine: open(dir) takes only durability and cache.
    expect(await codeOfAsync(open(makeTmpDir(), { compression: false } as never))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open({ engine: memoryEngine(), durability: 'sync' } as never))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open(makeTmpDir(), { cache: { maxEntries: 0 } }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open(makeTmpDir(), { cache: { size: 1 } as never }))).toBe('OPTION_INVALID');
  });
});

describe('block cache on a persistent store', () => {
  it('serves repeated reads from memory and counts hits and misses', async () => {
    await withStore(makeTmpDir(), { cache: { maxEntries: 100 } }, async (store) => {
      const src = await store.source('s');
      await src.put('a', Block.from([1, 2, 3]));
      const first = src.getSync('a');
      const second = await src.get('a');
      expect(second).toBe(first);
      const stats = (await store.stats()).cache!;
      expect(stats.hits).toBe(1);
      expect(stats.misses).toBe(1);
    });
  });

  it('never serves a block that was overwritten, deleted or dropped', async () => {
    await withStore(makeTmpDir(), { cache: { maxEntries: 100 } }, async (store) => {
      const src = await store.source('s');
      await src.put('a', Block.from('one'));
      expect(src.getSync('a')?.toJS()).toBe('one');
      await src.put('a', Block.from('two'));
      expect(src.getSync('a')?.toJS()).toBe('two');
      expect(await src.getMany(['a', 'b'])).toHaveLength(2);
      await src.delete('a');
      expect(src.getSync('a')).toBeUndefined();
      await src.put('b', Block.from('b'));
      expect(src.getSync('b')?.toJS()).toBe('b');
      await store.dropSource('s');
      const again = await store.source('s');
      expect(again.getSync('b')).toBeUndefined();
    });
  });

  it('forgets what it holds when another store on the same directory writes', async () => {
    const dir = makeTmpDir();
    await withStore(dir, { cache: { maxEntries: 100 } }, async (a) => {
      await withStore(dir, {}, async (b) => {
        const srcA = await a.source('s');
        await srcA.put('k', Block.from('old'));
        expect(srcA.getSync('k')?.toJS()).toBe('old');
        await (await b.source('s')).put('k', Block.from('new'));
        // The other writer's commit becomes visible at the next read turn.
        await delay(5);
        expect(srcA.getSync('k')?.toJS()).toBe('new');
      });
    });
  });

  it('pages evicted blocks back in from disk', async () => {
    await withStore(makeTmpDir(), { cache: { maxEntries: 4 } }, async (store) => {
      const src = await store.source('s');
      await src.write(Array.from({ length: 20 }, (_, i) => ({ op: 'put' as const, key: `k${i}`, block: Block.from(i) })));
      for (let i = 0; i < 20; i++) expect(src.getSync(`k${i}`)?.toJS()).toBe(i);
      for (let i = 0; i < 20; i++) expect((await src.get(`k${i}`))?.toJS()).toBe(i);
      const stats = (await store.stats()).cache!;
      expect(stats.entries).toBeLessThanOrEqual(4);
      expect(stats.evictions).toBeGreaterThan(0);
      expect(stats.lost).toBe(0);
    });
  });
});

describe('transient mode', () => {
  it('holds at most the cache limits; evicted blocks are gone and counted', async () => {
    await withStore(undefined, { cache: { maxEntries: 10 } }, async (store) => {
      expect(store.engine.name).toBe('memory');
      const src = await store.source('t');
      for (let i = 0; i < 10; i++) await src.put(`hot${i}`, Block.from(i));
      // Make the first ten hot, then push twenty one-off blocks through.
      for (let r = 0; r < 3; r++) for (let i = 0; i < 10; i++) src.getSync(`hot${i}`);
      for (let i = 0; i < 20; i++) await src.put(`cold${i}`, Block.from(i));
      const keys = (await src.list()).items.map((item) => item.key);
      expect(keys).toHaveLength(10);
      const stats = (await store.stats()).cache!;
      expect(stats.lost).toBe(20);
      expect(stats.entries).toBe(10);
      // Whatever was evicted is gone from the store itself, not only from memory.
      const present = await Promise.all(keys.map((k) => src.get(k)));
      expect(present.every((b) => b !== undefined)).toBe(true);
      expect(keys.filter((k) => k.startsWith('hot')).length).toBeGreaterThan(5);
    });
  });

  it('refuses a block larger than the whole store', async () => {
    await withStore(undefined, { cache: { maxBytes: 1000 } }, async (store) => {
      const src = await store.source('t');
      expect(await codeOfAsync(src.put('big', Block.from(new Float64Array(500))))).toBe('BLOCK_TOO_LARGE');
      expect(await src.has('big')).toBe(false);
    });
  });
});
