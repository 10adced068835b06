/** Conformance: stats and the backup argument rules. */
import { expect } from 'vitest';
import { bytes, expectCode, type ConformanceContext } from './context.js';

/** Registers the stats and backup tests. */
export function statsTests(ctx: ConformanceContext): void {
  ctx.test('stats returns sane numbers', async () => {
    const engine = await ctx.fresh();
    const empty = await engine.stats();
    expect(empty.engine).toBe(engine.name);
    expect(empty.namespaces).toBe(0);
    expect(Number.isFinite(empty.byteLength) && empty.byteLength >= 0).toBe(true);
    await engine.createNamespace('a');
    await engine.createNamespace('b');
    await engine.write(Array.from({ length: 100 }, (_, i) => ({ op: 'put' as const, namespace: 'a', key: bytes(i), value: new Uint8Array(1000) })));
    const stats = await engine.stats();
    expect(stats.engine).toBe(engine.name);
    expect(stats.namespaces).toBe(2);
    expect(Number.isFinite(stats.byteLength)).toBe(true);
    // 100 KB of values must show up somewhere in the size.
    expect(stats.byteLength).toBeGreaterThanOrEqual(100_000);
    expect(stats.path === undefined || typeof stats.path === 'string').toBe(true);
    for (const [name, value] of Object.entries(stats.extra)) {
      expect(Number.isFinite(value), `extra.${name}`).toBe(true);
    }
  });

  ctx.test('backup follows the hotBackup capability', async () => {
    const engine = await ctx.fresh();
    if (engine.supports.hotBackup) {
      await expectCode(() => engine.backup(''), 'ARGUMENT_INVALID');
      await expectCode(() => engine.backup(42 as unknown as string), 'ARGUMENT_INVALID');
    } else {
      await expectCode(() => engine.backup('/tmp/keepr-never-written'), 'ENGINE_NOT_SUPPORTED');
    }
  });
}
