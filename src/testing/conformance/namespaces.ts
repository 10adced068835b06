/** Conformance: namespaces (create, list, has, drop, names, isolation, scale). */
import { expect } from 'vitest';
import type { WriteOp } from '../../engine/engine.js';
import { bytes, collect, expectCode, hex, keysOf, modesOf, readRange, type ConformanceContext } from './context.js';

const BAD_NAMES: unknown[] = ['', 'a b', 'tab\there', 'é', 'x'.repeat(201), '\x7f', 'new\nline', 42, null, undefined, ['a']];

/** Registers the namespace tests. */
export function namespaceTests(ctx: ConformanceContext): void {
  ctx.test('createNamespace is idempotent and hasNamespace sees it', async () => {
    const engine = await ctx.fresh();
    expect(await engine.hasNamespace('ns')).toBe(false);
    await engine.createNamespace('ns');
    await engine.put('ns', bytes(1), bytes(1));
    await engine.createNamespace('ns');
    await Promise.all([engine.createNamespace('ns'), engine.createNamespace('ns')]);
    expect(await engine.hasNamespace('ns')).toBe(true);
    expect(await engine.listNamespaces()).toEqual(['ns']);
    expect(hex(await engine.get('ns', bytes(1)))).toBe('01');
  });

  ctx.test('concurrent creates of one new namespace make one namespace', async () => {
    const engine = await ctx.fresh();
    await Promise.all(Array.from({ length: 10 }, () => engine.createNamespace('same')));
    expect(await engine.listNamespaces()).toEqual(['same']);
  });

  ctx.test('listNamespaces is sorted by bytes', async () => {
    const engine = await ctx.fresh();
    const names = ['b', 'a', 'B', 'a-b', 'a.b', 'ab', '~', '!', 'a', 'Z9', '0', 'a~'];
    for (const name of names) await engine.createNamespace(name);
    const expected = [...new Set(names)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(await engine.listNamespaces()).toEqual(expected);
  });

  ctx.test('dropNamespace removes the namespace and its entries', async () => {
    const engine = await ctx.fresh();
    await engine.createNamespace('gone');
    await engine.createNamespace('stays');
    await engine.write([
      { op: 'put', namespace: 'gone', key: bytes(1), value: bytes(1) },
      { op: 'put', namespace: 'gone', key: bytes(2), value: bytes(2) },
      { op: 'put', namespace: 'stays', key: bytes(1), value: bytes(9) },
    ]);
    expect(await engine.dropNamespace('gone')).toBe(true);
    expect(await engine.hasNamespace('gone')).toBe(false);
    expect(await engine.listNamespaces()).toEqual(['stays']);
    await expectCode(() => engine.get('gone', bytes(1)), 'NAMESPACE_NOT_FOUND');
    expect(await engine.dropNamespace('gone')).toBe(false);
    expect(await engine.dropNamespace('never')).toBe(false);
    // A namespace created again under the same name starts empty.
    await engine.createNamespace('gone');
    expect(await collect(engine.range('gone'))).toEqual([]);
    expect(await engine.get('gone', bytes(1))).toBeUndefined();
    expect(hex(await engine.get('stays', bytes(1)))).toBe('09');
  });

  ctx.test('bad namespace names throw NAME_INVALID', async () => {
    const engine = await ctx.fresh();
    for (const raw of BAD_NAMES) {
      const name = raw as string;
      await expectCode(() => engine.createNamespace(name), 'NAME_INVALID');
      await expectCode(() => engine.dropNamespace(name), 'NAME_INVALID');
      await expectCode(() => engine.hasNamespace(name), 'NAME_INVALID');
      await expectCode(() => engine.get(name, bytes(1)), 'NAME_INVALID');
      await expectCode(() => collect(engine.range(name)), 'NAME_INVALID');
      await expectCode(() => engine.put(name, bytes(1), bytes(1)), 'NAME_INVALID');
    }
    expect(await engine.listNamespaces()).toEqual([]);
    // The edges of the rule are fine.
    const longest = 'n'.repeat(200);
    for (const name of ['!', '~', longest, '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~']) await engine.createNamespace(name);
    expect(await engine.listNamespaces()).toHaveLength(4);
  });

  ctx.test('operations on a missing namespace throw NAMESPACE_NOT_FOUND', async () => {
    const engine = await ctx.fresh();
    await engine.createNamespace('present');
    const key = bytes(1);
    await expectCode(() => engine.get('missing', key), 'NAMESPACE_NOT_FOUND');
    await expectCode(() => engine.getMany('missing', [key]), 'NAMESPACE_NOT_FOUND');
    await expectCode(() => engine.has('missing', key), 'NAMESPACE_NOT_FOUND');
    await expectCode(() => collect(engine.range('missing')), 'NAMESPACE_NOT_FOUND');
    if (engine.supports.syncReads) {
      await expectCode(() => engine.getSync('missing', key), 'NAMESPACE_NOT_FOUND');
      await expectCode(() => engine.hasSync('missing', key), 'NAMESPACE_NOT_FOUND');
      await expectCode(() => [...engine.rangeSync('missing')], 'NAMESPACE_NOT_FOUND');
    }
    await expectCode(() => engine.put('missing', key, key), 'NAMESPACE_NOT_FOUND');
    await expectCode(() => engine.delete('missing', key), 'NAMESPACE_NOT_FOUND');
    await expectCode(() => engine.write([{ op: 'check', namespace: 'missing', key, test: () => true }]), 'NAMESPACE_NOT_FOUND');
    expect(await engine.listNamespaces()).toEqual(['present']);
  });

  ctx.test('namespaces never see entries of other namespaces', async () => {
    const engine = await ctx.fresh();
    // Names that prefix each other, and keys that collide across them.
    const names = ['a', 'ab', 'a!', 'b', 'a~'];
    const keys = [bytes(0x00), bytes(0x00, 0x00), bytes(0x01), bytes(0xff), bytes(0xff, 0xff), bytes(0x61, 0x62)];
    for (const name of names) await engine.createNamespace(name);
    const ops: WriteOp[] = [];
    names.forEach((name, n) => {
      keys.forEach((key, k) => ops.push({ op: 'put', namespace: name, key, value: bytes(n, k) }));
    });
    await engine.write(ops);
    for (const mode of modesOf(engine)) {
      for (const [n, name] of names.entries()) {
        for (const reverse of [false, true]) {
          const entries = await readRange(engine, name, { reverse }, mode);
          expect(entries.map((entry) => hex(entry.value)!.slice(0, 2))).toEqual(keys.map(() => hex(bytes(n))));
          expect(entries).toHaveLength(keys.length);
        }
        expect(await readRange(engine, name, { prefix: bytes(0xff) }, mode)).toHaveLength(2);
        expect(await readRange(engine, name, { gte: bytes(0xff, 0xff) }, mode)).toHaveLength(1);
      }
    }
    expect(await engine.dropNamespace('a')).toBe(true);
    for (const name of ['ab', 'a!', 'b', 'a~']) {
      expect(keysOf(await collect(engine.range(name)))).toHaveLength(keys.length);
    }
  });

  ctx.test('two thousand namespaces work', async () => {
    const engine = await ctx.fresh();
    const names = Array.from({ length: 2000 }, (_, i) => `ns-${String(i).padStart(4, '0')}`);
    await Promise.all(names.map((name) => engine.createNamespace(name)));
    await engine.write(names.map((name, i) => ({ op: 'put', namespace: name, key: bytes(1), value: bytes(i & 0xff, i >> 8) })));
    expect(await engine.listNamespaces()).toEqual(names);
    for (const i of [0, 1, 999, 1000, 1999]) {
      const entries = await collect(engine.range(names[i]!));
      expect(entries.map((entry) => hex(entry.value))).toEqual([hex(bytes(i & 0xff, i >> 8))]);
    }
    await Promise.all(names.filter((_, i) => i % 2 === 0).map((name) => engine.dropNamespace(name)));
    const left = await engine.listNamespaces();
    expect(left).toHaveLength(1000);
    expect(left[0]).toBe('ns-0001');
    expect((await engine.stats()).namespaces).toBe(1000);
  }, 60_000);
}
