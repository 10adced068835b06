/**
 * Golden vectors pin roots and a proof (test/fixtures/state-vectors.json), and a property test
 * shows the root depends only on the contents: any write order, any store, any process.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { bucketHash, keyPath, nodeHash, stateRoot, valueHash } from '../../src/state/index.js';
import { freshState } from './state-factory.js';

interface Vectors {
  writes: { height: number; tree: string; key: string; value: string | null; block?: boolean }[];
  roots: string[];
  proof: { height: number; tree: string; key: string; hex: string };
  primitives: { keyPath: string; valueHash: string; bucketHash: string; nodeHash: string; stateRoot: string };
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/state-vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('state golden vectors', () => {
  it('hash primitives give the pinned digests', () => {
    const kh = keyPath(Buffer.from('alice'));
    const vh = valueHash('bytes', Buffer.from('ten'));
    expect(hex(kh)).toBe(vectors.primitives.keyPath);
    expect(hex(vh)).toBe(vectors.primitives.valueHash);
    expect(hex(bucketHash([{ kh, vh }]))).toBe(vectors.primitives.bucketHash);
    expect(hex(nodeHash(kh, vh))).toBe(vectors.primitives.nodeHash);
    expect(hex(stateRoot(new Map([['t', kh]])))).toBe(vectors.primitives.stateRoot);
  });

  it('replays the pinned writes to the pinned roots and proof', async () => {
    const { state } = await freshState();
    const heights = [...new Set(vectors.writes.map((w) => w.height))];
    const roots: string[] = [];
    for (const h of heights) {
      for (const w of vectors.writes.filter((x) => x.height === h)) {
        if (w.value === null) await state.delete(w.tree, w.key);
        else await state.put(w.tree, w.key, w.block === true ? Block.from(w.value) : Buffer.from(w.value));
      }
      roots.push((await state.commit()).rootHex);
    }
    expect(roots).toEqual(vectors.roots);
    const p = vectors.proof;
    expect(hex(await state.at(p.height).prove(p.tree, p.key))).toBe(p.hex);
  });
});

const writeArb = fc.array(
  fc.record({ tree: fc.constantFrom('a', 'b'), key: fc.string({ minLength: 1, maxLength: 6 }), value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }) }),
  { maxLength: 40 },
);

describe('state root determinism', () => {
  it('is independent of write order and of the store', async () => {
    await fc.assert(
      fc.asyncProperty(writeArb, fc.nat(), async (writes, seed) => {
        // The final value of each (tree, key) is what matters; apply it in two different orders.
        const final = new Map<string, { tree: string; key: string; value: Uint8Array | undefined }>();
        for (const w of writes) final.set(`${w.tree}\u0000${w.key}`, w);
        const ordered = [...final.values()];
        const shuffled = [...ordered].sort((x, y) => ((x.key.length * 31 + seed) % 7) - ((y.key.length * 31 + seed) % 7) || (x.key < y.key ? 1 : -1));
        const roots: string[] = [];
        for (const order of [ordered, shuffled]) {
          const { state, store } = await freshState('p');
          for (const w of order) {
            if (w.value === undefined) await state.delete(w.tree, w.key);
            else await state.put(w.tree, w.key, w.value);
          }
          roots.push((await state.commit()).rootHex);
          await store.close();
        }
        expect(roots[1]).toBe(roots[0]);
      }),
      { numRuns: 30 },
    );
  });

  it('gives the same root whether built in one height or many', async () => {
    const a = await freshState('x');
    const b = await freshState('x');
    for (let i = 0; i < 60; i++) await a.state.put('t', `k${i}`, Uint8Array.of(i));
    const one = await a.state.commit();
    for (let h = 0; h < 6; h++) {
      for (let i = h * 10; i < h * 10 + 10; i++) await b.state.put('t', `k${i}`, Uint8Array.of(i));
      await b.state.put('t', `tmp${h}`, Uint8Array.of(h));
      await b.state.commit();
      await b.state.delete('t', `tmp${h}`);
    }
    const many = await b.state.commit();
    expect(many.rootHex).toBe(one.rootHex);
  });
});
