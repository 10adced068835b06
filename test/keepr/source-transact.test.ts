import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { STORE_ENGINES, freshStore } from './store-factory.js';
import { codeOfAsync } from '../helpers/error-code.js';

for (const engine of STORE_ENGINES) {
  describe(`Source.transact on ${engine}`, () => {
    it('reads inside the write transaction the state before the batch', async () => {
      const src = await (await freshStore(engine)).source('s');
      const one = Block.from(1);
      await src.put('a', one);
      const results = await src.transact([
        { op: 'get', key: 'a' },
        { op: 'put', key: 'a', block: Block.from(2), ifHash: one.hashHex },
        { op: 'get', key: 'a' },
        { op: 'get', key: 'missing' },
        { op: 'delete', key: 'a' },
      ]);
      expect((results[0] as Block).toJS()).toBe(1);
      expect(results[1]).toBe(true);
      // Every get sees the state before the batch, like every condition does.
      expect((results[2] as Block).toJS()).toBe(1);
      expect(results[3]).toBeUndefined();
      expect(results[4]).toBe(true);
      expect(await src.has('a')).toBe(false);
    });

    it('gives blocks that outlive the transaction', async () => {
      const src = await (await freshStore(engine)).source('s');
      await src.put('v', Block.from(new Float64Array([1.5, 2.5])));
      const [got] = await src.transact([{ op: 'get', key: 'v' }, { op: 'put', key: 'w', block: Block.from(0) }]);
      // Later writes must not disturb the bytes the get returned.
      for (let i = 0; i < 20; i++) await src.put(`x${i}`, Block.from(new Float64Array(64).fill(i)));
      expect(Array.from((got as Block).values() as Float64Array)).toEqual([1.5, 2.5]);
      expect((got as Block).verify()).toBe(true);
    });

    it('writes nothing and returns nothing when a condition fails', async () => {
      const src = await (await freshStore(engine)).source('s');
      await src.put('taken', Block.from(0));
      const err = await src.transact([{ op: 'get', key: 'taken' }, { op: 'put', key: 'new', block: Block.from(1) }, { op: 'put', key: 'taken', block: Block.from(2), mode: 'if-absent' }]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'WRITE_KEY_EXISTS', details: { index: 2, key: 'taken' } });
      expect(await src.has('new')).toBe(false);
    });

    it('reads only, without a write, when every operation is a get', async () => {
      const src = await (await freshStore(engine)).source('s');
      await src.put('a', Block.from('x'));
      const results = await src.transact([{ op: 'get', key: 'a' }, { op: 'get', key: 'b' }]);
      expect(results.map((r) => (r as Block | undefined)?.toJS())).toEqual(['x', undefined]);
      expect(await src.transact([])).toEqual([]);
    });

    it('rejects bad operations with codes; write() refuses gets', async () => {
      const src = await (await freshStore(engine)).source('s');
      expect(await codeOfAsync(src.transact([{ op: 'get', key: 'a//b' }]))).toBe('NAME_INVALID');
      expect(await codeOfAsync(src.transact([{ op: 'nope', key: 'a' } as never]))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(src.transact('x' as never))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(src.write([{ op: 'get', key: 'a' } as never]))).toBe('ARGUMENT_INVALID');
    });
  });
}
