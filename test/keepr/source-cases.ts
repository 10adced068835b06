/**
 * The Source conformance cases, written against the API the embedded store and the HTTP client
 * share (src/client/api.ts), so the same assertions run embedded (lmdb, memory) and remote.
 * Synchronous reads exist only embedded; their cases live in source.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { StoreApi } from '../../src/client/api.js';
import type { EntriesOptions } from '../../src/keepr/index.js';
import { codeOfAsync } from '../helpers/error-code.js';

/** Opens a fresh, empty store (closed by the factory when the test ends). */
export type StoreFactory = () => Promise<StoreApi>;

async function collect(iterable: AsyncIterable<[string, Block]>): Promise<string[]> {
  const seen: string[] = [];
  for await (const [k, b] of iterable) seen.push(`${k}=${JSON.stringify(b.toJS())}`);
  return seen;
}

/** Registers the shared Source cases under `label`. */
export function sourceCases(label: string, freshStore: StoreFactory): void {
  describe(`Source on ${label}`, () => {
    it('puts, gets, has and deletes blocks byte for byte', async () => {
      const store = await freshStore();
      const src = await store.source('things');
      const block = Block.from([[1, 2], [3, 4]], { type: 'int32', attributes: { kind: 'matrix' } });
      await src.put('m/1', block);
      expect((await src.get('m/1'))?.equals(block)).toBe(true);
      expect(await src.has('m/1')).toBe(true);
      expect(await src.get('m/2')).toBeUndefined();
      expect(await src.delete('m/1')).toBe(true);
      expect(await src.delete('m/1')).toBe(false);
      expect(await src.has('m/1')).toBe(false);
    });

    it('reads blocks whose typed views sit straight over the bytes read', async () => {
      const src = await (await freshStore()).source('s');
      await src.put('v', Block.from(new Float64Array([1.5, 2.5, 3.5])));
      const block = await src.get('v');
      const values = block!.values() as Float64Array;
      expect(Array.from(values)).toEqual([1.5, 2.5, 3.5]);
      expect(values.buffer).toBe(block!.bytes.buffer);
    });

    it('reads many blocks at once', async () => {
      const src = await (await freshStore()).source('s');
      await src.batch().put('a', Block.from(1)).put('c', Block.from(3)).write();
      const got = await src.getMany(['a', 'b', 'c']);
      expect(got.map((b) => b?.toJS())).toEqual([1, undefined, 3]);
      expect(await src.getMany([])).toEqual([]);
    });

    it('honours write modes and conditional writes on the stored hash', async () => {
      const src = await (await freshStore()).source('s');
      const v1 = Block.from('v1');
      const v2 = Block.from('v2');
      expect(await codeOfAsync(src.put('k', v1, { mode: 'if-exists' }))).toBe('WRITE_KEY_ABSENT');
      await src.put('k', v1, { mode: 'if-absent' });
      expect(await codeOfAsync(src.put('k', v2, { mode: 'if-absent' }))).toBe('WRITE_KEY_EXISTS');
      expect(await codeOfAsync(src.put('k', v2, { ifHash: v2.hashHex }))).toBe('WRITE_HASH_MISMATCH');
      expect((await src.get('k'))?.toJS()).toBe('v1');
      await src.put('k', v2, { ifHash: v1.hashHex, mode: 'if-exists' });
      expect((await src.get('k'))?.toJS()).toBe('v2');
      expect(await codeOfAsync(src.delete('k', { ifHash: v1.hash }))).toBe('WRITE_HASH_MISMATCH');
      expect(await src.delete('k', { ifHash: v2.hash })).toBe(true);
      expect(await codeOfAsync(src.put('k', v1, { ifHash: 'zz' }))).toBe('ARGUMENT_INVALID');
    });

    it('writes a batch pipeline all or nothing', async () => {
      const src = await (await freshStore()).source('s');
      await src.put('taken', Block.from(0));
      const batch = src.batch();
      for (let i = 0; i < 500; i++) batch.put(`k${String(i).padStart(3, '0')}`, Block.from(i));
      batch.put('taken', Block.from(1), { mode: 'if-absent' });
      const err = await codeOfAsync(batch.write());
      expect(err).toBe('WRITE_KEY_EXISTS');
      expect((await src.list()).items.map((i) => i.key)).toEqual(['taken']);
      batch.delete('taken');
      const results = await src.write([...Array.from({ length: 3 }, (_, i) => ({ op: 'put' as const, key: `n${i}`, block: Block.from(i) })), { op: 'delete', key: 'taken' }]);
      expect(results).toEqual([true, true, true, true]);
      expect((await src.list()).items.map((i) => i.key)).toEqual(['n0', 'n1', 'n2']);
    });

    it('names the failed operation of a batch', async () => {
      const src = await (await freshStore()).source('s');
      try {
        await src.write([
          { op: 'put', key: 'a', block: Block.from(1) },
          { op: 'put', key: 'b', block: Block.from(2), mode: 'if-exists' },
        ]);
        expect.unreachable();
      } catch (err) {
        expect((err as { code: string }).code).toBe('WRITE_KEY_ABSENT');
        expect((err as { details: unknown }).details).toEqual({ index: 1, key: 'b' });
      }
      expect(await src.has('a')).toBe(false);
    });

    it('reads and writes in one transaction', async () => {
      const src = await (await freshStore()).source('s');
      const one = Block.from(1);
      await src.put('a', one);
      const results = await src.transact([
        { op: 'get', key: 'a' },
        { op: 'put', key: 'a', block: Block.from(2), ifHash: one.hashHex },
        { op: 'get', key: 'none' },
        { op: 'delete', key: 'none' },
      ]);
      expect((results[0] as Block).equals(one)).toBe(true);
      expect(results.slice(1)).toEqual([true, undefined, false]);
      expect((await src.get('a'))?.toJS()).toBe(2);
    });

    it('lists keys in order by prefix, with cursors, limits and reverse', async () => {
      const src = await (await freshStore()).source('s');
      const keys = ['a/1', 'a/2', 'a/3', 'b/1', 'ab', 'é'];
      await src.write(keys.map((key, i) => ({ op: 'put' as const, key, block: Block.from(i) })));
      expect((await src.list()).items.map((i) => i.key)).toEqual(['a/1', 'a/2', 'a/3', 'ab', 'b/1', 'é']);
      expect((await src.list({ prefix: 'a/' })).items.map((i) => i.key)).toEqual(['a/1', 'a/2', 'a/3']);
      const page1 = await src.list({ prefix: 'a', limit: 2 });
      expect(page1.items.map((i) => i.key)).toEqual(['a/1', 'a/2']);
      const page2 = await src.list({ prefix: 'a', limit: 2, cursor: page1.cursor! });
      expect(page2.items.map((i) => i.key)).toEqual(['a/3', 'ab']);
      expect(page2.cursor).toBeUndefined();
      const rev = await src.list({ reverse: true, limit: 2 });
      expect(rev.items.map((i) => i.key)).toEqual(['é', 'b/1']);
      expect((await src.list({ reverse: true, cursor: rev.cursor! })).items.map((i) => i.key)).toEqual(['ab', 'a/3', 'a/2', 'a/1']);
      const first = (await src.list({ limit: 1 })).items[0]!;
      expect(first).toMatchObject({ type: 'float64', shape: [], hash: Block.from(0).hashHex, byteLength: Block.from(0).byteLength });
    });

    it('iterates entries in order', async () => {
      const src = await (await freshStore()).source('s');
      await src.write(['x', 'y/1', 'y/2'].map((key) => ({ op: 'put' as const, key, block: Block.from(key) })));
      expect(await collect(src.entries({ prefix: 'y/' }))).toEqual(['y/1="y/1"', 'y/2="y/2"']);
    });

    it('scans ranges with bounds, limits and reverse', async () => {
      const src = await (await freshStore()).source('s');
      const keys = ['a', 'b/1', 'b/2', 'b/3', 'c', 'é'];
      await src.write(keys.map((key, i) => ({ op: 'put' as const, key, block: Block.from(i) })));
      const keysOf = async (options: EntriesOptions<'utf8'>): Promise<string[]> => (await collect(src.entries(options))).map((e) => e.split('=')[0]!);
      expect(await keysOf({})).toEqual(keys);
      expect(await keysOf({ prefix: 'b/' })).toEqual(['b/1', 'b/2', 'b/3']);
      expect(await keysOf({ gt: 'a', lte: 'b/3' })).toEqual(['b/1', 'b/2', 'b/3']);
      expect(await keysOf({ gte: 'b/2', reverse: true })).toEqual(['é', 'c', 'b/3', 'b/2']);
      expect(await keysOf({ lte: 'b/2', reverse: true })).toEqual(['b/2', 'b/1', 'a']);
      expect(await keysOf({ lt: 'c', limit: 2 })).toEqual(['a', 'b/1']);
      expect(await keysOf({ prefix: 'b/', gt: 'b/1', limit: 1 })).toEqual(['b/2']);
      expect(await keysOf({ gt: 'z' })).toEqual(['é']);
      expect(await keysOf({ gt: 'é' })).toEqual([]);
      expect(await collect(src.entries({ prefix: 'b/', limit: 2 }))).toEqual(['b/1=1', 'b/2=2']);
      expect(await codeOfAsync(() => collect(src.entries({ gt: 5 as unknown as string })))).toBe('ARGUMENT_INVALID');
    });

    it('scans more entries than fit in one page', async () => {
      const src = await (await freshStore()).source('s');
      const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, '0')}`);
      await src.write(keys.map((key, i) => ({ op: 'put' as const, key, block: Block.from(i) })));
      const forward: string[] = [];
      for await (const [key] of src.entries()) forward.push(key);
      expect(forward).toEqual(keys);
      const backward: string[] = [];
      for await (const [key] of src.entries({ reverse: true, limit: 1200 })) backward.push(key);
      expect(backward).toEqual(keys.slice().reverse().slice(0, 1200));
    });

    it('rejects bad keys, cursors and limits with codes', async () => {
      const src = await (await freshStore()).source('s');
      const b = Block.from(1);
      for (const key of ['', '/a', 'a/', 'a//b', '../x', 'a/./b', 'tab\there', 'x'.repeat(513), '\ud800']) {
        expect(await codeOfAsync(src.put(key, b))).toBe('NAME_INVALID');
      }
      expect(await codeOfAsync(src.get(42 as unknown as string))).toBe('NAME_INVALID');
      expect(await codeOfAsync(src.list({ cursor: 'nope' }))).toBe('CURSOR_INVALID');
      // Empty, non-canonical (trailing bits), too long, or of a height listing.
      for (const cursor of ['k1.', 'k1.YR', 'k1.' + Buffer.alloc(513, 1).toString('base64url'), 'h1.3', 'k1.YQ==']) {
        expect(await codeOfAsync(src.list({ cursor }))).toBe('CURSOR_INVALID');
      }
      expect(await codeOfAsync(src.list({ limit: 0 }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(src.put('k', { bytes: 1 } as unknown as Block))).toBe('ARGUMENT_INVALID');
      expect(await src.list()).toEqual({ items: [], cursor: undefined });
    });

    it('manages sources by name', async () => {
      const store = await freshStore();
      await store.createSource('b');
      await store.source('a');
      expect(await store.sources()).toEqual(['a', 'b']);
      expect(await codeOfAsync(store.createSource('a'))).toBe('SOURCE_EXISTS');
      expect(await codeOfAsync(store.source('zzz', { create: false }))).toBe('SOURCE_NOT_FOUND');
      expect(await codeOfAsync(store.source('bad name'))).toBe('NAME_INVALID');
      expect(await store.hasSource('a')).toBe(true);
      const a = await store.source('a');
      await a.put('k', Block.from(1));
      expect(await store.dropSource('a')).toBe(true);
      expect(await store.dropSource('a')).toBe(false);
      expect(await store.hasSource('a')).toBe(false);
      expect(await codeOfAsync(a.get('k'))).toBe('SOURCE_NOT_FOUND');
      expect(await store.sources()).toEqual(['b']);
      expect((await store.stats()).sources).toBe(1);
    });

    it('refuses work after close', async () => {
      const store = await freshStore();
      const src = await store.source('s');
      await store.close();
      expect(store.isOpen).toBe(false);
      expect(await codeOfAsync(src.get('k'))).toBe('STORE_CLOSED');
      expect(await codeOfAsync(store.sources())).toBe('STORE_CLOSED');
    });
  });
}
