import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open } from '../../src/keepr/index.js';
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
    const store = await open(undefined, { engine: 'memory' });
    await (await store.source('s')).put('k', Block.from(1));
    await store.close();
    const again = await open(undefined, { engine: 'memory' });
    expect(await again.sources()).toEqual([]);
    await again.close();
  });

  it('rejects bad options with OPTION_INVALID', async () => {
    expect(await codeOfAsync(open(undefined))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open('x', { engine: 'rocks' as 'lmdb' }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(open('x', { engin: 'lmdb' } as never))).toBe('OPTION_INVALID');
  });

  it('closes idempotently and reports stats', async () => {
    const store = await open(makeTmpDir());
    await store.source('a');
    store.volatiles.deque('d');
    const stats = await store.stats();
    expect(stats).toMatchObject({ sources: 1, volatiles: 1 });
    expect(stats.engine.engine).toBe('lmdb');
    expect(stats.engine.sizeBytes).toBeGreaterThan(0);
    await store.close();
    await store.close();
    expect(store.isOpen).toBe(false);
  });
});
