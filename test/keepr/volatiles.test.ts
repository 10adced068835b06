import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { Volatiles } from '../../src/keepr/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { all } from '../helpers/collect.js';

const b = (v: number | string): Block => Block.from(v);
const js = (block: Block | undefined): unknown => block?.toJS();

describe('volatile containers', () => {
  it('keeps one container kind per name', async () => {
    const v = new Volatiles();
    v.map('m');
    expect(v.map('m')).toBe(v.map('m'));
    expect(await codeOfAsync(() => v.deque('m'))).toBe('VOLATILE_KIND_MISMATCH');
    expect(await codeOfAsync(() => v.tree('bad name'))).toBe('NAME_INVALID');
    v.queue('q');
    expect(v.names()).toEqual(['m', 'q']);
    expect(v.kind('q')).toBe('queue');
    expect(v.drop('q')).toBe(true);
    expect(v.kind('q')).toBeUndefined();
  });

  it('map: ordered keys, prefix listing, delete', async () => {
    const m = new Volatiles().map('m');
    for (const k of ['b', 'a/2', 'a/1', 'c']) await m.put(k, b(k));
    expect(await all(m.keys())).toEqual(['a/1', 'a/2', 'b', 'c']);
    expect(await all(m.keys({ prefix: 'a/' }))).toEqual(['a/1', 'a/2']);
    expect(await all(m.keys({ limit: 1 }))).toEqual(['a/1']);
    expect(js(await m.get('b'))).toBe('b');
    expect(await m.delete('b')).toBe(true);
    expect(await m.has('b')).toBe(false);
    expect(await m.size()).toBe(3);
    expect(await codeOfAsync(m.put('x', 'y' as unknown as Block))).toBe('ARGUMENT_INVALID');
  });

  it('deque: push and pop at both ends, growing past its ring', async () => {
    const d = new Volatiles().deque('d');
    for (let i = 0; i < 40; i++) await d.pushLast(b(i));
    for (let i = 1; i <= 10; i++) await d.pushFirst(b(-i));
    expect(await d.length()).toBe(50);
    expect(js(await d.peekFirst())).toBe(-10);
    expect(js(await d.peekLast())).toBe(39);
    expect(js(await d.at(10))).toBe(0);
    expect(js(await d.popFirst())).toBe(-10);
    expect(js(await d.popLast())).toBe(39);
    const rest: unknown[] = [];
    for (let x = await d.popFirst(); x !== undefined; x = await d.popFirst()) rest.push(x.toJS());
    expect(rest).toEqual([...Array.from({ length: 9 }, (_, i) => i - 9), ...Array.from({ length: 39 }, (_, i) => i)]);
    expect(await d.popLast()).toBeUndefined();
  });

  it('priority queue: evicts the lowest when full, refuses lower, FIFO among equals', async () => {
    const q = new Volatiles().queue('q', { capacity: 3 });
    await q.put('a', b('a'), 1);
    await q.put('b', b('b'), 5);
    await q.put('c', b('c'), 5);
    expect(await codeOfAsync(q.put('d', b('d'), 1))).toBe('QUEUE_PRIORITY_TOO_LOW');
    expect(await q.put('d', b('d'), 2)).toEqual({ evicted: 'a' });
    expect((await q.peekLowest())?.key).toBe('d');
    expect((await q.popHighest())?.key).toBe('b');
    expect((await q.popHighest())?.key).toBe('c');
    await q.put('d', b('d2'), 9);
    expect(await q.size()).toBe(1);
    expect(js((await q.get('d'))?.block)).toBe('d2');
    expect((await q.entries()).map((e) => e.priority)).toEqual([9]);
    expect(await codeOfAsync(q.put('x', b(1), NaN))).toBe('ARGUMENT_INVALID');
    expect(await codeOfAsync(() => new Volatiles().queue('z', { capacity: 0 }))).toBe('ARGUMENT_INVALID');
  });

  it('tree: parents, children, subtree delete', async () => {
    const t = new Volatiles().tree('t');
    await t.add('root', b('r'));
    await t.add('a', b('a'), 'root');
    await t.add('b', b('b'), 'root');
    await t.add('a1', b('a1'), 'a');
    expect(await codeOfAsync(t.add('a', b('x')))).toBe('TREE_NODE_EXISTS');
    expect(await codeOfAsync(t.add('z', b('x'), 'nope'))).toBe('TREE_PARENT_NOT_FOUND');
    expect(await all(t.children('root'))).toEqual(['a', 'b']);
    expect((await t.get('a1'))?.parent).toBe('a');
    expect(await all(t.roots())).toEqual(['root']);
    expect(await t.set('a1', b('new'))).toBe(true);
    expect(js((await t.get('a1'))?.block)).toBe('new');
    expect(await t.delete('a')).toBe(2);
    expect(await all(t.children('root'))).toEqual(['b']);
    expect(await t.size()).toBe(2);
    expect(await t.delete('root')).toBe(2);
    expect(await t.size()).toBe(0);
  });
});
