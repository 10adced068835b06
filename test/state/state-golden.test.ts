/**
 * Golden vectors pin primitives, roots and proofs (test/fixtures/state-vectors.json), and a property test
 * shows the root depends only on the contents: any write order, any store, any process.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { isKeeprError } from '../../src/errors.js';
import { bucketHash, decodeProof, encodeProof, keyPath, nodeHash, stateRoot, valueHash, verifyProof, type ProvenValue } from '../../src/state/index.js';
import { freshState, STATE_ENGINES } from './state-factory.js';
import type { StateVectors } from './reference-verifier.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/state-vectors.json', import.meta.url), 'utf8')) as StateVectors;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Buffer.from(h, 'hex');

describe.each(STATE_ENGINES)('state golden vectors (%s)', (engine) => {
  it('hash primitives give the pinned digests from the pinned inputs', () => {
    const p = vectors.primitives;
    expect(hex(keyPath(bytes(p.keyPath.key)))).toBe(p.keyPath.hash);
    expect(hex(valueHash('bytes', bytes(p.valueHash.value)))).toBe(p.valueHash.hash);
    expect(hex(valueHash('block', bytes(p.valueHashBlock.value)))).toBe(p.valueHashBlock.hash);
    expect(hex(bucketHash(p.bucketHash.entries.map((e) => ({ kh: bytes(e.kh), vh: bytes(e.vh) }))))).toBe(p.bucketHash.hash);
    expect(hex(nodeHash(bytes(p.nodeHash.left), bytes(p.nodeHash.right)))).toBe(p.nodeHash.hash);
    expect(hex(nodeHash(bytes(p.nodeHashZero.left), bytes(p.nodeHashZero.right)))).toBe(p.nodeHashZero.hash);
    expect(hex(stateRoot(new Map(p.stateRoot.trees.map((t) => [t.name, bytes(t.root)]))))).toBe(p.stateRoot.hash);
    expect(hex(Block.from('on').bytes)).toBe(p.valueHashBlock.value);
  });

  it('replays the pinned writes to the pinned roots and valid proofs', async () => {
    const { state } = await freshState(undefined, engine);
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
    const valid = vectors.proofs.filter((p) => p.expect === 'valid');
    expect(new Set(valid.map((p) => p.kind))).toEqual(new Set(['inclusion', 'exclusion', 'tree-absence']));
    for (const p of valid) expect(hex(await state.at(p.height!).prove(p.tree, p.key)), p.name).toBe(p.hex);
  });

  it('verifies every proof vector as it expects: valid, malformed or false', () => {
    for (const p of vectors.proofs) {
      const value: ProvenValue | undefined = p.value === null ? undefined : p.value.kind === 'bytes' ? bytes(p.value.hex) : { bytes: bytes(p.value.hex) };
      let got: string;
      try {
        got = verifyProof(bytes(p.root), p.tree, bytes(p.keyHex), value, bytes(p.hex)) ? 'valid' : 'false';
      } catch (err) {
        expect(isKeeprError(err, 'STATE_PROOF_MALFORMED'), p.name).toBe(true);
        got = 'malformed';
      }
      expect(got, p.name).toBe(p.expect);
      // Every proof that decodes re-encodes to the same bytes: one fact, one encoding.
      if (got !== 'malformed') expect(hex(encodeProof(decodeProof(bytes(p.hex)))), p.name).toBe(p.hex);
    }
  });
});

const writeArb = fc.array(
  fc.record({ tree: fc.constantFrom('a', 'b'), key: fc.string({ minLength: 1, maxLength: 6 }), value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }) }),
  { maxLength: 40 },
);

describe.each(STATE_ENGINES)('state root determinism (%s)', (engine) => {
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
          const { state, store } = await freshState('p', engine);
          for (const w of order) {
            if (w.value === undefined) await state.delete(w.tree, w.key);
            else await state.put(w.tree, w.key, w.value);
          }
          roots.push((await state.commit()).rootHex);
          await store.close();
        }
        expect(roots[1]).toBe(roots[0]);
      }),
      // Each run opens two stores: on PostgreSQL that is two schemas, so fewer runs.
      { numRuns: engine === 'postgres' ? 8 : 30 },
    );
  });

  it('gives the same root whether built in one height or many', async () => {
    const a = await freshState('x', engine);
    const b = await freshState('x', engine);
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
