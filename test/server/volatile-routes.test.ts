import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { VolatileDeque, VolatileMap, VolatilePriorityQueue, VolatileTree, type VolatileKind } from '../../src/keepr/index.js';
import { callVolatile, volatileOp } from '../../src/server/volatile-routes.js';
import { VOLATILE_OPS } from '../../src/wire/volatile-ops.js';
import { codeOfAsync } from '../helpers/error-code.js';

/** One container of each kind, holding one entry. */
async function filled(): Promise<{ map: VolatileMap; deque: VolatileDeque; queue: VolatilePriorityQueue; tree: VolatileTree }> {
  const block = Block.from(1);
  const map = new VolatileMap('m');
  await map.put('a', block);
  const deque = new VolatileDeque('d');
  await deque.pushLast(block);
  const queue = new VolatilePriorityQueue('q', 10);
  await queue.put('a', block, 1);
  const tree = new VolatileTree('t');
  await tree.add('a', block);
  return { map, deque, queue, tree };
}

describe('volatile method dispatch', () => {
  it('refuses an op that is not a method of the kind with HTTP_REQUEST_INVALID and leaves the container as it was', async () => {
    const containers = await filled();
    const sizes = async (): Promise<number[]> => [await containers.map.size(), await containers.deque.length(), await containers.queue.size(), await containers.tree.size()];
    // Methods of the other kinds, names no kind has, and names every object has.
    const names = [...new Set(Object.values(VOLATILE_OPS).flatMap((ops) => Object.keys(ops))), 'frobnicate', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty'];
    for (const kind of Object.keys(containers) as VolatileKind[]) {
      for (const op of names) {
        if (Object.hasOwn(VOLATILE_OPS[kind], op)) continue;
        expect(await codeOfAsync(() => callVolatile(containers[kind], op, volatileOp(kind, op), {})), `${kind}.${op}`).toBe('HTTP_REQUEST_INVALID');
        expect(await sizes(), `${kind}.${op}`).toEqual([1, 1, 1, 1]);
      }
    }
  });

  it('calls the methods of each kind by their names, clear included', async () => {
    const containers = await filled();
    const call = (kind: VolatileKind, op: string, raw: Record<string, unknown> = {}): Promise<unknown> => callVolatile(containers[kind], op, volatileOp(kind, op), raw);
    expect(await call('map', 'has', { key: 'a' })).toBe(true);
    expect(await call('map', 'list', { prefix: 'a', limit: 5 })).toEqual({ items: ['a'] });
    expect(await call('deque', 'length')).toBe(1);
    expect(await call('queue', 'size')).toBe(1);
    expect(await call('tree', 'list')).toEqual({ items: ['a'] });
    expect(await codeOfAsync(call('map', 'has', { key: 7 }))).toBe('NAME_INVALID');
    expect(await codeOfAsync(call('queue', 'put', { key: 'b', block: { type: 'int32', data: [1] }, priority: 'high' }))).toBe('ARGUMENT_INVALID');
    expect(await codeOfAsync(call('map', 'list', { cursor: 'h1.1' }))).toBe('CURSOR_INVALID');
    for (const kind of Object.keys(containers) as VolatileKind[]) await call(kind, 'clear');
    expect([await containers.map.size(), await containers.deque.length(), await containers.queue.size(), await containers.tree.size()]).toEqual([0, 0, 0, 0]);
  });
});
