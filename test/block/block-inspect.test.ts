import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block, blockInitFromJSON, blockToJSON } from '../../src/block/index.js';
import { blockArb } from './arbitraries.js';

const reread = (text: string): Block => Block.create(blockInitFromJSON(JSON.parse(text)));

describe('Block as JSON and in the console', () => {
  it('JSON.stringify gives the JSON view, which reads back to an equal block', () => {
    const b = Block.create({ type: 'int64', shape: [2, 2], data: [1n, -(2n ** 62n), null, 7n], attributes: { mime: 'application/x-matrix' } });
    const text = JSON.stringify(b);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(blockToJSON(b))));
    expect(text).not.toContain('"bytes"');
    expect(reread(text).equals(b)).toBe(true);
  });

  it('JSON.stringify round-trips any block, also inside other objects', () => {
    fc.assert(
      fc.property(blockArb, (block) => {
        const { block: text } = JSON.parse(JSON.stringify({ block })) as { block: unknown };
        expect(reread(JSON.stringify(text)).equals(block)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('util.inspect shows type, shape, size, hash prefix, attributes and the first cells', () => {
    const b = Block.create({ type: 'int32', data: [[1, 2], [3, null]], attributes: { mime: 'text/plain' } });
    const text = inspect(b);
    expect(text).toContain('int32');
    expect(text).toContain('[2, 2]');
    expect(text).toContain(b.hashHex.slice(0, 12));
    expect(text).toContain('mime: "text/plain"');
    expect(text).toContain('[1, 2, 3, null]');
    expect(text).not.toContain('Uint8Array');
    expect(inspect({ nested: [b] })).toContain('Block<int32>');
  });

  it('util.inspect stays short and quick for a block of a million cells', () => {
    const big = Block.from(new Float64Array(1_000_000).map((_, i) => i), { shape: [1000, 1000] });
    const started = performance.now();
    const text = inspect(big);
    expect(performance.now() - started).toBeLessThan(100);
    expect(text.length).toBeLessThan(200);
    expect(text).toContain('float64');
    expect(text).toContain('[1000, 1000]');
    expect(text).toContain('999992 more');
  });

  it('util.inspect summarises times, strings, factors, files and tuples', () => {
    const time = Block.create({ type: 'time', data: [1n, null] });
    expect(inspect(time)).toContain('1970-01-01T00:00:00.000001Z, null');
    expect(inspect(Block.from(['x'.repeat(100)]))).toContain(`"${'x'.repeat(40)}…"`);
    const factor = Block.create({ type: 'factor', data: ['lo', 'hi'], levels: ['lo', 'hi'], ordered: true });
    expect(inspect(factor)).toContain('levels: 2 (ordered)');
    expect(inspect(factor)).toContain('"lo", "hi"');
    const file = Block.file(new Uint8Array([0, 1, 254, 255, 4, 5, 6, 7, 8, 9]), 'application/octet-stream');
    expect(inspect(file)).toContain('<00 01 fe ff 04 05 06 07 …>');
    const tuple = Block.tuple({ a: time, f: file });
    expect(inspect(tuple)).toContain('items: { "a": time [2], "f": bytes [10] }');
  });
});
