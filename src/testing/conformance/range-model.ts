/** Conformance: a model-based property test of writes and range reads against a sorted array. */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { RangeOptions, WriteOp } from '../../engine/engine.js';
import { compareBytes } from '../../util/bytes.js';
import { describeRange, expectedRange, hex, keysOf, modesOf, readRange, type ConformanceContext } from './context.js';

// A small alphabet with the edge bytes, so keys collide, prefix each other and hit 0x00/0xff.
const byte = fc.constantFrom(0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff);
const key = fc.array(byte, { minLength: 1, maxLength: 3 }).map((values) => Uint8Array.from(values));
const bound = fc.array(byte, { minLength: 0, maxLength: 3 }).map((values) => Uint8Array.from(values));

type ModelOp = { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly kind: 'delete'; readonly key: Uint8Array };

const modelOp: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value: fc.uint8Array({ maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
);

const rangeOptions: fc.Arbitrary<RangeOptions> = fc
  .record({
    prefix: fc.option(bound, { nil: undefined }),
    lowKind: fc.constantFrom('none', 'gt', 'gte'),
    low: key,
    highKind: fc.constantFrom('none', 'lt', 'lte'),
    high: key,
    reverse: fc.boolean(),
    limit: fc.option(fc.nat({ max: 12 }), { nil: undefined }),
  })
  .map(({ prefix, lowKind, low, highKind, high, reverse, limit }) => {
    const options: { -readonly [K in keyof RangeOptions]: RangeOptions[K] } = { reverse };
    if (prefix !== undefined) options.prefix = prefix;
    if (lowKind !== 'none') options[lowKind] = low;
    if (highKind !== 'none') options[highKind] = high;
    if (limit !== undefined) options.limit = limit;
    return options;
  });

/** Registers the model-based test. */
export function rangeModelTests(ctx: ConformanceContext): void {
  ctx.test('random writes and ranges match a sorted-array model', async () => {
    const engine = await ctx.fresh();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(modelOp, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.array(rangeOptions, { minLength: 1, maxLength: 10 }), async (batches, ranges) => {
        const namespace = `model-${run++}`;
        await engine.createNamespace(namespace);
        const model = new Map<string, { key: Uint8Array; value: Uint8Array }>();
        for (const batch of batches) {
          const ops: WriteOp[] = batch.map((op) => (op.kind === 'put' ? { op: 'put', namespace, key: op.key, value: op.value } : { op: 'delete', namespace, key: op.key }));
          expect(await engine.write(ops)).toEqual({ committed: true });
          for (const op of batch) {
            if (op.kind === 'put') model.set(hex(op.key)!, { key: op.key, value: op.value });
            else model.delete(hex(op.key)!);
          }
        }
        const sorted = [...model.values()].map((entry) => entry.key).sort(compareBytes);
        for (const options of ranges) {
          const expected = expectedRange(sorted, options).map((k) => hex(k)!);
          for (const mode of modesOf(engine)) {
            const entries = await readRange(engine, namespace, options, mode);
            expect(keysOf(entries), `${mode} ${describeRange(options)}`).toEqual(expected);
            for (const entry of entries) expect(hex(entry.value)).toBe(hex(model.get(hex(entry.key)!)!.value));
          }
        }
        for (const [k, entry] of model) {
          expect(hex(await engine.get(namespace, entry.key)), k).toBe(hex(entry.value));
        }
        await engine.dropNamespace(namespace);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
}
