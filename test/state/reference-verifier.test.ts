/**
 * The reference verifier (written from docs/state.md alone) over every state vector, including
 * the must-reject ones, and over live proofs of random states: it must agree with keepr.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyProof } from '../../src/state/index.js';
import { isKeeprError } from '../../src/errors.js';
import { freshState, STATE_ENGINES } from './state-factory.js';
import { refBucketHash, refKeyPath, refNodeHash, refStateRoot, refValueHash, refVerify, type StateVectors, type Verdict } from './reference-verifier.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/state-vectors.json', import.meta.url), 'utf8')) as StateVectors;
const bytes = (h: string): Buffer => Buffer.from(h, 'hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe.each(STATE_ENGINES)('reference state verifier (%s)', (engine) => {
  it('computes every pinned primitive', () => {
    const p = vectors.primitives;
    expect(vectors.proofVersion).toBe(2);
    expect(hex(refKeyPath(bytes(p.keyPath.key)))).toBe(p.keyPath.hash);
    expect(hex(refValueHash('bytes', bytes(p.valueHash.value)))).toBe(p.valueHash.hash);
    expect(hex(refValueHash('block', bytes(p.valueHashBlock.value)))).toBe(p.valueHashBlock.hash);
    expect(hex(refBucketHash(p.bucketHash.entries.map((e) => ({ kh: bytes(e.kh), vh: bytes(e.vh) }))))).toBe(p.bucketHash.hash);
    expect(hex(refNodeHash(bytes(p.nodeHash.left), bytes(p.nodeHash.right)))).toBe(p.nodeHash.hash);
    expect(hex(refNodeHash(bytes(p.nodeHashZero.left), bytes(p.nodeHashZero.right)))).toBe(p.nodeHashZero.hash);
    expect(hex(refStateRoot(p.stateRoot.trees.map((t) => ({ name: utf8(t.name), root: bytes(t.root) }))))).toBe(p.stateRoot.hash);
  });

  it('gives every proof vector its expected verdict', () => {
    const seen = new Set<string>();
    for (const v of vectors.proofs) {
      expect(hex(utf8(v.key)), v.name).toBe(v.keyHex);
      expect(refVerify(bytes(v.root), utf8(v.tree), bytes(v.keyHex), v.value, bytes(v.hex)), v.name).toBe(v.expect);
      seen.add(`${v.kind}:${v.expect}`);
    }
    // The vectors cover each kind valid and each way of refusing a proof.
    for (const k of ['inclusion:valid', 'exclusion:valid', 'tree-absence:valid', 'inclusion:malformed', 'inclusion:false', 'exclusion:false', 'tree-absence:malformed', 'tree-absence:false']) expect(seen.has(k), k).toBe(true);
  });

  it('agrees with keepr on live proofs and on damaged ones', async () => {
    const { state } = await freshState(undefined, engine);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ tree: fc.constantFrom('a', 'b'), key: fc.uint8Array({ minLength: 1, maxLength: 4 }), value: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: undefined }) }), { maxLength: 30 }),
        fc.constantFrom('a', 'b', 'c'),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (writes, tree, key, pos, flip) => {
          for (const w of writes) {
            if (w.value === undefined) await state.delete(w.tree, w.key);
            else await state.put(w.tree, w.key, w.value);
          }
          const { root, height } = await state.commit();
          const value = await state.at(height).get(tree, key);
          const claim = value === undefined ? null : { kind: 'bytes' as const, hex: hex(value as Uint8Array) };
          const proof = (await state.at(height).prove(tree, key)).slice();
          expect(refVerify(root, utf8(tree), key, claim, proof)).toBe('valid');
          proof[pos % proof.length]! ^= flip;
          let ours: Verdict;
          try {
            ours = verifyProof(root, tree, key, value, proof) ? 'valid' : 'false';
          } catch (err) {
            expect(isKeeprError(err, 'STATE_PROOF_MALFORMED')).toBe(true);
            ours = 'malformed';
          }
          expect(refVerify(root, utf8(tree), key, claim, proof)).toBe(ours);
        },
      ),
      { numRuns: 60 },
    );
  });
});
