import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { STORE_ENGINES, SYNC_READ_ENGINES, freshStore } from './store-factory.js';
import { sourceCases } from './source-cases.js';
import { codeOfAsync } from '../helpers/error-code.js';

// The shared cases (test/client/source.test.ts runs the same ones through the HTTP client).
for (const engine of STORE_ENGINES) sourceCases(engine, () => freshStore(engine));

// Synchronous reads exist only embedded, on engines with synchronous reads.
for (const engine of SYNC_READ_ENGINES) {
  describe(`Source sync reads on ${engine}`, () => {
    it('getSync reads what get reads, with views over the bytes read', async () => {
      const src = await (await freshStore(engine)).source('s');
      const block = Block.from([[1, 2], [3, 4]], { type: 'int32' });
      await src.put('m/1', block);
      expect(src.getSync('m/1')?.equals(block)).toBe(true);
      expect(src.getSync('m/2')).toBeUndefined();
      await src.put('v', Block.from(new Float64Array([1.5, 2.5, 3.5])));
      const v = src.getSync('v')!;
      expect(Array.from(v.values() as Float64Array)).toEqual([1.5, 2.5, 3.5]);
      expect((v.values() as Float64Array).buffer).toBe(v.bytes.buffer);
    });

    it('scans ranges synchronously and asynchronously with the same answers', async () => {
      const src = await (await freshStore(engine)).source('s');
      const keys = ['a', 'b/1', 'b/2', 'b/3', 'c', 'é'];
      await src.write(keys.map((key, i) => ({ op: 'put' as const, key, block: Block.from(i) })));
      const cases = [{}, { prefix: 'b/' }, { gt: 'a', lte: 'b/3' }, { gte: 'b/2', reverse: true }, { lt: 'c', limit: 2 }, { prefix: 'b/', gt: 'b/1', limit: 1 }, { gt: 'z' }];
      for (const options of cases) {
        const sync = [...src.entriesSync(options)].map(([k, b]) => `${k}=${JSON.stringify(b.toJS())}`);
        const async: string[] = [];
        for await (const [k, b] of src.entries(options)) async.push(`${k}=${JSON.stringify(b.toJS())}`);
        expect(sync, JSON.stringify(options)).toEqual(async);
      }
      expect(await codeOfAsync(() => [...src.entriesSync({ gt: 5 as unknown as string })])).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(() => [...src.entriesSync({ limit: -1 })])).toBe('ARGUMENT_INVALID');
    });

    it('borrows blocks in getSync and entriesSync: the same answers, owned reads unchanged by later reads', async () => {
      const store = await freshStore(engine);
      const src = await store.source('s');
      const keys = Array.from({ length: 300 }, (_, i) => `k/${String(i).padStart(3, '0')}`);
      // Blocks of different sizes and types, so a stale view would show the wrong bytes.
      const blockOf = (i: number): Block => (i % 2 === 0 ? Block.from(new Float64Array(i + 1).fill(i)) : Block.from(`text ${i} `.repeat(i % 7)));
      await src.write(keys.map((key, i) => ({ op: 'put' as const, key, block: blockOf(i) })));

      const owned = src.getSync(keys[10]!)!;
      for (const [i, key] of keys.entries()) {
        const borrowed = src.getSync(key, { borrow: true })!;
        expect(borrowed.equals(blockOf(i)), key).toBe(true);
        expect(borrowed.hashHex).toBe(blockOf(i).hashHex);
      }
      expect(src.getSync('absent', { borrow: true })).toBeUndefined();
      // An owned block read before many borrowed reads still holds its own bytes.
      expect(owned.equals(blockOf(10))).toBe(true);

      const seen: string[] = [];
      const kept: Block[] = [];
      for (const [key, block] of src.entriesSync({ borrow: true, prefix: 'k/' })) {
        const i = keys.indexOf(key);
        expect(block.equals(blockOf(i)), key).toBe(true);
        expect(Array.from(block.data() as ArrayLike<number>).slice(0, 3)).toEqual(Array.from(blockOf(i).data() as ArrayLike<number>).slice(0, 3));
        // What a caller keeps, it copies.
        kept.push(Block.decode(new Uint8Array(block.bytes)));
        seen.push(key);
      }
      expect(seen).toEqual(keys);
      kept.forEach((block, i) => {
        expect(block.equals(blockOf(i))).toBe(true);
      });
      expect([...src.entriesSync({ borrow: true, reverse: true, limit: 2 })].map(([k]) => k)).toEqual([keys[299], keys[298]]);

      expect(await codeOfAsync(() => src.getSync(keys[0]!, { borrow: 'yes' as unknown as boolean }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(() => [...src.entriesSync({ borrow: 1 as unknown as boolean })])).toBe('ARGUMENT_INVALID');
      // Between the steps of an async loop other reads may reuse the buffer: refused there.
      expect(await codeOfAsync(async () => {
        for await (const [key] of src.entries({ borrow: true })) seen.push(key);
      })).toBe('ARGUMENT_INVALID');
    });

    it('fails sync reads of a dropped source with SOURCE_NOT_FOUND', async () => {
      const store = await freshStore(engine);
      const a = await store.source('a');
      await a.put('k', Block.from(1));
      await store.dropSource('a');
      expect(await codeOfAsync(() => a.getSync('k'))).toBe('SOURCE_NOT_FOUND');
    });
  });
}

// LevelDB has no synchronous iterator and PostgreSQL answers over the network: neither engine
// declares synchronous reads.
describe.each(['level', 'postgres'] as const)('Source sync reads on %s', (engine) => {
  it('are refused with ENGINE_NOT_SUPPORTED while the async reads answer', async () => {
    const src = await (await freshStore(engine)).source('s');
    await src.put('k', Block.from(1));
    expect(await codeOfAsync(() => src.getSync('k'))).toBe('ENGINE_NOT_SUPPORTED');
    expect(await codeOfAsync(() => [...src.entriesSync()])).toBe('ENGINE_NOT_SUPPORTED');
    expect((await src.get('k'))?.toJS()).toBe(1);
  });
});
