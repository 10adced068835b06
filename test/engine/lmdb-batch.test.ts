/** The LMDB engine's write batches: copies taken at write() time, in buffers reused between large batches. */
import { afterEach, describe, expect, it } from 'vitest';
import type { WriteOp } from '../../src/engine/engine.js';
import { LmdbEngine } from '../../src/engine/lmdb/index.js';
import { ArenaPool } from '../../src/engine/lmdb/lmdb-batch.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const NS = 'a';
const hex = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('hex'));
const keyOf = (batch: number, i: number): Uint8Array => Buffer.from(`b${batch}-${String(i).padStart(5, '0')}`);
// 1 KiB values: 100 puts make a batch large enough for the pooled buffers (64 KiB and up).
const valueOf = (batch: number, i: number): Uint8Array => Buffer.alloc(1024, (batch * 31 + i) & 0xff);
const puts = (batch: number, count: number): WriteOp[] => Array.from({ length: count }, (_, i) => ({ op: 'put', namespace: NS, key: keyOf(batch, i), value: valueOf(batch, i) }));

describe('LMDB write batches', () => {
  const engines: LmdbEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });
  const openEngine = async (): Promise<LmdbEngine> => {
    const engine = new LmdbEngine({ path: makeTmpDir('keepr-lmdb-batch-') });
    engines.push(engine);
    await engine.open();
    await engine.createNamespace(NS);
    return engine;
  };

  it('stores what the buffers held at write(): the caller may change them before the batch commits', async () => {
    const engine = await openEngine();
    for (const count of [1, 100]) {
      const ops = puts(count, count);
      const written = engine.write(ops);
      for (const op of ops) {
        if (op.op !== 'put') continue;
        op.value.fill(0xee);
        op.key.fill(0x7a);
      }
      await written;
      for (let i = 0; i < count; i++) expect(hex(engine.getSync(NS, keyOf(count, i)))).toBe(hex(valueOf(count, i)));
    }
  });

  it('keeps large batches apart while their buffers are reused: in sequence, in one turn, after aborts and refusals', async () => {
    const engine = await openEngine();
    const expected = new Map<string, string>();
    const note = (batch: number, count: number): void => {
      for (let i = 0; i < count; i++) expected.set(hex(keyOf(batch, i))!, hex(valueOf(batch, i))!);
    };
    let batch = 0;
    for (let round = 0; round < 4; round++) {
      // Several large batches in one turn (one group, one buffer each), of growing sizes.
      const sizes = [100, 150, 120 + round * 40];
      const first = batch + 1;
      await Promise.all(sizes.map((count) => engine.write(puts(++batch, count))));
      sizes.forEach((count, i) => {
        note(first + i, count);
      });
      // A large batch whose check fails: nothing of it is stored, and its buffer goes back.
      const failing: WriteOp[] = [{ op: 'check', namespace: NS, key: keyOf(1, 0), test: () => false }, ...puts(++batch, 100)];
      expect(await engine.write(failing)).toEqual({ committed: false, failedCheck: 0 });
      // A large batch for a namespace that does not exist is refused whole.
      await expect(engine.write(puts(++batch, 100).map((op) => ({ ...op, namespace: 'missing' })))).rejects.toMatchObject({ code: 'NAMESPACE_NOT_FOUND' });
      await engine.write(puts(++batch, 90));
      note(batch, 90);
    }
    const stored = new Map<string, string>();
    for (const { key, value } of engine.rangeSync(NS)) stored.set(hex(key)!, hex(value)!);
    expect(stored).toEqual(expected);
  });
});

describe('ArenaPool', () => {
  it('hands out small buffers fresh, and large ones back once given, never one buffer twice at a time', () => {
    const pool = new ArenaPool();
    const small = pool.take(100);
    expect(small.length).toBe(100);
    pool.give(small);
    expect(pool.take(100) === small).toBe(false);
    const a = pool.take(100_000);
    const b = pool.take(100_000);
    expect(a === b).toBe(false);
    expect(a.length).toBeGreaterThanOrEqual(100_000);
    pool.give(a);
    expect(pool.take(90_000) === a).toBe(true);
    expect(pool.take(90_000) === a).toBe(false);
    // Too large to keep: dropped.
    const huge = pool.take(9 * 1024 * 1024);
    pool.give(huge);
    expect(pool.take(9 * 1024 * 1024) === huge).toBe(false);
  });
});
