import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { codeOfAsync } from '../helpers/error-code.js';

describe('open()', () => {
  it('persists sources and blocks across close and reopen on lmdb', async () => {
    const dir = makeTmpDir();
    const first = await open(dir);
    const block = Block.tuple({ t: Block.from(['x']) });
    await (await first.source('keep')).put('k', block);
    first.volatiles.map('gone');
    await first.close();
    const second = await open(dir);
    try {
      expect(await second.sources()).toEqual(['keep']);
      expect((await (await second.source('keep')).get('k'))?.equals(block)).toBe(true);
      expect(second.volatiles.names()).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('keeps nothing across reopen on memory', async () => {
    const store = await open({ engine: memoryEngine() });
    await (await store.source('s')).put('k', Block.from(1));
    await store.close();
    const again = await open({ engine: memoryEngine() });
    expect(await again.sources()).toEqual([]);
    await again.close();
  });

  it('rejects bad options with OPTION_INVALID', async () => {
    expect(await codeOfAsync(open(undefined as never))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open(''))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open({ engine: 'rocks' } as never))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open('x', { engin: 'lmdb' } as never))).toBe('OPTION_INVALID');
  });

  it('notices a source dropped by another store on the same directory', async () => {
    const dir = makeTmpDir();
    const a = await open(dir);
    const b = await open(dir);
    try {
      const src = await a.source('s');
      await src.put('k', Block.from(1));
      expect(await b.dropSource('s')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await codeOfAsync(src.get('k'))).toBe('SOURCE_NOT_FOUND');
      expect(await codeOfAsync(a.source('s', { create: false }))).toBe('SOURCE_NOT_FOUND');
      const again = await a.source('s');
      expect(await again.get('k')).toBeUndefined();
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('closes idempotently and reports stats', async () => {
    const store = await open(makeTmpDir());
    await store.source('a');
    store.volatiles.deque('d');
    const stats = await store.stats();
    expect(stats).toMatchObject({ sources: 1, volatiles: 1 });
    expect(stats.engine.engine).toBe('lmdb');
    expect(stats.engine.byteLength).toBeGreaterThan(0);
    await store.close();
    await store.close();
    expect(store.isOpen).toBe(false);
  });
});
