// The volatile containers through the API embedded and client share: the same assertions run
// on an embedded store and through the HTTP client against a live server.
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { StoreApi } from '../../src/client/api.js';
import { freshStore } from '../keepr/store-factory.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { liveClient } from './live-server.js';
import { all } from '../helpers/collect.js';

const b = (v: number | string): Block => Block.from(v);
const js = (block: Block | undefined): unknown => block?.toJS();

const STORES: readonly [string, () => Promise<StoreApi>][] = [
  ['embedded', () => freshStore('memory')],
  ['a live server through the client', async () => (await liveClient()).client],
];

for (const [label, fresh] of STORES) {
  describe(`volatile containers on ${label}`, () => {
    it('keeps one container kind per name', async () => {
      const { volatiles: v } = await fresh();
      await v.map('m').put('k', b(1));
      expect(await codeOfAsync(async () => v.deque('m').length())).toBe('VOLATILE_KIND_MISMATCH');
      expect(await codeOfAsync(async () => v.tree('bad name').size())).toBe('NAME_INVALID');
      await v.queue('q').put('k', b(1), 1);
      expect(await v.names()).toEqual(['m', 'q']);
      expect(await v.kind('q')).toBe('queue');
      expect(await v.drop('q')).toBe(true);
      expect(await v.drop('q')).toBe(false);
      expect(await v.kind('q')).toBeUndefined();
    });

    it('map: ordered keys, prefix listing, delete, exact blocks', async () => {
      const m = (await fresh()).volatiles.map('m');
      for (const k of ['b', 'a/2', 'a/1', 'c']) await m.put(k, b(k));
      expect(await all(m.keys())).toEqual(['a/1', 'a/2', 'b', 'c']);
      expect(await all(m.keys({ prefix: 'a/' }))).toEqual(['a/1', 'a/2']);
      expect(await all(m.keys({ limit: 1 }))).toEqual(['a/1']);
      expect(js(await m.get('b'))).toBe('b');
      expect(await m.get('zz')).toBeUndefined();
      const exact = Block.from(new Float64Array([-0, NaN]));
      await m.put('exact', exact);
      expect((await m.get('exact'))?.equals(exact)).toBe(true);
      expect(await m.delete('b')).toBe(true);
      expect(await m.has('b')).toBe(false);
      expect(await m.size()).toBe(4);
      await m.clear();
      expect(await m.size()).toBe(0);
      expect(await codeOfAsync(m.put('x', 'y' as unknown as Block))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(m.get('a//b'))).toBe('NAME_INVALID');
    });

    it('deque: push and pop at both ends', async () => {
      const d = (await fresh()).volatiles.deque('d');
      for (let i = 0; i < 20; i++) await d.pushLast(b(i));
      for (let i = 1; i <= 3; i++) await d.pushFirst(b(-i));
      expect(await d.length()).toBe(23);
      expect(js(await d.peekFirst())).toBe(-3);
      expect(js(await d.peekLast())).toBe(19);
      expect(js(await d.at(3))).toBe(0);
      expect(await d.at(99)).toBeUndefined();
      expect(js(await d.popFirst())).toBe(-3);
      expect(js(await d.popLast())).toBe(19);
      expect(await d.length()).toBe(21);
      await d.clear();
      expect(await d.popLast()).toBeUndefined();
      expect(await codeOfAsync(d.at(1.5))).toBe('ARGUMENT_INVALID');
    });

    it('priority queue: evicts the lowest when full, refuses lower, FIFO among equals', async () => {
      const { volatiles } = await fresh();
      const q = volatiles.queue('q', { capacity: 3 });
      await q.put('a', b('a'), 1);
      await q.put('b', b('b'), 5);
      await q.put('c', b('c'), 5);
      expect(await codeOfAsync(q.put('d', b('d'), 1))).toBe('QUEUE_PRIORITY_TOO_LOW');
      expect(await q.put('d', b('d'), 2)).toEqual({ evicted: 'a' });
      expect(await q.put('e', b('e'), 3)).toEqual({ evicted: 'd' });
      expect((await q.peekLowest())?.key).toBe('e');
      expect((await q.peekHighest())?.key).toBe('b');
      expect((await q.entries(2)).map((e) => e.key)).toEqual(['b', 'c']);
      expect((await q.popHighest())?.key).toBe('b');
      expect((await q.popLowest())?.key).toBe('e');
      await q.put('c', b('c2'), 9);
      expect(await q.size()).toBe(1);
      const got = await q.get('c');
      expect([got?.key, js(got?.block), got?.priority]).toEqual(['c', 'c2', 9]);
      expect(await q.get('nope')).toBeUndefined();
      expect(await q.delete('c')).toBe(true);
      expect(await q.popHighest()).toBeUndefined();
      expect(await codeOfAsync(q.put('x', b(1), NaN))).toBe('ARGUMENT_INVALID');
      await q.clear();
      expect(await q.entries()).toEqual([]);
    });

    it('tree: parents, children, subtree delete', async () => {
      const t = (await fresh()).volatiles.tree('t');
      await t.add('root', b('r'));
      await t.add('a', b('a'), 'root');
      await t.add('b', b('b'), 'root');
      await t.add('a1', b('a1'), 'a');
      expect(await codeOfAsync(t.add('a', b('x')))).toBe('TREE_NODE_EXISTS');
      expect(await codeOfAsync(t.add('z', b('x'), 'nope'))).toBe('TREE_PARENT_NOT_FOUND');
      expect(await all(t.children('root'))).toEqual(['a', 'b']);
      const node = await t.get('a1');
      expect([node?.key, node?.parent, node?.children, js(node?.block)]).toEqual(['a1', 'a', [], 'a1']);
      expect((await t.get('root'))?.parent).toBeUndefined();
      expect(await t.get('nope')).toBeUndefined();
      expect(await all(t.roots())).toEqual(['root']);
      expect(await t.set('a1', b('new'))).toBe(true);
      expect(await t.set('nope', b('new'))).toBe(false);
      expect(js((await t.get('a1'))?.block)).toBe('new');
      expect(await t.delete('a')).toBe(2);
      expect(await all(t.children('root'))).toEqual(['b']);
      expect(await t.size()).toBe(2);
      await t.clear();
      expect(await t.size()).toBe(0);
    });
  });
}

describe('volatile containers over HTTP only', () => {
  it('creates a queue with the capacity of its first write, and reads create nothing', async () => {
    const { client, store } = await liveClient();
    expect(await client.volatiles.map('ghost').size()).toBe(0);
    expect(await client.volatiles.queue('ghost2').peekHighest()).toBeUndefined();
    expect(store.volatiles.names()).toEqual([]);
    const q = client.volatiles.queue('q', { capacity: 2 });
    await q.put('a', b(1), 1);
    expect(store.volatiles.queue('q').capacity).toBe(2);
  });

  it('takes blocks as JSON views too, and answers in the JSON view by default', async () => {
    const { url } = await liveClient();
    const post = async (op: string, body: unknown): Promise<unknown> =>
      (await fetch(`${url}/v1/volatiles/map/m/${op}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    expect(await post('put', { key: 'a', block: { type: 'int32', data: [1, 2] } })).toEqual({ result: null });
    expect(await post('get', { key: 'a' })).toMatchObject({ result: { type: 'int32', shape: [2], data: [1, 2] } });
    expect(await post('get', { key: 'a', extra: 1 })).toMatchObject({ code: 'ARGUMENT_INVALID' });
    expect(await post('size', { key: 'a' })).toMatchObject({ code: 'ARGUMENT_INVALID' });
  });
});
