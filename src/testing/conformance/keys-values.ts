/** Conformance: key rules and order, point reads, and value ownership. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Engine } from '../../engine/engine.js';
import { bytes, collect, expectCode, hex, keysOf, modesOf, readRange, type ConformanceContext } from './context.js';

/** Keys in the order every engine must keep: unsigned bytewise, shorter prefix first. */
const ORDERED_KEYS = [
  bytes(0x00),
  bytes(0x00, 0x00),
  bytes(0x00, 0xff),
  bytes(0x01),
  bytes(0x01, 0x00),
  bytes(0x01, 0x00, 0x00),
  bytes(0x01, 0x01),
  bytes(0x02),
  bytes(0x7f),
  bytes(0x7f, 0xff),
  bytes(0x80),
  bytes(0xfe, 0xff, 0xff),
  bytes(0xff),
  bytes(0xff, 0x00),
  bytes(0xff, 0xff),
  bytes(0xff, 0xff, 0xff),
];

async function withNamespace(ctx: ConformanceContext): Promise<Engine> {
  const engine = await ctx.fresh();
  await engine.createNamespace('ns');
  return engine;
}

/** Registers the key and value tests. */
export function keyValueTests(ctx: ConformanceContext): void {
  ctx.test('keys are ordered as unsigned bytes', async () => {
    const engine = await withNamespace(ctx);
    // A fixed permutation (7 is coprime with 16) so failures reproduce.
    const shuffled = ORDERED_KEYS.map((_, i) => ORDERED_KEYS[(i * 7) % ORDERED_KEYS.length]!);
    await engine.write(shuffled.map((key) => ({ op: 'put', namespace: 'ns', key, value: key })));
    const expected = ORDERED_KEYS.map((key) => hex(key)!);
    for (const mode of modesOf(engine)) {
      expect(keysOf(await readRange(engine, 'ns', {}, mode))).toEqual(expected);
      expect(keysOf(await readRange(engine, 'ns', { reverse: true }, mode))).toEqual([...expected].reverse());
    }
  });

  ctx.test('bad keys throw KEY_INVALID', async () => {
    const engine = await withNamespace(ctx);
    const max = engine.supports.maxKeyBytes;
    const badKeys: unknown[] = [new Uint8Array(0), new Uint8Array(max + 1), 'key', 1, null, undefined, [1, 2], new ArrayBuffer(2), {}];
    for (const raw of badKeys) {
      const key = raw as Uint8Array;
      await expectCode(() => engine.get('ns', key), 'KEY_INVALID');
      await expectCode(() => engine.has('ns', key), 'KEY_INVALID');
      await expectCode(() => engine.getMany('ns', [bytes(1), key]), 'KEY_INVALID');
      await expectCode(() => engine.put('ns', key, bytes(1)), 'KEY_INVALID');
      await expectCode(() => engine.delete('ns', key), 'KEY_INVALID');
      await expectCode(() => engine.write([{ op: 'check', namespace: 'ns', key, test: () => true }]), 'KEY_INVALID');
      if (engine.supports.syncReads) {
        await expectCode(() => engine.getSync('ns', key), 'KEY_INVALID');
        await expectCode(() => engine.hasSync('ns', key), 'KEY_INVALID');
      }
    }
    expect(await collect(engine.range('ns'))).toEqual([]);
  });

  ctx.test('the longest allowed key works', async () => {
    const engine = await withNamespace(ctx);
    const max = engine.supports.maxKeyBytes;
    expect(max).toBeGreaterThanOrEqual(64);
    const longest = new Uint8Array(max).fill(0xff);
    const shorter = new Uint8Array(max - 1).fill(0xff);
    await engine.put('ns', longest, bytes(1));
    await engine.put('ns', shorter, bytes(2));
    expect(hex(await engine.get('ns', longest))).toBe('01');
    expect(keysOf(await collect(engine.range('ns', { gte: longest })))).toEqual([hex(longest)]);
    expect(keysOf(await collect(engine.range('ns', { prefix: shorter })))).toEqual([hex(shorter), hex(longest)]);
    // A bound one byte longer than any key is allowed and sorts after the longest key.
    const past = new Uint8Array(max + 1).fill(0xff);
    expect(await collect(engine.range('ns', { gt: past }))).toEqual([]);
    expect(await collect(engine.range('ns', { lt: past }))).toHaveLength(2);
  });

  ctx.test('get, getMany, has, getSync and hasSync agree', async () => {
    const engine = await withNamespace(ctx);
    await engine.write([
      { op: 'put', namespace: 'ns', key: bytes(1), value: bytes(10) },
      { op: 'put', namespace: 'ns', key: bytes(2), value: bytes(20) },
    ]);
    expect(hex(await engine.get('ns', bytes(1)))).toBe('0a');
    expect(await engine.get('ns', bytes(3))).toBeUndefined();
    expect(await engine.has('ns', bytes(2))).toBe(true);
    expect(await engine.has('ns', bytes(3))).toBe(false);
    const many = await engine.getMany('ns', [bytes(2), bytes(3), bytes(1), bytes(2)]);
    expect(many.map(hex)).toEqual(['14', undefined, '0a', '14']);
    expect(await engine.getMany('ns', [])).toEqual([]);
    if (engine.supports.syncReads) {
      expect(hex(engine.getSync('ns', bytes(2)))).toBe('14');
      expect(engine.getSync('ns', bytes(3))).toBeUndefined();
      expect(engine.hasSync('ns', bytes(1))).toBe(true);
      expect(engine.hasSync('ns', bytes(3))).toBe(false);
    } else {
      await expectCode(() => engine.getSync('ns', bytes(1)), 'ENGINE_NOT_SUPPORTED');
      await expectCode(() => [...engine.rangeSync('ns')], 'ENGINE_NOT_SUPPORTED');
    }
  });

  ctx.test('put overwrites and delete removes', async () => {
    const engine = await withNamespace(ctx);
    await engine.put('ns', bytes(1), bytes(1));
    await engine.put('ns', bytes(1), bytes(2, 2));
    expect(hex(await engine.get('ns', bytes(1)))).toBe('0202');
    await engine.delete('ns', bytes(1));
    expect(await engine.has('ns', bytes(1))).toBe(false);
    await engine.delete('ns', bytes(1));
    await engine.delete('ns', bytes(9));
    expect(await collect(engine.range('ns'))).toEqual([]);
  });

  ctx.test('stored values do not change when the caller mutates its buffers', async () => {
    const engine = await withNamespace(ctx);
    const key = bytes(5, 5);
    const value = bytes(1, 2, 3);
    await engine.put('ns', key, value);
    value.fill(0xee);
    key[1] = 9;
    expect(hex(await engine.get('ns', bytes(5, 5)))).toBe('010203');
    expect(await engine.has('ns', bytes(5, 9))).toBe(false);
    // Buffers handed to write() may be reused at once, before the write settles.
    const key2 = bytes(7);
    const value2 = bytes(7, 7);
    const pending = engine.write([{ op: 'put', namespace: 'ns', key: key2, value: value2 }]);
    key2[0] = 8;
    value2.fill(0);
    await pending;
    expect(hex(await engine.get('ns', bytes(7)))).toBe('0707');
    expect(await engine.has('ns', bytes(8))).toBe(false);
  });

  ctx.test('Node Buffers as keys, values and range bounds are copied, never kept as views', async () => {
    // Buffer#slice returns a view, unlike Uint8Array#slice: copies must not rely on it.
    const engine = await withNamespace(ctx);
    const key = Buffer.from([6, 6]);
    const value = Buffer.from([1, 2]);
    await engine.put('ns', key, value);
    await engine.put('ns', Buffer.from([6, 7]), Buffer.from([3]));
    value.fill(0);
    key.fill(0);
    expect(hex(await engine.get('ns', Buffer.from([6, 6])))).toBe('0102');
    const prefix = Buffer.from([6]);
    expect(keysOf(await collect(engine.range('ns', { prefix })))).toEqual(['0606', '0607']);
    expect(keysOf(await collect(engine.range('ns', { prefix })))).toEqual(['0606', '0607']);
    expect(hex(prefix)).toBe('06');
  });

  ctx.test('returned keys and values belong to the caller', async () => {
    const engine = await withNamespace(ctx);
    await engine.put('ns', bytes(1), bytes(1, 1));
    const got = (await engine.get('ns', bytes(1)))!;
    got.fill(0xaa);
    const [many] = await engine.getMany('ns', [bytes(1)]);
    many!.fill(0xbb);
    const [entry] = await collect(engine.range('ns'));
    entry!.value.fill(0xcc);
    entry!.key.fill(0xcc);
    if (engine.supports.syncReads) {
      engine.getSync('ns', bytes(1))!.fill(0xdd);
      const [syncEntry] = [...engine.rangeSync('ns')];
      syncEntry!.value.fill(0xdd);
      syncEntry!.key.fill(0xdd);
    }
    expect(hex(await engine.get('ns', bytes(1)))).toBe('0101');
    expect(keysOf(await collect(engine.range('ns')))).toEqual(['01']);
    // Two reads never share a buffer.
    const a = (await engine.get('ns', bytes(1)))!;
    const b = (await engine.get('ns', bytes(1)))!;
    a[0] = 0x55;
    expect(hex(b)).toBe('0101');
  });

  ctx.test('borrowed sync reads answer exactly what owned reads answer, owned values outlive them', async () => {
    const engine = await withNamespace(ctx);
    if (!engine.supports.syncReads) return;
    // Values of many sizes (empty, small, past a page) so a view of the wrong length shows.
    const sizes = [0, 1, 7, 8, 9, 100, 1024, 5000, 70_000];
    await engine.write(sizes.map((size, i) => ({ op: 'put', namespace: 'ns', key: bytes(i), value: new Uint8Array(size).fill(i + 1) })));
    const owned = engine.getSync('ns', bytes(5))!;
    for (const [i, size] of sizes.entries()) {
      const borrowed = engine.getSync('ns', bytes(i), { borrow: true })!;
      expect(borrowed.length, `value ${i}`).toBe(size);
      expect(borrowed.every((b) => b === i + 1)).toBe(true);
    }
    expect(engine.getSync('ns', bytes(99), { borrow: true })).toBeUndefined();
    let i = 0;
    for (const { key, value } of engine.rangeSync('ns', {}, { borrow: true })) {
      expect(hex(key)).toBe(hex(bytes(i)));
      expect(value.length, `entry ${i}`).toBe(sizes[i]);
      expect(value.every((b) => b === i + 1)).toBe(true);
      i++;
    }
    expect(i).toBe(sizes.length);
    expect(owned.length).toBe(100);
    expect(owned.every((b) => b === 6)).toBe(true);
  });

  ctx.test('an empty value round-trips', async () => {
    const engine = await withNamespace(ctx);
    await engine.put('ns', bytes(1), new Uint8Array(0));
    const value = await engine.get('ns', bytes(1));
    expect(value).toBeInstanceOf(Uint8Array);
    expect(value).toHaveLength(0);
    expect(await engine.has('ns', bytes(1))).toBe(true);
    for (const mode of modesOf(engine)) {
      const entries = await readRange(engine, 'ns', {}, mode);
      expect(entries.map((entry) => entry.value.length)).toEqual([0]);
    }
    if (engine.supports.syncReads) expect(engine.getSync('ns', bytes(1))).toHaveLength(0);
  });

  ctx.test('a 5 MiB value round-trips', async () => {
    const engine = await withNamespace(ctx);
    const big = new Uint8Array(randomBytes(5 * 1024 * 1024));
    await engine.put('ns', bytes(1), big);
    await engine.put('ns', bytes(2), bytes(2));
    const same = (value: Uint8Array | undefined): boolean => value !== undefined && Buffer.compare(value, big) === 0;
    expect(same(await engine.get('ns', bytes(1)))).toBe(true);
    if (engine.supports.syncReads) expect(same(engine.getSync('ns', bytes(1)))).toBe(true);
    for (const mode of modesOf(engine)) {
      const entries = await readRange(engine, 'ns', {}, mode);
      expect(entries.map((entry) => entry.value.length)).toEqual([big.length, 1]);
      expect(same(entries[0]!.value)).toBe(true);
    }
  });

  ctx.test('only the viewed bytes of a Uint8Array count', async () => {
    const engine = await withNamespace(ctx);
    const backing = bytes(9, 9, 1, 2, 3, 9, 9);
    const keyView = backing.subarray(2, 4);
    const valueView = backing.subarray(3, 6);
    await engine.put('ns', keyView, valueView);
    expect(hex(await engine.get('ns', bytes(1, 2)))).toBe('020309');
    expect(hex(await engine.get('ns', Buffer.from([1, 2])))).toBe('020309');
    expect(keysOf(await collect(engine.range('ns', { prefix: backing.subarray(2, 3) })))).toEqual(['0102']);
  });
}
