/**
 * The console's block reader and key helpers (web/console/lib), run in Node: the reader must
 * read every block the way src/block does, refuse truncated or mangled bytes with an Error, and
 * the console must show a key as text exactly when the server takes it as a string key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block, formatTime } from '../../src/block/index.js';
import { assertKey } from '../../src/keepr/names.js';
import { isStringKey, keyOfHex, prefixHex } from '../../web/console/lib/block-keys.js';
import { BlockReader } from '../../web/console/lib/block-reader.js';

/** A fresh ArrayBuffer-backed copy, as `response.arrayBuffer()` gives. */
function fetched(block: Block): Uint8Array<ArrayBuffer> {
  return new Uint8Array(block.bytes);
}

const show = (us: bigint): string => formatTime(us);

/** What src/block says cell `i` reads as, in the console's text form. */
function expected(block: Block, i: number): string | null {
  if (block.type === 'string' || block.type === 'factor') return block.strings()[i] ?? null;
  if (block.type === 'time') return block.isoTimes()[i] ?? null;
  const v = block.get(i);
  if (v === null) return null;
  if (typeof v === 'object') throw new Error('a tuple has no cell text');
  return String(v);
}

const tensor = fc.oneof(
  fc.array(fc.option(fc.integer({ min: -2147483647, max: 2147483647 })), { maxLength: 12 }).map((data) => ({ type: 'int32' as const, data })),
  fc.array(fc.option(fc.double({ noNaN: true })), { maxLength: 12 }).map((data) => ({ type: 'float64' as const, data })),
  fc.array(fc.option(fc.boolean()), { maxLength: 12 }).map((data) => ({ type: 'bool' as const, data })),
  fc.array(fc.option(fc.string()), { maxLength: 12 }).map((data) => ({ type: 'string' as const, data })),
  fc.array(fc.option(fc.constantFrom('lo', 'mid', 'hi')), { maxLength: 12 }).map((data) => ({ type: 'factor' as const, data })),
  fc.array(fc.option(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n })), { maxLength: 12 }).map((data) => ({ type: 'time' as const, data })),
  fc.array(fc.option(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n })), { maxLength: 12 }).map((data) => ({ type: 'int64' as const, data })),
);

describe('console block reader', () => {
  it('reads every cell, the facts and the attributes as src/block does', () => {
    fc.assert(
      fc.property(tensor, fc.option(fc.string({ minLength: 1 })), (init, kind) => {
        const block = Block.create({ ...init, ...(kind === null ? {} : { attributes: { kind } }) });
        const reader = new BlockReader(fetched(block));
        expect(reader.type).toBe(block.type);
        expect(reader.shape).toEqual(block.shape);
        expect(reader.size).toBe(block.size);
        expect(reader.hasNA).toBe(block.hasNA);
        expect(reader.hash).toBe(block.hashHex);
        expect(reader.byteLength).toBe(block.byteLength);
        expect(reader.attributes).toEqual(kind === null ? {} : { kind });
        expect(reader.verify()).toBe(true);
        for (let i = 0; i < block.size; i++) expect(reader.text(i, show)).toBe(expected(block, i));
        const numbers = reader.numbers();
        if (block.type === 'int32' || block.type === 'float64') {
          expect([...numbers!]).toEqual(Array.from({ length: block.size }, (_, i) => (block.get(i) === null ? NaN : block.get(i))));
        } else if (block.type !== 'int64') {
          expect(numbers).toBeNull();
        }
      }),
    );
  });

  it('reads tuples, files and NaN that is not NA', () => {
    const file = Block.file(new TextEncoder().encode('hi'), 'text/plain', { filename: 'a.txt' });
    const floats = Block.create({ type: 'float64', data: [NaN, null, 1] });
    const tuple = Block.tuple({ f: file, n: floats, t: Block.tuple({}) });
    const reader = new BlockReader(fetched(tuple));
    const items = reader.items();
    expect(items.map((i) => [i.name, i.block.type])).toEqual([['f', 'bytes'], ['n', 'float64'], ['t', 'tuple']]);
    expect(new TextDecoder().decode(items[0]!.block.data())).toBe('hi');
    expect(items[0]!.block.attributes).toEqual({ mime: 'text/plain', filename: 'a.txt' });
    expect([0, 1, 2].map((i) => items[1]!.block.text(i, show))).toEqual(['NaN', null, '1']);
    expect(items[2]!.block.items()).toEqual([]);
    expect(reader.verify()).toBe(true);
  });

  it('refuses truncated bytes and notices a changed cell', () => {
    const block = Block.create({ type: 'int32', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: block.byteLength - 1 }), (n) => {
        expect(() => new BlockReader(new Uint8Array(block.bytes.subarray(0, n)))).toThrow(Error);
      }),
    );
    const changed = fetched(block);
    changed[96] = 9;
    const reader = new BlockReader(changed);
    expect(reader.text(0, show)).toBe('9');
    expect(reader.verify()).toBe(false);
  });
});

describe('console block keys', () => {
  it('shows a key as text exactly when the server takes it as a string key', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('a/b', 'a//b', '.', 'a/..', '/a', 'x\u0085', 'ok.txt')), (key) => {
        let server = true;
        try {
          assertKey(key);
        } catch {
          server = false;
        }
        if (new TextEncoder().encode(key).length <= 512) expect(isStringKey(key)).toBe(server);
      }),
    );
  });

  it('round-trips keys through hex, and reads prefixes as text or 0x hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), (bytes) => {
        const hexText = Buffer.from(bytes).toString('hex');
        const key = keyOfHex(hexText.toUpperCase());
        expect(key.hex).toBe(hexText);
        if (key.text !== undefined) expect(Buffer.from(key.text, 'utf8').toString('hex')).toBe(hexText);
        expect(prefixHex(`0x${hexText}`)).toBe(hexText);
      }),
    );
    expect(keyOfHex('00ff01').text).toBeUndefined();
    expect(keyOfHex(Buffer.from('a/b').toString('hex')).text).toBe('a/b');
    expect(prefixHex('k1')).toBe('6b31');
    expect(() => prefixHex('0xabc')).toThrow();
  });
});
