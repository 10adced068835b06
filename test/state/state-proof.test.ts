import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { decodeProof, encodeProof, verifyProof } from '../../src/state/index.js';
import { isKeeprError } from '../../src/errors.js';
import { freshState, STATE_ENGINES } from './state-factory.js';

describe.each(STATE_ENGINES)('state proofs (%s)', (engine) => {
  it('prove inclusion and exclusion at every retained height', async () => {
    const { state } = await freshState(undefined, engine);
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
    const { state } = await freshState(undefined, engine);
    const block = Block.from('v');
    await state.put('t', 'k', block);
    const { root } = await state.commit();
    const proof = await state.at(0).prove('t', 'k');
    expect(verifyProof(root, 't', 'k', block, proof)).toBe(true);
    expect(verifyProof(root, 't', 'k', block.bytes, proof)).toBe(false);
  });

  it('ties every tree into the one state root', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('accounts', 'a', Uint8Array.of(1));
    await state.put('apps', 'a', Uint8Array.of(2));
    const { root } = await state.commit();
    expect(verifyProof(root, 'accounts', 'a', Uint8Array.of(1), await state.at(0).prove('accounts', 'a'))).toBe(true);
    expect(verifyProof(root, 'apps', 'a', Uint8Array.of(2), await state.at(0).prove('apps', 'a'))).toBe(true);
    expect(verifyProof(root, 'apps', 'a', Uint8Array.of(2), await state.at(0).prove('accounts', 'a'))).toBe(false);
  });

  it('rejects tampered proofs', async () => {
    const { state } = await freshState(undefined, engine);
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

  it('proves the absence of a whole tree: never created, or not yet at that height', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('a', 'k', Uint8Array.of(1));
    const h0 = await state.commit();
    await state.put('b', 'k', Uint8Array.of(2));
    const h1 = await state.commit();
    for (const [height, root, tree] of [[0, h0.root, 'b'], [1, h1.root, 'nosuch'], [0, h0.root, 'nosuch']] as const) {
      const proof = await state.at(height).prove(tree, 'k');
      expect(verifyProof(root, tree, 'k', undefined, proof), `${tree}@${height}`).toBe(true);
      expect(verifyProof(root, tree, 'other', undefined, proof)).toBe(true);
      expect(verifyProof(root, tree, 'k', Uint8Array.of(2), proof)).toBe(false);
      expect(decodeProof(proof)).toMatchObject({ bucket: [] });
    }
    // The absence proof of b at height 0 says nothing about height 1, where b exists.
    expect(verifyProof(h1.root, 'b', 'k', undefined, await state.at(0).prove('b', 'k'))).toBe(false);
    // A decoded proof of an unlisted tree with a bucket entry does not verify either.
    const forged = { ...decodeProof(await state.at(0).prove('b', 'k')), bucket: [{ kh: new Uint8Array(32), vh: new Uint8Array(32) }] };
    expect(verifyProof(h0.root, 'b', 'k', undefined, forged)).toBe(false);
  });

  it('refuses non-canonical encodings: one fact, one proof', async () => {
    const { state } = await freshState(undefined, engine);
    await state.put('b', 'k', Uint8Array.of(1));
    await state.put('a', 'k', Uint8Array.of(2));
    const { root } = await state.commit();
    const proof = decodeProof(await state.at(0).prove('b', 'k'));
    // Trees given in any order encode sorted by name bytes.
    const reversed = encodeProof({ ...proof, trees: new Map([...proof.trees].reverse()) });
    expect(reversed).toEqual(encodeProof(proof));
    const bytes = Buffer.from(encodeProof(proof));
    // Swap the two tree entries (1 + 1 + 32 bytes each, after version, name and count).
    const start = 1 + 1 + 1 + 2;
    const swapped = Buffer.concat([bytes.subarray(0, start), bytes.subarray(start + 34, start + 68), bytes.subarray(start, start + 34), bytes.subarray(start + 68)]);
    expectMalformed(() => verifyProof(root, 'b', 'k', Uint8Array.of(1), swapped), 'trees are not in strictly ascending name order');
    // Write the level-16 sibling (empty: one key per tree) out as 32 zero bytes.
    const bitmapAt = start + 68 + 4 + 64;
    expect(bytes.readUInt16BE(bitmapAt)).toBe(0xffff);
    const zero = Buffer.concat([bytes.subarray(0, bitmapAt), Buffer.of(0xff, 0xfe), Buffer.alloc(32)]);
    expectMalformed(() => decodeProof(zero), 'an empty sibling is written out instead of marked in the bitmap');
    // A byte-order mark before a name is part of the name, not a second spelling of it.
    const bom = Buffer.concat([Buffer.of(2, 4, 0xef, 0xbb, 0xbf), bytes.subarray(2)]);
    // (Stripped, it would decode as this very proof; kept, the claim names an unlisted tree.)
    expectMalformed(() => decodeProof(bom), 'a proof for a tree that is not listed carries a bucket or siblings');
  });
});

function expectMalformed(fn: () => unknown, reason: string): void {
  try {
    fn();
  } catch (err) {
    expect(isKeeprError(err, 'STATE_PROOF_MALFORMED')).toBe(true);
    expect((err as { details?: { reason?: string } }).details?.reason).toBe(reason);
    return;
  }
  expect.unreachable('accepted');
}
