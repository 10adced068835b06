// The comparison behind keepr copy (compareStores) on in-memory stores, and the store specs
// --from and --to accept (parseStoreSpec), including random text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { compareStores } from '../../src/cli/lib/compare-stores.js';
import { parseStoreSpec, sameLocation } from '../../src/cli/lib/store-engine.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { copyStore } from '../../src/keepr/index.js';
import { open, type Store } from '../../src/store/index.js';
import { codeOf } from '../helpers/error-code.js';

async function memoryStore(): Promise<Store> {
  return open({ engine: memoryEngine() });
}

/** A store with two sources (one key binary) and a state at three heights. */
async function filled(): Promise<Store> {
  const store = await memoryStore();
  const a = await store.source('a');
  for (let i = 0; i < 5; i++) await a.put(`k${i}`, Block.from([i, i + 1]));
  await a.put(Uint8Array.of(0xff, 0), Block.from('bin'));
  await store.source('b');
  const state = await store.state('chain');
  for (let h = 0; h < 3; h++) await state.apply([{ op: 'put', tree: 't', key: `x${h}`, value: Uint8Array.of(h) }]);
  return store;
}

async function copied(from: Store): Promise<Store> {
  const to = await memoryStore();
  await copyStore(from, to);
  return to;
}

describe('compareStores', () => {
  it('finds nothing between a store and its copy, and counts blocks, entries, states and heights', async () => {
    const from = await filled();
    const to = await copied(from);
    const report = await compareStores(from, to);
    expect(report).toMatchObject({ sources: 2, blocks: 6, namespaces: 1, states: 1, heights: 3, ok: true, differences: [], differenceCount: 0 });
    expect(report.entries).toBeGreaterThan(0);
  });

  it('names a changed, a missing and an extra block, and a missing source', async () => {
    const from = await filled();
    const to = await copied(from);
    await (await to.source('a')).put('k1', Block.from([9]));
    await (await to.source('a')).delete('k3');
    await (await to.source('a')).put('zz', Block.from([1]));
    await to.engine.dropNamespace('src:b');
    const report = await compareStores(from, to);
    expect(report.ok).toBe(false);
    expect(report.differences.map((d) => [d.namespace, d.key, d.reason.split(' (')[0]])).toEqual([
      ['src:a', 'k1', 'block hash differs'],
      ['src:a', 'k3', 'missing in target'],
      ['src:a', 'zz', 'extra in target'],
      ['src:b', undefined, 'missing in target'],
    ]);
    expect(report.differenceCount).toBe(4);
  });

  it('names a state height whose root differs, and heights on one side only', async () => {
    const from = await filled();
    const to = await copied(from);
    // Rewrite the root stored for height 1 (the first 32 bytes of its height record).
    const ns = 'state:chain';
    const heightKey = Uint8Array.of(...[...(await collectKeys(to, ns))].find((k) => k.length === 5 && k[4] === 1)!);
    const record = (await to.engine.get(ns, heightKey))!;
    const changed = new Uint8Array(record);
    changed[0] = changed[0]! ^ 0xff;
    await to.engine.put(ns, heightKey, changed);
    await (await from.state('chain')).apply([{ op: 'put', tree: 't', key: 'more', value: Uint8Array.of(7) }]);
    const report = await compareStores(from, to);
    const roots = report.differences.filter((d) => d.height !== undefined).map((d) => [d.height, d.reason.split(' (')[0]]);
    expect(roots).toEqual([
      [1, 'root differs'],
      [3, 'missing in target'],
    ]);
    expect(report.heights).toBe(4);
  });

  it('lists at most 100 differences but counts them all', async () => {
    const from = await memoryStore();
    const a = await from.source('a');
    await a.write(Array.from({ length: 150 }, (_, i) => ({ op: 'put' as const, key: `k${String(i).padStart(3, '0')}`, block: Block.from([i]) })));
    const to = await memoryStore();
    await to.source('a');
    const report = await compareStores(from, to);
    expect(report.differences).toHaveLength(100);
    expect(report.differenceCount).toBe(150);
  });
});

async function collectKeys(store: Store, ns: string): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  for await (const { key } of store.engine.range(ns)) keys.push(new Uint8Array(key));
  return keys;
}

describe('parseStoreSpec', () => {
  it('reads directories, engine prefixes and postgres URLs with the schema as fragment', () => {
    expect(parseStoreSpec('./data', '--from')).toEqual({ engine: 'lmdb', dir: './data' });
    expect(parseStoreSpec('lmdb:/x/y', '--from')).toEqual({ engine: 'lmdb', dir: '/x/y' });
    expect(parseStoreSpec('postgres://u@h:5432/db', '--to')).toEqual({ engine: 'postgres', url: 'postgres://u@h:5432/db', schema: 'keepr' });
    expect(parseStoreSpec('postgresql://u@h/db?sslmode=disable#app_1', '--to')).toEqual({ engine: 'postgres', url: 'postgresql://u@h/db?sslmode=disable', schema: 'app_1' });
    expect(codeOf(() => parseStoreSpec('postgres:db', '--to'))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => parseStoreSpec('lmdb:', '--to'))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => parseStoreSpec('', '--to'))).toBe('ARGUMENT_INVALID');
    expect(sameLocation(parseStoreSpec('a/b/', '--from'), parseStoreSpec('lmdb:./a/b', '--to'))).toBe(true);
    expect(sameLocation(parseStoreSpec('postgres://h/db#s', '--from'), parseStoreSpec('postgres://h/db', '--to'))).toBe(false);
  });

  it('any text is a location or ARGUMENT_INVALID, never another failure', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `postgres://${s}`), fc.string().map((s) => `lmdb:${s}`), fc.string().map((s) => `postgres:${s}`)), (text) => {
        let location;
        try {
          location = parseStoreSpec(text, '--from');
        } catch (err) {
          expect((err as { code?: string }).code).toBe('ARGUMENT_INVALID');
          return;
        }
        if (location.engine === 'postgres') expect(text.startsWith(location.url)).toBe(true);
        else expect(location.dir.length).toBeGreaterThan(0);
      }),
    );
  });
});
