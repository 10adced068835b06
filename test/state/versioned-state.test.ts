import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { codeOf, codeOfAsync } from '../helpers/error-code.js';
import { freshState, STATE_ENGINES } from './state-factory.js';
import { all } from '../helpers/collect.js';

const js = (v: unknown): unknown => (v instanceof Block ? v.toJS() : v instanceof Uint8Array ? [...v] : v);

describe.each(STATE_ENGINES)('versioned state (%s)', (engine) => {
  it('commits heights and reads any of them back', async () => {
    const { state } = await freshState(undefined, engine);
    expect(state.latest).toBeUndefined();
    await state.put('accounts', 'alice', Block.from(10));
    await state.put('accounts', 'bob', Uint8Array.of(1, 2));
    const h0 = await state.commit();
    expect(h0).toMatchObject({ height: 0, changes: 2 });
    await state.put('accounts', 'alice', Block.from(11));
    await state.delete('accounts', 'bob');
    const h1 = await state.commit();
    expect(h1.height).toBe(1);
    expect(h1.rootHex).not.toBe(h0.rootHex);
    expect(js(await state.at(0).get('accounts', 'alice'))).toBe(10);
    expect(js(await state.at(1).get('accounts', 'alice'))).toBe(11);
    expect(js(await state.at(0).get('accounts', 'bob'))).toEqual([1, 2]);
    expect(await state.at(1).get('accounts', 'bob')).toBeUndefined();
    expect(Buffer.from(await state.at(1).root()).toString('hex')).toBe(h1.rootHex);
    expect((await all(state.heights())).map((h) => h.height)).toEqual([0, 1]);
    expect(await codeOfAsync(state.at(7).get('accounts', 'alice'))).toBe('STATE_HEIGHT_UNKNOWN');
  });

  it('lets the working height read its own uncommitted writes', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('t', 'a', Uint8Array.of(1));
    await state.commit();
    await state.put('t', 'a', Uint8Array.of(2));
    await state.put('t', 'b', Uint8Array.of(3));
    await state.delete('t', 'a');
    expect(await state.get('t', 'a')).toBeUndefined();
    expect(js(await state.get('t', 'b'))).toEqual([3]);
    expect(js(await state.at(0).get('t', 'a'))).toEqual([1]);
  });

  it('rolls back to savepoints inside the working height', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('t', 'a', Uint8Array.of(1));
    const sp = state.savepoint();
    await state.put('t', 'b', Uint8Array.of(2));
    await state.delete('t', 'a');
    state.rollback(sp);
    expect(js(await state.get('t', 'a'))).toEqual([1]);
    expect(await state.get('t', 'b')).toBeUndefined();
    expect(
      codeOf(() => {
        state.rollback(5);
      }),
    ).toBe('STATE_SAVEPOINT_UNKNOWN');
    const result = await state.commit();
    expect(result.changes).toBe(1);
    state.rollback();
  });

  it('stores only what changed', async () => {
    const { store, state } = await freshState(undefined, engine);
    for (let i = 0; i < 50; i++) await state.put('t', `k${i}`, Uint8Array.of(i));
    await state.commit();
    const count = async (): Promise<number> => (await all(store.engine.range('state:chain'))).length;
    const before = await count();
    await state.put('t', 'k1', Uint8Array.of(1)); // the value it already has
    await state.delete('t', 'missing');
    const same = await state.commit();
    expect(same.changes).toBe(0);
    // Only the height record was added.
    expect(await count()).toBe(before + 1);
    await state.put('t', 'k2', Uint8Array.of(99));
    const one = await state.commit();
    expect(one.changes).toBe(1);
    // A value, a bucket entry, a handful of nodes on its path and the height record.
    expect((await count()) - before - 1).toBeLessThanOrEqual(1 + 1 + 5 + 1);
  });

  it('re-applying a height is idempotent; a different change set is STATE_HEIGHT_EXISTS', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('t', 'a', Uint8Array.of(1));
    await state.commit();
    await state.put('t', 'a', Uint8Array.of(2));
    await state.put('u', 'b', Block.from('x'));
    const h1 = await state.commit();
    state.begin(1);
    await state.put('u', 'b', Block.from('x'));
    await state.put('t', 'a', Uint8Array.of(2));
    const again = await state.commit();
    expect(again.rootHex).toBe(h1.rootHex);
    expect(state.latest).toBe(1);
    state.begin(1);
    await state.put('t', 'a', Uint8Array.of(3));
    expect(await codeOfAsync(state.commit())).toBe('STATE_HEIGHT_EXISTS');
    state.begin(1);
    await state.put('t', 'a', Uint8Array.of(2));
    expect(await codeOfAsync(state.commit())).toBe('STATE_HEIGHT_EXISTS');
    expect(
      codeOf(() => {
        state.begin(5);
      }),
    ).toBe('STATE_HEIGHT_INVALID');
  });

  it('ranges over keys in order at any height', async () => {
    const { state } = await freshState(undefined, engine);
    for (const k of ['b', 'a', 'c/1', 'c/2', 'd']) await state.put('t', k, Uint8Array.of(k.charCodeAt(0)));
    await state.commit();
    await state.delete('t', 'c/1');
    await state.put('t', 'c/3', Uint8Array.of(1));
    await state.commit();
    const keys = async (h: number, o = {}): Promise<string[]> => (await all(state.at(h).range('t', o))).map(({ key: k }) => Buffer.from(k).toString());
    expect(await keys(0)).toEqual(['a', 'b', 'c/1', 'c/2', 'd']);
    expect(await keys(1)).toEqual(['a', 'b', 'c/2', 'c/3', 'd']);
    expect(await keys(1, { prefix: 'c/' })).toEqual(['c/2', 'c/3']);
    expect(await keys(0, { gte: 'b', lt: 'd' })).toEqual(['b', 'c/1', 'c/2']);
    expect(await keys(1, { reverse: true, limit: 2 })).toEqual(['d', 'c/3']);
    // Every bound applies: a prefix with gte or lt never widens the range.
    expect(await keys(1, { prefix: 'c/', lt: 'z' })).toEqual(['c/2', 'c/3']);
    expect(await keys(1, { prefix: 'c/', gte: 'a' })).toEqual(['c/2', 'c/3']);
    expect(await keys(1, { prefix: 'c/', gte: 'c/3' })).toEqual(['c/3']);
    expect(await keys(1, { prefix: 'c/', lt: 'c/3' })).toEqual(['c/2']);
    expect(await keys(1, { gte: 'c', lt: 'b' })).toEqual([]);
    // gt and lte, as in every other range; with gte / lt the tighter bound wins.
    expect(await keys(1, { gt: 'b', lte: 'c/3' })).toEqual(['c/2', 'c/3']);
    expect(await keys(1, { gt: 'c/2', reverse: true })).toEqual(['d', 'c/3']);
    expect(await keys(1, { gte: 'b', gt: 'b', lt: 'd', lte: 'c/2' })).toEqual(['c/2']);
    expect(await keys(1, { gt: 'c', lte: 'c' })).toEqual([]);
  });

  it('ranges over more keys than one index chunk, with deletions, limits and reverse', async () => {
    const { state } = await freshState(undefined, engine);
    const name = (i: number): string => `k${String(i).padStart(4, '0')}`;
    for (let i = 0; i < 700; i++) await state.put('t', name(i), Uint8Array.of(i & 0xff));
    await state.commit();
    for (let i = 0; i < 700; i += 3) await state.delete('t', name(i));
    await state.commit();
    const keys = async (h: number, o = {}): Promise<string[]> => (await all(state.at(h).range('t', o))).map(({ key: k }) => Buffer.from(k).toString());
    const every = Array.from({ length: 700 }, (_, i) => name(i));
    const kept = every.filter((_, i) => i % 3 !== 0);
    expect(await keys(0)).toEqual(every);
    expect(await keys(1)).toEqual(kept);
    expect(await keys(1, { limit: 400 })).toEqual(kept.slice(0, 400));
    expect(await keys(1, { reverse: true, limit: 300 })).toEqual([...kept].reverse().slice(0, 300));
    expect(await keys(1, { gte: name(100), lt: name(600) })).toEqual(kept.filter((k) => k >= name(100) && k < name(600)));
    expect(await keys(1, { limit: 0 })).toEqual([]);
    expect(await codeOfAsync(all(state.at(1).range('t', { limit: -1 })))).toBe('ARGUMENT_INVALID');
  });

  it('ranges over the working height: its uncommitted writes over the height before, as a model says', async () => {
    const { state } = await freshState(undefined, engine);
    const keyArb = fc.uint8Array({ minLength: 1, maxLength: 3 }).map((k) => k.map((b) => b % 4));
    const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');
    // The model: key (hex) -> value byte; hex order is byte order.
    const model = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(keyArb, fc.option(fc.nat(255), { nil: undefined })), { maxLength: 12 }),
        fc.boolean(),
        fc.record({ prefix: keyArb, gt: keyArb, gte: keyArb, lt: keyArb, lte: keyArb, reverse: fc.boolean(), limit: fc.nat(8) }, { requiredKeys: [] }),
        async (writes, commitAfter, options) => {
          for (const [key, value] of writes) {
            if (value === undefined) {
              await state.delete('t', key);
              model.delete(hex(key));
            } else {
              await state.put('t', key, Uint8Array.of(value));
              model.set(hex(key), value);
            }
          }
          const within = (k: string): boolean =>
            (options.prefix === undefined || k.startsWith(hex(options.prefix))) &&
            (options.gt === undefined || k > hex(options.gt)) &&
            (options.gte === undefined || k >= hex(options.gte)) &&
            (options.lt === undefined || k < hex(options.lt)) &&
            (options.lte === undefined || k <= hex(options.lte));
          const expected = [...model].filter(([k]) => within(k)).sort(([a], [b]) => (a < b ? -1 : 1));
          if (options.reverse === true) expected.reverse();
          const got = await all(state.range('t', options));
          expect(got.map(({ key: k, value: v }) => [hex(k), (v as Uint8Array)[0]])).toEqual(expected.slice(0, options.limit ?? expected.length));
          if (commitAfter) await state.commit();
        },
      ),
      { numRuns: 150 },
    );
    expect(await codeOfAsync(all(state.range('t', { limit: 1.5 })))).toBe('ARGUMENT_INVALID');
  });

  it('keeps keys with zero bytes and byte keys apart and in order', async () => {
    const { state } = await freshState(undefined, engine);
    const keys = [Uint8Array.of(1), Uint8Array.of(1, 0), Uint8Array.of(1, 0, 0), Uint8Array.of(1, 1), Uint8Array.of(0xff)];
    for (const [i, k] of keys.entries()) await state.put('t', k, Uint8Array.of(i));
    await state.commit();
    const got = await all(state.at(0).range('t'));
    expect(got.map(({ key: k }) => Buffer.from(k).toString('hex'))).toEqual(['01', '0100', '010000', '0101', 'ff']);
    for (const [i, k] of keys.entries()) expect(js(await state.at(0).get('t', k))).toEqual([i]);
  });

  it('rejects bad keys, trees and values with codes', async () => {
    const { state } = await freshState(undefined, engine);
    expect(await codeOfAsync(state.put('t', '', Uint8Array.of(1)))).toBe('STATE_KEY_INVALID');
    expect(await codeOfAsync(state.put('t', 'x'.repeat(501), Uint8Array.of(1)))).toBe('STATE_KEY_INVALID');
    expect(await codeOfAsync(state.put('bad tree', 'k', Uint8Array.of(1)))).toBe('NAME_INVALID');
    expect(await codeOfAsync(state.put('t', 'k', 'text' as unknown as Uint8Array))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => state.at(-1))).toBe('STATE_HEIGHT_INVALID');
  });

  it('reopens with its heights, trees and roots', async () => {
    const { store, state, target } = await freshState(undefined, engine);
    await state.put('a', 'k', Uint8Array.of(1));
    await state.put('b', 'k', Uint8Array.of(2));
    const h0 = await state.commit();
    await store.close();
    const again = await target.open();
    try {
      const s = await again.state('chain');
      expect(s.latest).toBe(0);
      expect(s.treeNames).toEqual(['a', 'b']);
      await s.put('a', 'k2', Uint8Array.of(3));
      const h1 = await s.commit();
      expect(h1.height).toBe(1);
      expect(h1.trees['b']).toBe(h0.trees['b']);
    } finally {
      await again.close();
    }
  });
});
