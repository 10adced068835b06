// Volatile key listings on the one pagination scheme, run against the embedded store and a live
// server through the client: ranges (prefix, gt, gte, lt, lte, reverse, limit) as a model says,
// pages with k1. cursors that walk every key once, tree children and roots in key order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { StoreApi } from '../../src/client/api.js';
import { all } from '../helpers/collect.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { freshStore } from '../keepr/store-factory.js';
import { liveClient } from './live-server.js';

const STORES: readonly [string, () => Promise<StoreApi>][] = [
  ['embedded', () => freshStore('memory')],
  ['a live server through the client', async () => (await liveClient()).client],
];

for (const [label, fresh] of STORES) {
  describe(`volatile listings on ${label}`, () => {
    it('map keys() follows the range options as a model says, and list() pages walk them once', async () => {
      const { volatiles } = await fresh();
      const m = volatiles.map('m');
      const keys = ['a', 'a/1', 'a/2', 'ab', 'b', 'b/1', 'c', 'é'];
      for (const k of keys) await m.put(k, Block.from(1));
      const key = fc.constantFrom('a', 'a/', 'a/1', 'a/2', 'ab', 'b', 'b/0', 'c', 'd', 'é');
      await fc.assert(
        fc.asyncProperty(fc.record({ prefix: fc.constantFrom('a', 'a/', 'b'), gt: key, gte: key, lt: key, lte: key, reverse: fc.boolean(), limit: fc.nat(4) }, { requiredKeys: [] }), async (options) => {
          const expected = keys
            .filter((k) => (options.prefix === undefined || k.startsWith(options.prefix)) && (options.gt === undefined || k > options.gt) && (options.gte === undefined || k >= options.gte))
            .filter((k) => (options.lt === undefined || k < options.lt) && (options.lte === undefined || k <= options.lte));
          if (options.reverse === true) expected.reverse();
          const want = expected.slice(0, options.limit ?? expected.length);
          expect(await all(m.keys(options))).toEqual(want);
          // The same range page by page (pages of 1 or 2), cursor after cursor.
          const { limit: _limit, ...range } = options;
          const paged: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await m.list({ ...range, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
            expect(page.items.length).toBeLessThanOrEqual(2);
            paged.push(...page.items);
            cursor = page.cursor;
          } while (cursor !== undefined);
          expect(paged).toEqual(expected);
        }),
        { numRuns: 40 },
      );
      expect(await m.list({ limit: 3 })).toEqual({ items: ['a', 'a/1', 'a/2'], cursor: `k1.${Buffer.from('a/2').toString('base64url')}` });
      expect(await m.list({ limit: 100 })).toEqual({ items: keys });
      expect(await codeOfAsync(m.list({ cursor: 'h1.3' }))).toBe('CURSOR_INVALID');
      expect(await codeOfAsync(m.list({ cursor: `k1.${Buffer.from([0xff]).toString('base64url')}` }))).toBe('CURSOR_INVALID');
      expect(await codeOfAsync(m.list({ limit: 0 }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(all(m.keys({ limit: -1 })))).toBe('ARGUMENT_INVALID');
    });

    it('tree children and roots come in key order, in pages by parent', async () => {
      const { volatiles } = await fresh();
      const t = volatiles.tree('t');
      for (const r of ['r2', 'r1', 'r3']) await t.add(r, Block.from(r));
      for (const c of ['c', 'a', 'b', 'd']) await t.add(c, Block.from(c), 'r1');
      expect(await all(t.roots())).toEqual(['r1', 'r2', 'r3']);
      expect(await all(t.children('r1'))).toEqual(['a', 'b', 'c', 'd']);
      expect(await all(t.children('r1', { reverse: true, limit: 2 }))).toEqual(['d', 'c']);
      expect(await all(t.children('r1', { gt: 'a', lt: 'd' }))).toEqual(['b', 'c']);
      expect(await all(t.children('nothing'))).toEqual([]);
      const first = await t.list({ parent: 'r1', limit: 3 });
      expect(first).toEqual({ items: ['a', 'b', 'c'], cursor: `k1.${Buffer.from('c').toString('base64url')}` });
      expect(await t.list({ parent: 'r1', limit: 3, cursor: first.cursor! })).toEqual({ items: ['d'] });
      expect(await t.list({ limit: 2, reverse: true })).toEqual({ items: ['r3', 'r2'], cursor: `k1.${Buffer.from('r2').toString('base64url')}` });
      expect(await codeOfAsync(t.list({ parent: '' }))).toBe('NAME_INVALID');
    });
  });
}
