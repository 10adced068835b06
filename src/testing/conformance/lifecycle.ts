/** Conformance: open, close, reopen, and the STORE_CLOSED rule. */
import { expect } from 'vitest';
import type { Engine } from '../../engine/engine.js';
import { bytes, collect, expectCode, hex, type ConformanceContext } from './context.js';

/** Every public operation, each expected to fail with STORE_CLOSED on a closed engine. */
function everyOperation(engine: Engine): [string, () => unknown][] {
  const key = bytes(1);
  return [
    ['get', () => engine.get('ns', key)],
    ['getMany', () => engine.getMany('ns', [key])],
    ['has', () => engine.has('ns', key)],
    ['getSync', () => engine.getSync('ns', key)],
    ['hasSync', () => engine.hasSync('ns', key)],
    ['range', () => collect(engine.range('ns'))],
    ['rangeSync', () => [...engine.rangeSync('ns')]],
    ['createNamespace', () => engine.createNamespace('ns')],
    ['dropNamespace', () => engine.dropNamespace('ns')],
    ['hasNamespace', () => engine.hasNamespace('ns')],
    ['listNamespaces', () => engine.listNamespaces()],
    ['put', () => engine.put('ns', key, bytes(2))],
    ['delete', () => engine.delete('ns', key)],
    ['write', () => engine.write([{ op: 'put', namespace: 'ns', key, value: bytes(2) }])],
    ['snapshot', () => engine.snapshot()],
    ['stats', () => engine.stats()],
    ['backup', () => engine.backup('/nonexistent/keepr-backup')],
  ];
}

/** Registers the lifecycle tests. */
export function lifecycleTests(ctx: ConformanceContext): void {
  ctx.test('operations before open throw STORE_CLOSED', async () => {
    const engine = await ctx.make();
    expect(engine.status).toBe('new');
    for (const [, operation] of everyOperation(engine)) await expectCode(operation, 'STORE_CLOSED');
  });

  ctx.test('operations after close throw STORE_CLOSED', async () => {
    const engine = await ctx.fresh();
    await engine.createNamespace('ns');
    await engine.close();
    expect(engine.status).toBe('closed');
    for (const [, operation] of everyOperation(engine)) await expectCode(operation, 'STORE_CLOSED');
  });

  ctx.test('open twice, even concurrently, is fine', async () => {
    const engine = await ctx.make();
    await Promise.all([engine.open(), engine.open()]);
    await engine.open();
    expect(engine.status).toBe('open');
    await engine.createNamespace('ns');
    expect(await engine.hasNamespace('ns')).toBe(true);
  });

  ctx.test('close is idempotent', async () => {
    const engine = await ctx.fresh();
    const first = engine.close();
    // A second close while the first runs resolves only once the engine is closed.
    await engine.close();
    expect(engine.status).toBe('closed');
    await first;
    await engine.close();
    await Promise.all([engine.close(), engine.close()]);
    expect(engine.status).toBe('closed');
    const never = await ctx.make();
    await never.close();
    expect(never.status).toBe('new');
  });

  ctx.test('close waits for pending writes', async () => {
    const engine = await ctx.fresh();
    await engine.createNamespace('ns');
    const writes = Array.from({ length: 20 }, (_, i) => engine.put('ns', bytes(i + 1), bytes(i)));
    await engine.close();
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(writes.map(() => 'fulfilled'));
  });

  ctx.test('close then open the same engine again', async () => {
    const engine = await ctx.fresh();
    await engine.createNamespace('ns');
    await engine.put('ns', bytes(1), bytes(42));
    await engine.close();
    await engine.open();
    expect(engine.status).toBe('open');
    if (engine.supports.persistent) {
      expect(hex(await engine.get('ns', bytes(1)))).toBe('2a');
    } else {
      expect(await engine.listNamespaces()).toEqual([]);
    }
    await engine.createNamespace('again');
    await engine.put('again', bytes(2), bytes(3));
    expect(hex(await engine.get('again', bytes(2)))).toBe('03');
  });

  ctx.test('a new engine over the same storage sees committed data', async () => {
    const engine = await ctx.fresh();
    if (!engine.supports.persistent) {
      // Nothing outlives a volatile engine, so there is nothing to reopen.
      expect(ctx.options.reopen, 'a volatile engine has no reopen hook').toBeUndefined();
      return;
    }
    expect(ctx.options.reopen, 'persistent engines must give a reopen hook').toBeDefined();
    await engine.createNamespace('kept');
    await engine.write([
      { op: 'put', namespace: 'kept', key: bytes(1), value: bytes(10) },
      { op: 'put', namespace: 'kept', key: bytes(2), value: bytes(20) },
    ]);
    await engine.createNamespace('dropped');
    await engine.dropNamespace('dropped');
    await engine.close();
    const again = (await ctx.reopen(engine))!;
    expect(await again.listNamespaces()).toEqual(['kept']);
    expect(hex(await again.get('kept', bytes(2)))).toBe('14');
    await again.createNamespace('new');
    await again.put('new', bytes(1), bytes(1));
    expect(await again.listNamespaces()).toEqual(['kept', 'new']);
    expect(hex(await again.get('kept', bytes(1)))).toBe('0a');
  });

  ctx.test('an iterator outliving its engine fails with STORE_CLOSED', async () => {
    const engine = await ctx.fresh();
    await engine.createNamespace('ns');
    await engine.write([1, 2, 3].map((i) => ({ op: 'put' as const, namespace: 'ns', key: bytes(i), value: bytes(i) })));
    const iterator = engine.range('ns')[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const sync = engine.supports.syncReads ? engine.rangeSync('ns')[Symbol.iterator]() : undefined;
    expect(sync?.next().done ?? false).toBe(false);
    await engine.close();
    await expectCode(() => iterator.next(), 'STORE_CLOSED');
    if (sync !== undefined) await expectCode(() => sync.next(), 'STORE_CLOSED');
  });

  ctx.test('await using closes the engine', async () => {
    let seen: Engine | undefined;
    {
      await using engine = await ctx.fresh();
      seen = engine;
      expect(engine.status).toBe('open');
    }
    expect(seen.status).toBe('closed');
  });
}
