/** fast-check arbitraries for block descriptions, shared by the property tests and the fuzz script. */
import fc from 'fast-check';
import { Block, type BlockInit, type CellType, type CellValue } from '../../src/block/index.js';

const text = fc.string({ unit: 'binary', maxLength: 12 });

/** Shapes of rank 0 to 4 with at most 48 cells. */
export const shapeArb: fc.Arbitrary<number[]> = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 })
  .filter((s) => s.reduce((a, b) => a * b, 1) <= 48);

function cellArb(type: CellType, levels: readonly string[]): fc.Arbitrary<CellValue> {
  const na = (arb: fc.Arbitrary<CellValue>): fc.Arbitrary<CellValue> => fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: arb });
  switch (type) {
    case 'bool':
      return na(fc.boolean());
    case 'int8':
      return na(fc.integer({ min: -127, max: 127 }));
    case 'int16':
      return na(fc.integer({ min: -32767, max: 32767 }));
    case 'int32':
      return na(fc.integer({ min: -2147483647, max: 2147483647 }));
    case 'int64':
    case 'time':
      return na(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }));
    case 'uint8':
    case 'bytes':
      return fc.integer({ min: 0, max: 255 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'uint64':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case 'float32':
      return na(fc.float().filter((x) => !Object.is(x, -0)));
    case 'float64':
      return na(fc.double().filter((x) => !Object.is(x, -0)));
    case 'string':
      return na(text);
    case 'factor':
      return levels.length === 0 ? fc.constant(null) : na(fc.constantFrom(...levels));
    case 'tuple':
      return fc.constant(null);
  }
}

const attributesArb = fc.dictionary(
  fc.oneof(fc.constantFrom('kind', 'mime', 'url', 'language', 'filename'), fc.integer({ min: 6, max: 0x7fffffff }).map(String)),
  text,
  { maxKeys: 4 },
);

const tensorTypes: CellType[] = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'time', 'string', 'factor', 'bytes'];

/** A description of a non-tuple block. */
export const tensorInitArb: fc.Arbitrary<BlockInit> = fc
  .record({
    type: fc.constantFrom(...tensorTypes),
    shape: shapeArb,
    levels: fc.uniqueArray(text, { maxLength: 5 }),
    ordered: fc.boolean(),
    attributes: attributesArb,
  })
  .chain(({ type, shape, levels, ordered, attributes }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    return fc.array(cellArb(type, levels), { minLength: count, maxLength: count }).map((data): BlockInit => ({
      type,
      shape,
      data,
      attributes,
      ...(type === 'factor' ? { levels, ordered } : {}),
    }));
  });

/** Any block description, tuples nested up to two levels. */
export const blockInitArb: fc.Arbitrary<BlockInit> = fc.letrec<{ block: BlockInit; tuple: BlockInit }>((tie) => ({
  block: fc.oneof({ weight: 5, arbitrary: tensorInitArb }, { weight: 1, arbitrary: tie('tuple') }),
  tuple: fc
    .record({
      items: fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), tie('block')), {
        maxLength: 3,
        selector: ([name]) => name,
        depthIdentifier: 'tuple',
      }),
      attributes: attributesArb,
    })
    .map(({ items, attributes }): BlockInit => ({
      type: 'tuple',
      attributes,
      items: items.map(([name, init]) => [name, Block.create(init).bytes] as const),
    })),
})).block;

/** A built block. */
export const blockArb: fc.Arbitrary<Block> = blockInitArb.map((init) => Block.create(init));

/** Reads every accessor of a block, so that a bad view or offset would throw. */
export function touchEverything(block: Block): void {
  const facts = [block.type, block.shape, block.hasNA, block.attributes, block.hashHex];
  if (facts.length !== 5) throw new Error('unreachable');
  block.toJS();
  if (block.is('tuple')) {
    for (const item of block.items().values()) touchEverything(item);
  } else if (block.is('string') || block.is('factor')) {
    block.strings();
  } else {
    block.values();
  }
  for (let i = 0; i < Math.min(block.size, 4); i++) {
    block.get(i);
    block.isNA(i);
  }
}
