/**
 * Tamper evidence: a thousand times, one random byte of one stored state record (its value or
 * its key) is changed; the audit must report it, naming the height and the key, node or record,
 * and pass again once the byte is restored.
 */
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { auditState } from '../../src/state/index.js';
import { all } from '../helpers/collect.js';
import { freshState, STATE_ENGINES } from './state-factory.js';
import { storeTarget } from '../helpers/store-targets.js';
import { mulberry32 } from '../helpers/mulberry32.js';

describe.each(STATE_ENGINES)('state audit (%s)', (engine) => {
  it('passes on an untouched state and after pruning', async () => {
    const { state } = await freshState(undefined, engine);
    for (let h = 0; h < 5; h++) {
      for (let i = 0; i < 8; i++) await state.put(i % 2 === 0 ? 'a' : 'b', `k${(h * 5 + i) % 11}`, Block.from(h * 10 + i));
      await state.delete('a', `k${h}`);
      await state.commit();
    }
    expect(await auditState(state.context)).toMatchObject({ ok: true, heights: 5, problems: [] });
  });

  it('detects and locates every one of 1,000 single-byte changes (100 over PostgreSQL)', async () => {
    // Each flip is two writes; tamper evidence does not need them on disk (write-cache mode).
    const { store, state } = await freshState(undefined, storeTarget(engine, 'write-cache'));
    for (let h = 0; h < 4; h++) {
      // Small values (rehashed) and values of 1 KiB and more (stored with their hash).
      for (let i = 0; i < 6; i++) await state.put(i % 2 === 0 ? 'a' : 'b', `k${(h * 5 + i) % 9}`, i % 3 === 0 ? Block.from(h * 10 + i) : i % 3 === 1 ? new Uint8Array(1500).fill(h * 6 + i) : Uint8Array.of(h, i));
      await state.delete('b', `k${h + 1}`);
      await state.commit();
    }
    const ns = 'state:chain';
    const records = await all(store.engine.range(ns));
    const random = mulberry32(20261122);
    let flips = 0;
    // Every audit reads the whole state: over PostgreSQL a tenth of the flips keeps the test short.
    const total = engine === 'lmdb' ? 1000 : 100;
    while (flips < total) {
      const { key, value } = records[Math.floor(random() * records.length)]!;
      const onValue = value.length > 0 && random() < 0.7;
      const bit = 1 << Math.floor(random() * 8);
      let restore: () => Promise<void>;
      if (onValue) {
        const bad = new Uint8Array(value);
        bad[Math.floor(random() * bad.length)]! ^= bit;
        await store.engine.put(ns, key, bad);
        restore = () => store.engine.put(ns, key, value);
      } else {
        const badKey = new Uint8Array(key);
        badKey[Math.floor(random() * badKey.length)]! ^= bit;
        if (await store.engine.has(ns, badKey)) continue; // landed on another record's key
        await store.engine.write([{ op: 'delete', namespace: ns, key }, { op: 'put', namespace: ns, key: badKey, value }]);
        restore = async () => {
          await store.engine.write([{ op: 'delete', namespace: ns, key: badKey }, { op: 'put', namespace: ns, key, value }]);
        };
      }
      const report = await auditState(state.context);
      const where = `${onValue ? 'value' : 'key'} of ${Buffer.from(key).toString('hex')}`;
      expect(report.ok, `undetected change in ${where}`).toBe(false);
      // Located: each problem names a height, or the record it could not decode.
      for (const problem of report.problems) expect(problem.height !== undefined || problem.record !== undefined, where).toBe(true);
      expect(report.problems.some((p) => p.key !== undefined || p.keyPath !== undefined || p.node !== undefined || p.record !== undefined || p.problem.includes('root'))).toBe(true);
      if (onValue && key[0] === 0x45) {
        // A changed value is located to its key path, directly or as a suspect of the node above.
        const kh = Buffer.from(key.subarray(3, 35)).toString('hex');
        const located = report.problems.some((p) => p.keyPath === kh || p.record !== undefined || (p.suspects ?? []).some((x) => x.keyPath === kh));
        expect(located, `${where}: ${JSON.stringify(report.problems)}`).toBe(true);
      }
      await restore();
      flips++;
    }
    expect((await auditState(state.context)).ok).toBe(true);
  }, 120_000);
});
