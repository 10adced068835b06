/** Conformance: snapshots and their release. */
import { expect } from 'vitest';
import type { Engine, EngineSnapshot } from '../../engine/engine.js';
import { bytes, collect, expectCode, hex, keysOf, modesOf, readRange, type ConformanceContext } from './context.js';

async function seeded(ctx: ConformanceContext): Promise<Engine> {
  const engine = await ctx.fresh();
  await engine.createNamespace('s');
  await engine.write([
    { op: 'put', namespace: 's', key: bytes(1), value: bytes(1) },
    { op: 'put', namespace: 's', key: bytes(2), value: bytes(2) },
  ]);
  return engine;
}

/** Every read of a snapshot, each expected to fail once it is released. */
function everyRead(snapshot: EngineSnapshot): (() => unknown)[] {
  const reads: (() => unknown)[] = [
    () => snapshot.get('s', bytes(1)),
    () => snapshot.getMany('s', [bytes(1)]),
    () => snapshot.has('s', bytes(1)),
    () => collect(snapshot.range('s')),
  ];
  if (snapshot.supports.syncReads) {
    reads.push(
      () => snapshot.getSync('s', bytes(1)),
      () => snapshot.hasSync('s', bytes(1)),
      () => [...snapshot.rangeSync('s')],
    );
  }
  return reads;
}

/** Registers the snapshot tests. */
export function snapshotTests(ctx: ConformanceContext): void {
  ctx.test('writes and deletes after a snapshot are invisible to it', async () => {
    const engine = await seeded(ctx);
    const snapshot = await engine.snapshot();
    await engine.write([
      { op: 'put', namespace: 's', key: bytes(1), value: bytes(9) },
      { op: 'delete', namespace: 's', key: bytes(2) },
      { op: 'put', namespace: 's', key: bytes(3), value: bytes(3) },
    ]);
    await engine.createNamespace('late');
    expect(hex(await snapshot.get('s', bytes(1)))).toBe('01');
    expect(hex(await snapshot.get('s', bytes(2)))).toBe('02');
    expect(await snapshot.get('s', bytes(3))).toBeUndefined();
    expect(await snapshot.has('s', bytes(3))).toBe(false);
    expect((await snapshot.getMany('s', [bytes(1), bytes(2), bytes(3)])).map(hex)).toEqual(['01', '02', undefined]);
    for (const mode of modesOf(snapshot)) {
      expect(keysOf(await readRange(snapshot, 's', {}, mode))).toEqual(['01', '02']);
      expect(keysOf(await readRange(snapshot, 's', { reverse: true, limit: 1 }, mode))).toEqual(['02']);
    }
    if (snapshot.supports.syncReads) {
      expect(hex(snapshot.getSync('s', bytes(1)))).toBe('01');
      expect(snapshot.hasSync('s', bytes(2))).toBe(true);
    }
    await expectCode(() => snapshot.get('late', bytes(1)), 'NAMESPACE_NOT_FOUND');
    // The engine itself sees the new state.
    expect(keysOf(await collect(engine.range('s')))).toEqual(['01', '03']);
    await snapshot.close();
  });

  ctx.test('a dropped namespace stays readable in an older snapshot', async () => {
    const engine = await seeded(ctx);
    const snapshot = await engine.snapshot();
    expect(await engine.dropNamespace('s')).toBe(true);
    await engine.createNamespace('s');
    await engine.put('s', bytes(7), bytes(7));
    expect(keysOf(await collect(snapshot.range('s')))).toEqual(['01', '02']);
    expect(keysOf(await collect(engine.range('s')))).toEqual(['07']);
    await snapshot.close();
  });

  ctx.test('reads on a released snapshot throw SNAPSHOT_CLOSED', async () => {
    const engine = await seeded(ctx);
    const snapshot = await engine.snapshot();
    expect(snapshot.closed).toBe(false);
    await snapshot.close();
    expect(snapshot.closed).toBe(true);
    for (const read of everyRead(snapshot)) await expectCode(read, 'SNAPSHOT_CLOSED');
    await snapshot.close();
    expect(hex(await engine.get('s', bytes(1)))).toBe('01');
  });

  ctx.test('an iterator outliving its snapshot fails with SNAPSHOT_CLOSED', async () => {
    const engine = await seeded(ctx);
    const snapshot = await engine.snapshot();
    const iterator = snapshot.range('s')[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await snapshot.close();
    await expectCode(() => iterator.next(), 'SNAPSHOT_CLOSED');
    if (snapshot.supports.syncReads) {
      const again = await engine.snapshot();
      const sync = again.rangeSync('s')[Symbol.iterator]();
      expect(sync.next().done).toBe(false);
      await again.close();
      await expectCode(() => sync.next(), 'SNAPSHOT_CLOSED');
    }
  });

  ctx.test('closing the engine releases its snapshots', async () => {
    const engine = await seeded(ctx);
    const snapshot = await engine.snapshot();
    await engine.close();
    for (const read of everyRead(snapshot)) await expectCode(read, 'SNAPSHOT_CLOSED', 'STORE_CLOSED');
    await snapshot.close();
  });

  ctx.test('many snapshots each keep their own moment', async () => {
    const engine = await seeded(ctx);
    const snapshots: EngineSnapshot[] = [];
    for (let i = 0; i < 20; i++) {
      snapshots.push(await engine.snapshot());
      await engine.put('s', bytes(100 + i), bytes(i));
    }
    for (const [i, snapshot] of snapshots.entries()) {
      expect(await collect(snapshot.range('s'))).toHaveLength(2 + i);
    }
    await Promise.all(snapshots.filter((_, i) => i % 2 === 0).map((snapshot) => snapshot.close()));
    for (const [i, snapshot] of snapshots.entries()) {
      if (i % 2 === 1) expect(await collect(snapshot.range('s'))).toHaveLength(2 + i);
    }
    expect(await collect(engine.range('s'))).toHaveLength(22);
  });

  ctx.test('await using releases a snapshot', async () => {
    const engine = await seeded(ctx);
    let seen: EngineSnapshot | undefined;
    {
      await using snapshot = await engine.snapshot();
      seen = snapshot;
      expect(hex(await snapshot.get('s', bytes(2)))).toBe('02');
    }
    expect(seen.closed).toBe(true);
    await expectCode(() => seen.get('s', bytes(1)), 'SNAPSHOT_CLOSED');
  });
}
