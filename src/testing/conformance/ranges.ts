/** Conformance: range reads (bounds, prefixes, direction, limits), async and sync alike. */
import { expect } from 'vitest';
import type { Engine, RangeOptions, WriteOp } from '../../engine/engine.js';
import { bytes, collect, describeRange, expectCode, expectedRange, hex, keysOf, modesOf, readRange, type ConformanceContext } from './context.js';

/** Keys of the range fixture, sorted. */
const KEYS = [
  bytes(0x00),
  bytes(0x01),
  bytes(0x01, 0x00),
  bytes(0x01, 0x01),
  bytes(0x01, 0x01, 0x05),
  bytes(0x01, 0x02),
  bytes(0x01, 0xff),
  bytes(0x02),
  bytes(0x02, 0x00),
  bytes(0x03),
  bytes(0xff),
  bytes(0xff, 0xff),
];

async function withFixture(ctx: ConformanceContext): Promise<Engine> {
  const engine = await ctx.fresh();
  await engine.createNamespace('r');
  // Neighbours whose entries must never leak into 'r'.
  await engine.createNamespace('q');
  await engine.createNamespace('r0');
  const ops: WriteOp[] = KEYS.map((key) => ({ op: 'put', namespace: 'r', key, value: Uint8Array.from([0xaa, ...key]) }));
  for (const namespace of ['q', 'r0']) ops.push(...KEYS.map((key) => ({ op: 'put' as const, namespace, key, value: bytes(0xee) })));
  await engine.write(ops);
  return engine;
}

/** Runs `options` in every mode and compares keys and values with the reference semantics. */
async function expectRange(engine: Engine, options: RangeOptions, literal?: string[]): Promise<void> {
  const expected = expectedRange(KEYS, options).map((key) => hex(key)!);
  if (literal !== undefined) expect(expected, `reference for ${describeRange(options)}`).toEqual(literal);
  for (const mode of modesOf(engine)) {
    const entries = await readRange(engine, 'r', options, mode);
    expect(keysOf(entries), `${mode} ${describeRange(options)}`).toEqual(expected);
    for (const entry of entries) expect(hex(entry.value)).toBe(`aa${hex(entry.key)!}`);
  }
}

/** Registers the range tests. */
export function rangeTests(ctx: ConformanceContext): void {
  ctx.test('a full range, forward and reverse', async () => {
    const engine = await withFixture(ctx);
    await expectRange(engine, {});
    await expectRange(engine, { reverse: true });
    await expectRange(engine, { reverse: false });
  });

  ctx.test('prefix ranges', async () => {
    const engine = await withFixture(ctx);
    await expectRange(engine, { prefix: bytes(0x01) }, ['01', '0100', '0101', '010105', '0102', '01ff']);
    await expectRange(engine, { prefix: bytes(0x01, 0x01) }, ['0101', '010105']);
    await expectRange(engine, { prefix: bytes(0xff) }, ['ff', 'ffff']);
    await expectRange(engine, { prefix: bytes(0xff, 0xff) }, ['ffff']);
    await expectRange(engine, { prefix: bytes(0x04) }, []);
    await expectRange(engine, { prefix: bytes(0x01, 0x01, 0x05, 0x00) }, []);
    await expectRange(engine, { prefix: new Uint8Array(0) });
    await expectRange(engine, { prefix: bytes(0x01), reverse: true }, ['01ff', '0102', '010105', '0101', '0100', '01']);
  });

  ctx.test('gt, gte, lt and lte in every combination', async () => {
    const engine = await withFixture(ctx);
    await expectRange(engine, { gt: bytes(0x01), lt: bytes(0x02) }, ['0100', '0101', '010105', '0102', '01ff']);
    await expectRange(engine, { gte: bytes(0x01), lte: bytes(0x02) }, ['01', '0100', '0101', '010105', '0102', '01ff', '02']);
    await expectRange(engine, { gte: bytes(0x01, 0x01), lt: bytes(0x01, 0x02) }, ['0101', '010105']);
    const bounds = [bytes(0x00), bytes(0x01), bytes(0x01, 0x01), bytes(0x01, 0x01, 0x00), bytes(0x02, 0x00), bytes(0xfe), bytes(0xff), bytes(0xff, 0xff, 0xff)];
    for (const low of [undefined, ...bounds]) {
      for (const high of [undefined, ...bounds]) {
        for (const [lowName, highName] of [['gt', 'lt'], ['gte', 'lte'], ['gt', 'lte'], ['gte', 'lt']] as const) {
          const options: Record<string, Uint8Array> = {};
          if (low !== undefined) options[lowName] = low;
          if (high !== undefined) options[highName] = high;
          await expectRange(engine, options);
          await expectRange(engine, { ...options, reverse: true });
        }
      }
    }
  });

  ctx.test('prefix combined with bounds', async () => {
    const engine = await withFixture(ctx);
    await expectRange(engine, { prefix: bytes(0x01), gt: bytes(0x01, 0x00) }, ['0101', '010105', '0102', '01ff']);
    await expectRange(engine, { prefix: bytes(0x01), lt: bytes(0x01, 0x02) }, ['01', '0100', '0101', '010105']);
    await expectRange(engine, { prefix: bytes(0x01), gte: bytes(0x00), lte: bytes(0x09) }, ['01', '0100', '0101', '010105', '0102', '01ff']);
    await expectRange(engine, { prefix: bytes(0x01), gt: bytes(0x01) }, ['0100', '0101', '010105', '0102', '01ff']);
    await expectRange(engine, { prefix: bytes(0x01), lte: bytes(0x01) }, ['01']);
    await expectRange(engine, { prefix: bytes(0x01), lte: bytes(0x02) }, ['01', '0100', '0101', '010105', '0102', '01ff']);
    await expectRange(engine, { prefix: bytes(0x01), gt: bytes(0x02) }, []);
    await expectRange(engine, { prefix: bytes(0xff), gt: bytes(0xff) }, ['ffff']);
    await expectRange(engine, { prefix: bytes(0x01), gte: bytes(0x01, 0x01), lt: bytes(0x01, 0xff), reverse: true, limit: 2 }, ['0102', '010105']);
  });

  ctx.test('limits', async () => {
    const engine = await withFixture(ctx);
    for (const reverse of [false, true]) {
      for (const limit of [0, 1, 2, KEYS.length - 1, KEYS.length, KEYS.length + 5, 1000]) {
        await expectRange(engine, { reverse, limit });
        await expectRange(engine, { reverse, limit, prefix: bytes(0x01) });
        await expectRange(engine, { reverse, limit, gt: bytes(0x01, 0x01), lte: bytes(0x03) });
      }
    }
    await expectRange(engine, { limit: 0 }, []);
    await expectRange(engine, { limit: 1, reverse: true }, ['ffff']);
  });

  ctx.test('empty ranges', async () => {
    const engine = await withFixture(ctx);
    await engine.createNamespace('empty');
    for (const mode of modesOf(engine)) {
      expect(await readRange(engine, 'empty', {}, mode)).toEqual([]);
      expect(await readRange(engine, 'empty', { reverse: true, prefix: bytes(1) }, mode)).toEqual([]);
    }
    await expectRange(engine, { gt: bytes(0xff, 0xff) }, []);
    await expectRange(engine, { lt: bytes(0x00) }, []);
    await expectRange(engine, { gt: bytes(0x03), lt: bytes(0x01) }, []);
    await expectRange(engine, { gt: bytes(0x03), lt: bytes(0x01), reverse: true }, []);
    await expectRange(engine, { gte: bytes(0x02), lt: bytes(0x02) }, []);
    await expectRange(engine, { gt: bytes(0x02), lte: bytes(0x02), reverse: true }, []);
    await expectRange(engine, { gte: bytes(0x02), lte: bytes(0x02) }, ['02']);
    await expectRange(engine, { gte: bytes(0x02), lte: bytes(0x02), reverse: true }, ['02']);
  });

  ctx.test('bad range options are rejected', async () => {
    const engine = await withFixture(ctx);
    const cases: [unknown, 'ARGUMENT_INVALID' | 'KEY_INVALID'][] = [
      [{ gt: bytes(1), gte: bytes(1) }, 'ARGUMENT_INVALID'],
      [{ lt: bytes(1), lte: bytes(1) }, 'ARGUMENT_INVALID'],
      [{ limit: -1 }, 'ARGUMENT_INVALID'],
      [{ limit: 1.5 }, 'ARGUMENT_INVALID'],
      [{ reverse: 'yes' }, 'ARGUMENT_INVALID'],
      ['all', 'ARGUMENT_INVALID'],
      [{ gt: 'a' }, 'KEY_INVALID'],
      [{ prefix: [1] }, 'KEY_INVALID'],
      [{ lte: new Uint8Array(engine.supports.maxKeyBytes + 2) }, 'KEY_INVALID'],
    ];
    for (const [raw, code] of cases) {
      const options = raw as RangeOptions;
      await expectCode(() => collect(engine.range('r', options)), code);
      if (engine.supports.syncReads) await expectCode(() => [...engine.rangeSync('r', options)], code);
    }
  });

  ctx.test('stopping early and writing during iteration are safe', async () => {
    const engine = await withFixture(ctx);
    for (const mode of modesOf(engine)) {
      let seen = 0;
      if (mode === 'sync') {
        for (const entry of engine.rangeSync('r')) {
          expect(entry.key.length).toBeGreaterThan(0);
          if (++seen === 2) break;
        }
      } else {
        for await (const entry of engine.range('r')) {
          expect(entry.key.length).toBeGreaterThan(0);
          if (++seen === 2) break;
        }
      }
      expect(seen).toBe(2);
    }
    // Writes while a range is open neither fail nor break the iteration.
    const keys: string[] = [];
    let written = false;
    for await (const entry of engine.range('r')) {
      keys.push(hex(entry.key)!);
      if (!written) {
        written = true;
        await engine.put('r', bytes(0x00, 0x01), bytes(1));
        await engine.delete('r', bytes(0xff, 0xff));
      }
    }
    expect(keys.length).toBeGreaterThanOrEqual(KEYS.length - 1);
    expect(keys.length).toBeLessThanOrEqual(KEYS.length + 1);
    expect(keysOf(await collect(engine.range('r', { prefix: bytes(0x00) })))).toEqual(['00', '0001']);
    expect(await engine.has('r', bytes(0xff, 0xff))).toBe(false);
  });
}
