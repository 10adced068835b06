/** Conformance: atomic batches with checks. */
import { expect } from 'vitest';
import type { Engine, WriteOp } from '../../engine/engine.js';
import { equalBytes } from '../../util/bytes.js';
import { bytes, collect, expectCode, hex, keysOf, type ConformanceContext } from './context.js';

async function withNamespaces(ctx: ConformanceContext, ...names: string[]): Promise<Engine> {
  const engine = await ctx.fresh();
  for (const name of names) await engine.createNamespace(name);
  return engine;
}

/** Everything in the given namespaces, as `ns:key=value` strings. */
async function dump(engine: Engine, ...names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    for (const entry of await collect(engine.range(name))) out.push(`${name}:${hex(entry.key)!}=${hex(entry.value)!}`);
  }
  return out;
}

/** Registers the batch tests. */
export function batchTests(ctx: ConformanceContext): void {
  ctx.test('one write puts and deletes across namespaces', async () => {
    const engine = await withNamespaces(ctx, 'a', 'b');
    await engine.write([
      { op: 'put', namespace: 'a', key: bytes(1), value: bytes(1) },
      { op: 'put', namespace: 'b', key: bytes(9), value: bytes(9) },
    ]);
    const outcome = await engine.write([
      { op: 'put', namespace: 'a', key: bytes(2), value: bytes(2) },
      { op: 'delete', namespace: 'b', key: bytes(9) },
      { op: 'put', namespace: 'b', key: bytes(3), value: bytes(3) },
      { op: 'delete', namespace: 'a', key: bytes(1) },
    ]);
    expect(outcome).toEqual({ committed: true });
    expect(await dump(engine, 'a', 'b')).toEqual(['a:02=02', 'b:03=03']);
  });

  ctx.test('later ops in a batch win', async () => {
    const engine = await withNamespaces(ctx, 'a');
    await engine.write([
      { op: 'put', namespace: 'a', key: bytes(1), value: bytes(1) },
      { op: 'put', namespace: 'a', key: bytes(1), value: bytes(2) },
      { op: 'put', namespace: 'a', key: bytes(2), value: bytes(2) },
      { op: 'delete', namespace: 'a', key: bytes(2) },
      { op: 'delete', namespace: 'a', key: bytes(3) },
      { op: 'put', namespace: 'a', key: bytes(3), value: bytes(3) },
    ]);
    expect(await dump(engine, 'a')).toEqual(['a:01=02', 'a:03=03']);
    expect(await engine.write([])).toEqual({ committed: true });
  });

  ctx.test('a failing check at the start, middle or end leaves nothing behind', async () => {
    const engine = await withNamespaces(ctx, 'a', 'b');
    await engine.write([
      { op: 'put', namespace: 'a', key: bytes(1), value: bytes(1) },
      { op: 'put', namespace: 'b', key: bytes(1), value: bytes(1) },
    ]);
    const before = await dump(engine, 'a', 'b');
    const body: WriteOp[] = [];
    for (let i = 0; i < 20; i++) {
      body.push({ op: 'put', namespace: i % 2 === 0 ? 'a' : 'b', key: bytes(10 + i), value: bytes(i) });
      if (i % 5 === 0) body.push({ op: 'delete', namespace: 'a', key: bytes(1) });
    }
    const failing: WriteOp = { op: 'check', namespace: 'b', key: bytes(1), test: (current) => current === undefined };
    const passing: WriteOp = { op: 'check', namespace: 'a', key: bytes(1), test: (current) => current !== undefined };
    for (const at of [0, Math.floor(body.length / 2), body.length]) {
      const ops = [passing, ...body];
      ops.splice(at + 1, 0, failing);
      expect(await engine.write(ops)).toEqual({ committed: false, failedCheck: at + 1 });
      expect(await dump(engine, 'a', 'b')).toEqual(before);
    }
    // Only the first failing check is reported.
    const two = await engine.write([failing, passing, failing]);
    expect(two).toEqual({ committed: false, failedCheck: 0 });
  });

  ctx.test('checks see the current value inside the transaction', async () => {
    const engine = await withNamespaces(ctx, 'a');
    const seen: (string | undefined)[] = [];
    const record = (current: Uint8Array | undefined): boolean => {
      seen.push(hex(current));
      return true;
    };
    await engine.write([
      { op: 'check', namespace: 'a', key: bytes(1), test: record },
      { op: 'put', namespace: 'a', key: bytes(1), value: bytes(5) },
    ]);
    await engine.write([{ op: 'check', namespace: 'a', key: bytes(1), test: record }]);
    expect(seen).toEqual([undefined, '05']);
    // A check may not change the stored value through the buffer it receives.
    await engine.write([{ op: 'check', namespace: 'a', key: bytes(1), test: (current) => (current?.fill(0), true) }]);
    expect(hex(await engine.get('a', bytes(1)))).toBe('05');
    // Compare-and-set on the latest value.
    const swap = (expected: number, next: number): WriteOp[] => [
      { op: 'check', namespace: 'a', key: bytes(1), test: (current) => current !== undefined && equalBytes(current, bytes(expected)) },
      { op: 'put', namespace: 'a', key: bytes(1), value: bytes(next) },
    ];
    expect(await engine.write(swap(5, 6))).toEqual({ committed: true });
    expect(await engine.write(swap(5, 7))).toEqual({ committed: false, failedCheck: 0 });
    expect(hex(await engine.get('a', bytes(1)))).toBe('06');
  });

  ctx.test('concurrent compare-and-set increments never lose an update', async () => {
    const engine = await withNamespaces(ctx, 'c');
    const key = bytes(1);
    await engine.put('c', key, bytes(0));
    let retries = 0;
    const increment = async (): Promise<void> => {
      for (;;) {
        const current = (await engine.get('c', key))!;
        const outcome = await engine.write([
          { op: 'check', namespace: 'c', key, test: (now) => now !== undefined && equalBytes(now, current) },
          { op: 'put', namespace: 'c', key, value: bytes(current[0]! + 1) },
        ]);
        if (outcome.committed) return;
        retries++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(hex(await engine.get('c', key))).toBe(hex(bytes(20)));
    expect(retries).toBeGreaterThanOrEqual(0);
  });

  ctx.test('an invalid op anywhere fails the batch before anything is written', async () => {
    const engine = await withNamespaces(ctx, 'a');
    const ops: WriteOp[] = Array.from({ length: 1000 }, (_, i) => ({ op: 'put', namespace: 'a', key: bytes(i >> 8, i & 0xff), value: bytes(1) }));
    const badKey = [...ops];
    badKey[500] = { op: 'put', namespace: 'a', key: new Uint8Array(0), value: bytes(1) };
    await expectCode(() => engine.write(badKey), 'KEY_INVALID');
    const badValue = [...ops];
    badValue[500] = { op: 'put', namespace: 'a', key: bytes(1), value: 'x' as unknown as Uint8Array };
    await expectCode(() => engine.write(badValue), 'ARGUMENT_INVALID');
    const badType = [...ops];
    badType[999] = { type: 'upsert', namespace: 'a', key: bytes(1) } as unknown as WriteOp;
    await expectCode(() => engine.write(badType), 'ARGUMENT_INVALID');
    const badName = [...ops];
    badName[0] = { op: 'delete', namespace: 'bad name', key: bytes(1) };
    await expectCode(() => engine.write(badName), 'NAME_INVALID');
    const badTest = [...ops];
    badTest[1] = { op: 'check', namespace: 'a', key: bytes(1), test: true } as unknown as WriteOp;
    await expectCode(() => engine.write(badTest), 'ARGUMENT_INVALID');
    await expectCode(() => engine.write(null as unknown as WriteOp[]), 'ARGUMENT_INVALID');
    await expectCode(() => engine.write([null] as unknown as WriteOp[]), 'ARGUMENT_INVALID');
    expect(await collect(engine.range('a'))).toEqual([]);
    expect(await engine.write(ops)).toEqual({ committed: true });
    expect(await collect(engine.range('a'))).toHaveLength(1000);
  });

  ctx.test('a batch touching a missing namespace writes nothing', async () => {
    const engine = await withNamespaces(ctx, 'a');
    await expectCode(
      () =>
        engine.write([
          { op: 'put', namespace: 'a', key: bytes(1), value: bytes(1) },
          { op: 'put', namespace: 'missing', key: bytes(1), value: bytes(1) },
        ]),
      'NAMESPACE_NOT_FOUND',
    );
    await expectCode(
      () =>
        engine.write([
          { op: 'put', namespace: 'a', key: bytes(2), value: bytes(1) },
          { op: 'check', namespace: 'missing', key: bytes(1), test: () => true },
        ]),
      'NAMESPACE_NOT_FOUND',
    );
    expect(await collect(engine.range('a'))).toEqual([]);
    expect(await engine.listNamespaces()).toEqual(['a']);
  });

  ctx.test('a check that throws aborts the batch and its error propagates', async () => {
    const engine = await withNamespaces(ctx, 'a');
    await engine.put('a', bytes(1), bytes(1));
    const boom = new Error('boom from a check');
    const pending = engine.write([
      { op: 'put', namespace: 'a', key: bytes(2), value: bytes(2) },
      { op: 'check', namespace: 'a', key: bytes(1), test: () => true },
      {
        op: 'check',
        namespace: 'a',
        key: bytes(1),
        test: () => {
          throw boom;
        },
      },
      { op: 'delete', namespace: 'a', key: bytes(1) },
    ]);
    await expect(pending).rejects.toBe(boom);
    expect(keysOf(await collect(engine.range('a')))).toEqual(['01']);
    // The engine keeps working afterwards.
    expect(await engine.write([{ op: 'put', namespace: 'a', key: bytes(3), value: bytes(3) }])).toEqual({ committed: true });
  });

  ctx.test('a failed batch does not disturb concurrent batches', async () => {
    const engine = await withNamespaces(ctx, 'a');
    const results = await Promise.allSettled([
      engine.write([{ op: 'put', namespace: 'a', key: bytes(1), value: bytes(1) }]),
      engine.write([
        { op: 'put', namespace: 'a', key: bytes(2), value: bytes(2) },
        { op: 'check', namespace: 'a', key: bytes(9), test: () => false },
      ]),
      engine.write([
        { op: 'put', namespace: 'a', key: bytes(3), value: bytes(3) },
        { op: 'put', namespace: 'missing', key: bytes(3), value: bytes(3) },
      ]),
      engine.write([{ op: 'put', namespace: 'a', key: bytes(4), value: bytes(4) }]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(keysOf(await collect(engine.range('a')))).toEqual(['01', '04']);
  });

  ctx.test('a large batch commits whole', async () => {
    const engine = await withNamespaces(ctx, 'a', 'b');
    const ops: WriteOp[] = Array.from({ length: 5000 }, (_, i) => ({ op: 'put', namespace: i % 2 === 0 ? 'a' : 'b', key: bytes(i >> 8, i & 0xff), value: new Uint8Array(100).fill(i & 0xff) }));
    expect(await engine.write(ops)).toEqual({ committed: true });
    expect(await collect(engine.range('a'))).toHaveLength(2500);
    expect(await collect(engine.range('b'))).toHaveLength(2500);
  });
}
