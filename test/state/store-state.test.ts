import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { freshState, STATE_ENGINES } from './state-factory.js';
import { all } from '../helpers/collect.js';

const text = (v: unknown): string => Buffer.from(v as Uint8Array).toString();

describe.each(STATE_ENGINES)('store.state (%s)', (engine) => {
  it('opens one instance per name, lists and drops states', async () => {
    const { store, state } = await freshState('chain', engine);
    expect(await store.state('chain')).toBe(state);
    expect(await codeOfAsync(store.state('other', { create: false }))).toBe('STATE_NOT_FOUND');
    expect(await store.hasState('other')).toBe(false);
    await store.state('other');
    expect(await store.states()).toEqual(['chain', 'other']);
    expect(await codeOfAsync(store.state('bad name'))).toBe('NAME_INVALID');
    await state.put('t', 'k', Uint8Array.of(1));
    await state.commit();
    expect(await store.dropState('chain')).toBe(true);
    expect(await store.dropState('chain')).toBe(false);
    const again = await store.state('chain');
    expect(again).not.toBe(state);
    expect(again.latest).toBeUndefined();
  });

  it('applies a change set as one height, all or nothing, apart from the working height', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('t', 'working', Uint8Array.of(9));
    const h0 = await state.apply([
      { op: 'put', tree: 'a', key: 'x', value: Uint8Array.of(1) },
      { op: 'put', tree: 'b', key: 'y', value: Block.from('hello') },
      { op: 'put', tree: 'a', key: 'z', value: Uint8Array.of(2) },
      { op: 'delete', tree: 'a', key: 'z' },
    ]);
    expect(h0).toMatchObject({ height: 0, changes: 2 });
    expect(text(await state.at(0).get('a', 'x'))).toBe('\x01');
    expect((await state.at(0).get('b', 'y')) instanceof Block).toBe(true);
    expect(await state.at(0).get('t', 'working')).toBeUndefined();
    // An invalid change anywhere in the set: nothing is committed.
    expect(await codeOfAsync(state.apply([{ op: 'put', tree: 'a', key: 'q', value: Uint8Array.of(3) }, { op: 'put', tree: 'a', key: '', value: Uint8Array.of(1) }]))).toBe('STATE_KEY_INVALID');
    expect(await codeOfAsync(state.apply([{ op: 'put', tree: 'a', key: 'q' } as never]))).toBe('ARGUMENT_INVALID');
    expect(await codeOfAsync(state.apply('nope' as never))).toBe('ARGUMENT_INVALID');
    expect(state.latest).toBe(0);
    // Re-applying height 0 with the same set is a no-op; another set there is refused.
    expect((await state.apply([{ op: 'put', tree: 'a', key: 'x', value: Uint8Array.of(1) }, { op: 'put', tree: 'b', key: 'y', value: Block.from('hello') }], { height: 0 })).rootHex).toBe(h0.rootHex);
    expect(await codeOfAsync(state.apply([{ op: 'put', tree: 'a', key: 'x', value: Uint8Array.of(7) }], { height: 0 }))).toBe('STATE_HEIGHT_EXISTS');
    expect(await codeOfAsync(state.apply([], { height: 5 }))).toBe('STATE_HEIGHT_INVALID');
    // The working height moved on and still holds its change.
    expect(state.workingHeight).toBe(1);
    expect((await state.commit()).height).toBe(1);
    expect(text(await state.at(1).get('t', 'working'))).toBe('\t');
  });

  it('runs commits in order: concurrent ones seal consecutive heights', async () => {
    const { state } = await freshState(undefined, engine);
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        if (i % 2 === 0) return state.apply([{ op: 'put', tree: 't', key: `k${i}`, value: Uint8Array.of(i) }]);
        await state.put('t', `k${i}`, Uint8Array.of(i));
        return state.commit();
      }),
    );
    expect(results.map((r) => r.height).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (let i = 0; i < 6; i++) expect(text(await state.at(5).get('t', `k${i}`))).toBe(String.fromCharCode(i));
  });

  // Two stores on one storage at once: LevelDB opens in one process (and one engine) at a time.
  it.skipIf(engine === 'level')('keeps working changes when a commit fails and picks up another writer with refresh()', async () => {
    const { store, state, target } = await freshState('chain', engine);
    await state.put('t', 'a', Uint8Array.of(1));
    await state.commit();
    const other = await target.open();
    try {
      const theirs = await other.state('chain');
      await theirs.put('t', 'b', Uint8Array.of(2));
      await theirs.commit();
      await state.put('t', 'c', Uint8Array.of(3));
      expect(await codeOfAsync(state.commit())).toBe('STATE_HEIGHT_EXISTS');
      // The failed commit adopted the other writer's height; the change is still working.
      expect(state.latest).toBe(1);
      expect(state.workingHeight).toBe(2);
      expect(text(await state.get('t', 'c'))).toBe('\x03');
      expect((await state.commit()).height).toBe(2);
      expect(text(await state.at(2).get('t', 'b'))).toBe('\x02');
      await theirs.refresh();
      expect(theirs.latest).toBe(2);
      expect(text(await theirs.at(2).get('t', 'c'))).toBe('\x03');
    } finally {
      await other.close();
    }
    expect(store.isOpen).toBe(true);
  });

  it('lists heights in pages, either way', async () => {
    const { state } = await freshState(undefined, engine);
    for (let h = 0; h < 7; h++) await state.apply([{ op: 'put', tree: 't', key: 'k', value: Uint8Array.of(h) }]);
    const heights = async (o = {}): Promise<number[]> => (await all(state.heights(o))).map((x) => x.height);
    expect(await heights()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await heights({ gte: 2, limit: 3 })).toEqual([2, 3, 4]);
    expect(await heights({ gt: 2, lt: 5 })).toEqual([3, 4]);
    expect(await heights({ reverse: true, limit: 2 })).toEqual([6, 5]);
    expect(await heights({ lte: 3, reverse: true })).toEqual([3, 2, 1, 0]);
    expect(await heights({ gte: 5, lte: 3 })).toEqual([]);
    expect((await all(state.heights({ limit: 1 })))[0]!.root).toMatch(/^[0-9a-f]{64}$/);
    expect(await codeOfAsync(all(state.heights({ limit: -1 })))).toBe('ARGUMENT_INVALID');
    // Each item carries its height's change count, as the height record has it.
    await state.apply([{ op: 'put', tree: 't', key: 'k', value: Uint8Array.of(6) }, { op: 'put', tree: 'u', key: 'a', value: Uint8Array.of(1) }, { op: 'put', tree: 'u', key: 'b', value: Uint8Array.of(2) }]);
    const items = await all(state.heights({ gte: 6 }));
    expect(items.map((x) => x.changes)).toEqual([1, 2]);
    expect(items[1]!.changes).toBe((await state.at(7).record()).changes);
  });
});
