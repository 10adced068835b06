import { afterEach, describe, expect, it } from 'vitest';
import type { EngineSnapshot, WriteOp } from '../../src/engine/engine.js';
import { MemoryEngine, type MemoryEngineConfig } from '../../src/engine/memory/index.js';
// The conformance suite runs on this engine in examples/engine-conformance.test.ts, as an
// outside engine would run it (through the package's entries).

const key = (i: number): Uint8Array => Uint8Array.of(i >> 16, (i >> 8) & 0xff, i & 0xff);
const puts = (from: number, to: number, value: number): WriteOp[] =>
  Array.from({ length: to - from }, (_, i) => ({ op: 'put', namespace: 'n', key: key(from + i), value: Uint8Array.of(value) }));

async function countValues(reader: MemoryEngine | EngineSnapshot): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for await (const entry of reader.range('n')) counts[entry.value[0]!] = (counts[entry.value[0]!] ?? 0) + 1;
  return counts;
}

describe('MemoryEngine', () => {
  const engines: MemoryEngine[] = [];
  const openEngine = async (config?: MemoryEngineConfig): Promise<MemoryEngine> => {
    const engine = new MemoryEngine(config);
    engines.push(engine);
    await engine.open();
    await engine.createNamespace('n');
    return engine;
  };
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  it('declares a volatile, single-process engine with sync reads', async () => {
    const engine = await openEngine();
    expect(engine.name).toBe('memory');
    expect(engine.supports).toEqual({ persistent: false, syncReads: true, multiProcess: false, hotBackup: false, maxKeyBytes: 1024 });
  });

  it('forgets everything on close', async () => {
    const engine = await openEngine();
    await engine.put('n', key(1), Uint8Array.of(1));
    await engine.close();
    await engine.open();
    expect(await engine.listNamespaces()).toEqual([]);
    expect((await engine.stats()).byteLength).toBe(0);
  });

  it('keeps snapshot clones independent of later writes and of each other', async () => {
    // Small nodes and many keys so copy-on-write has to copy inner nodes, not just a root.
    const engine = await openEngine({ nodeSize: 4 });
    await engine.write(puts(0, 2000, 1));
    const first = await engine.snapshot();
    await engine.write([...puts(1000, 3000, 2), ...Array.from({ length: 500 }, (_, i) => ({ op: 'delete' as const, namespace: 'n', key: key(i) }))]);
    const second = await engine.snapshot();
    await engine.write(puts(0, 3000, 3));
    await engine.dropNamespace('n');
    await engine.createNamespace('n');

    expect(await countValues(first)).toEqual({ 1: 2000 });
    expect(await countValues(second)).toEqual({ 1: 500, 2: 2000 });
    expect(await countValues(engine)).toEqual({});
    await first.close();
    expect(await countValues(second)).toEqual({ 1: 500, 2: 2000 });
    expect(second.getSync('n', key(600))).toEqual(Uint8Array.of(1));
    expect(second.getSync('n', key(100))).toBeUndefined();
    await second.close();
  });

  it('takes snapshots in constant time', async () => {
    const engine = await openEngine();
    await engine.write(puts(0, 100_000, 1));
    const started = performance.now();
    const snapshots: EngineSnapshot[] = [];
    for (let i = 0; i < 500; i++) {
      snapshots.push(await engine.snapshot());
      await engine.put('n', key(i), Uint8Array.of(2));
    }
    // Copying 100k entries 500 times would take seconds; clones plus path copies take milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await countValues(snapshots[250]!)).toEqual({ 1: 99_750, 2: 250 });
    expect((await engine.stats()).extra['snapshots']).toBe(500);
    await Promise.all(snapshots.map((snapshot) => snapshot.close()));
    expect((await engine.stats()).extra['snapshots']).toBe(0);
  });

  it('counts payload bytes in stats', async () => {
    const engine = await openEngine();
    await engine.createNamespace('m');
    await engine.write([
      { op: 'put', namespace: 'n', key: key(1), value: new Uint8Array(10) },
      { op: 'put', namespace: 'n', key: key(2), value: new Uint8Array(20) },
      { op: 'put', namespace: 'm', key: key(1), value: new Uint8Array(5) },
    ]);
    expect((await engine.stats()).byteLength).toBe(3 + 10 + 3 + 20 + 3 + 5);
    const snapshot = await engine.snapshot();
    await engine.put('n', key(1), new Uint8Array(1));
    await engine.delete('n', key(2));
    await engine.delete('n', key(9));
    expect((await engine.stats()).byteLength).toBe(3 + 1 + 3 + 5);
    await engine.dropNamespace('m');
    const stats = await engine.stats();
    expect(stats).toMatchObject({ engine: 'memory', path: undefined, byteLength: 4, namespaces: 1 });
    expect(stats.extra['entries']).toBe(1);
    await snapshot.close();
  });

  it('rejects bad configs with OPTION_INVALID', () => {
    for (const config of [{ nodeSize: 2 }, { nodeSize: 2000 }, { nodeSize: 8.5 }, { path: '/x' }]) {
      expect(() => new MemoryEngine(config as MemoryEngineConfig), JSON.stringify(config)).toThrow(
        expect.objectContaining({ code: 'OPTION_INVALID' }) as Error,
      );
    }
  });
});
