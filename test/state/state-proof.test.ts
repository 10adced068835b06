import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { decodeProof, encodeProof, verifyProof } from '../../src/state/index.js';
import { isKeeprError } from '../../src/errors.js';
import { freshState } from './state-factory.js';

describe('state proofs', () => {
  it('prove inclusion and exclusion at every retained height', async () => {
    const { state } = await freshState();
    const roots: Uint8Array[] = [];
    for (let h = 0; h < 4; h++) {
      for (let i = 0; i < 30; i++) await state.put('t', `k${(h * 11 + i) % 40}`, Block.from(h * 1000 + i));
      if (h === 2) await state.delete('t', 'k5');
      roots.push((await state.commit()).root);
    }
    for (let h = 0; h < 4; h++) {
      const view = state.at(h);
      for (let k = 0; k < 45; k++) {
        const key = `k${k}`;
        const value = await view.get('t', key);
        const proof = await view.prove('t', key);
        expect(verifyProof(roots[h]!, 't', key, value as Block | undefined, proof), `${key}@${h}`).toBe(true);
        // The opposite claim, and the same claim against another height's root, must fail.
        expect(verifyProof(roots[h]!, 't', key, value === undefined ? Block.from(1) : undefined, proof)).toBe(false);
        if (h > 0 && !Buffer.from(roots[h]!).equals(Buffer.from(roots[h - 1]!))) expect(verifyProof(roots[h - 1]!, 't', key, value as Block | undefined, proof)).toBe(false);
      }
    }
  });

  it('binds the value kind: the same bytes as a block and as raw bytes differ', async () => {
    const { state } = await freshState();
    const block = Block.from('v');
    await state.put('t', 'k', block);
    const { root } = await state.commit();
    const proof = await state.at(0).prove('t', 'k');
    expect(verifyProof(root, 't', 'k', block, proof)).toBe(true);
    expect(verifyProof(root, 't', 'k', block.bytes, proof)).toBe(false);
  });

  it('ties every tree into the one state root', async () => {
    const { state } = await freshState();
    await state.put('accounts', 'a', Uint8Array.of(1));
    await state.put('apps', 'a', Uint8Array.of(2));
    const { root } = await state.commit();
    expect(verifyProof(root, 'accounts', 'a', Uint8Array.of(1), await state.at(0).prove('accounts', 'a'))).toBe(true);
    expect(verifyProof(root, 'apps', 'a', Uint8Array.of(2), await state.at(0).prove('apps', 'a'))).toBe(true);
    expect(verifyProof(root, 'apps', 'a', Uint8Array.of(2), await state.at(0).prove('accounts', 'a'))).toBe(false);
  });

  it('rejects tampered proofs', async () => {
    const { state } = await freshState();
    for (let i = 0; i < 20; i++) await state.put('t', `k${i}`, Uint8Array.of(i));
    const { root } = await state.commit();
    const proof = await state.at(0).prove('t', 'k3');
    expect(encodeProof(decodeProof(proof))).toEqual(proof);
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = proof.slice();
        bad[pos % bad.length]! ^= x;
        let ok: boolean;
        try {
          ok = verifyProof(root, 't', 'k3', Uint8Array.of(3), bad);
        } catch (err) {
          expect(isKeeprError(err, 'STATE_PROOF_MALFORMED')).toBe(true);
          return;
        }
        expect(ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes random bytes only as STATE_PROOF_MALFORMED or a proof', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeProof(bytes);
        } catch (err) {
          expect(isKeeprError(err, 'STATE_PROOF_MALFORMED')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
