import { describe, expect, it } from 'vitest';
import { auditState, pruneState, verifyProof } from '../../src/state/index.js';
import { codeOf, codeOfAsync } from '../helpers/error-code.js';
import { freshState, STATE_ENGINES } from './state-factory.js';
import { all } from '../helpers/collect.js';

describe.each(STATE_ENGINES)('state pruning (%s)', (engine) => {
  it('keeps the last N heights readable and provable, frees the rest', async () => {
    const { store, state } = await freshState(undefined, engine);
    const answers = new Map<number, (string | undefined)[]>();
    const roots = new Map<number, Uint8Array>();
    for (let h = 0; h < 8; h++) {
      for (let i = 0; i < 20; i++) await state.put('t', `k${(h * 3 + i) % 25}`, Buffer.from(`v${h}.${i}`));
      await state.delete('t', `k${h}`);
      roots.set(h, (await state.commit()).root);
    }
    for (let h = 0; h < 8; h++) {
      const got: (string | undefined)[] = [];
      for (let k = 0; k < 25; k++) {
        const v = await state.at(h).get('t', `k${k}`);
        got.push(v === undefined ? undefined : Buffer.from(v as Uint8Array).toString());
      }
      answers.set(h, got);
    }
    const before = (await all(store.engine.range('state:chain'))).length;
    const report = await pruneState(state, { keepLast: 3 });
    expect(report.prunedBefore).toBe(5);
    expect(report.deleted).toBeGreaterThan(0);
    expect((await all(store.engine.range('state:chain'))).length).toBe(before - report.deleted);
    expect(await codeOfAsync(state.at(4).get('t', 'k1'))).toBe('STATE_HEIGHT_PRUNED');
    expect(await codeOfAsync(state.at(0).prove('t', 'k1'))).toBe('STATE_HEIGHT_PRUNED');
    for (let h = 5; h < 8; h++) {
      for (let k = 0; k < 25; k++) {
        const v = await state.at(h).get('t', `k${k}`);
        expect(v === undefined ? undefined : Buffer.from(v as Uint8Array).toString()).toBe(answers.get(h)![k]);
        const proof = await state.at(h).prove('t', `k${k}`);
        expect(verifyProof(roots.get(h)!, 't', `k${k}`, v as Uint8Array | undefined, proof)).toBe(true);
      }
    }
    expect((await auditState(state.context)).problems).toEqual([]);
    expect((await all(state.heights())).map((h) => h.height)).toEqual([5, 6, 7]);
    // Commits continue after pruning, and pruning again to an earlier point changes nothing.
    await state.put('t', 'new', Uint8Array.of(1));
    expect((await state.commit()).height).toBe(8);
    expect((await pruneState(state, { from: 2 })).prunedBefore).toBe(5);
  });

  it('drops deletions no retained height needs, and keeps re-application above the prune point', async () => {
    const { store, state } = await freshState(undefined, engine);
    await state.put('t', 'gone', Uint8Array.of(1));
    await state.put('t', 'stays', Uint8Array.of(2));
    await state.commit();
    await state.delete('t', 'gone');
    await state.commit();
    await state.put('t', 'stays', Uint8Array.of(3));
    const h2 = await state.commit();
    const entries = async (): Promise<number> => (await all(store.engine.range('state:chain', { prefix: Uint8Array.of(0x45) }))).length;
    expect(await entries()).toBe(4);
    await pruneState(state, { from: 2 });
    // 'gone' has no version left at all; 'stays' keeps only the one in force at height 2.
    expect(await entries()).toBe(1);
    expect(await state.at(2).get('t', 'gone')).toBeUndefined();
    expect(verifyProof(h2.root, 't', 'gone', undefined, await state.at(2).prove('t', 'gone'))).toBe(true);
    expect((await all(state.at(2).range('t'))).map(({ key: k }) => Buffer.from(k).toString())).toEqual(['stays']);
    expect((await auditState(state.context)).problems).toEqual([]);
    // Height 2 cannot be re-applied (height 1, its base, is gone); later ones can.
    expect(
      codeOf(() => {
        state.begin(2);
      }),
    ).toBe('STATE_HEIGHT_INVALID');
    await state.put('t', 'more', Uint8Array.of(4));
    const h3 = await state.commit();
    state.begin(3);
    await state.put('t', 'more', Uint8Array.of(4));
    expect((await state.commit()).rootHex).toBe(h3.rootHex);
  });
});
