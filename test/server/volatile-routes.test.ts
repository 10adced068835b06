import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { VolatileDeque, VolatileMap, VolatilePriorityQueue, VolatileTree, type VolatileKind } from '../../src/keepr/index.js';
import { VOLATILE_OPS, VolatileArgs, volatileOp } from '../../src/server/volatile-routes.js';
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
        expect(await codeOfAsync(() => volatileOp(kind, op).call(containers[kind], new VolatileArgs({}))), `${kind}.${op}`).toBe('HTTP_REQUEST_INVALID');
        expect(await sizes(), `${kind}.${op}`).toEqual([1, 1, 1, 1]);
      }
    }
  });

  it('calls the methods of each kind by their names, clear included', async () => {
    const containers = await filled();
    expect(await volatileOp('map', 'has').call(containers.map, new VolatileArgs({ key: 'a' }))).toBe(true);
    expect(await volatileOp('deque', 'length').call(containers.deque, new VolatileArgs({}))).toBe(1);
    expect(await volatileOp('queue', 'size').call(containers.queue, new VolatileArgs({}))).toBe(1);
    expect(await volatileOp('tree', 'roots').call(containers.tree, new VolatileArgs({}))).toEqual(['a']);
    for (const kind of Object.keys(containers) as VolatileKind[]) await volatileOp(kind, 'clear').call(containers[kind], new VolatileArgs({}));
    expect([await containers.map.size(), await containers.deque.length(), await containers.queue.size(), await containers.tree.size()]).toEqual([0, 0, 0, 0]);
  });
});
