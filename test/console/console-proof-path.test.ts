/** The proof inspector's walk (web/console/lib/proof-path.ts) against real proofs, in Node. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { decodeProof } from '../../src/state/index.js';
import { open } from '../../src/store/index.js';
import { fromBase64Url, proofPath, sameBytes, toBase64Url } from '../../web/console/lib/proof-path.js';

describe('console proof path', () => {
  it('arrives at the listed tree root and the state root, and finds the key in its bucket', async () => {
    const store = await open({ engine: memoryEngine() });
    try {
      const state = await store.state('s');
      const { root } = await state.apply(Array.from({ length: 50 }, (_, i) => ({ op: 'put' as const, tree: i % 2 === 0 ? 'a' : 'b', key: `k${i}`, value: Uint8Array.of(i) })));
      for (const [key, present] of [['k4', true], ['nope', false]] as const) {
        const proof = decodeProof(await state.at(0).prove('a', key));
        const walk = proofPath(proof, new TextEncoder().encode(key));
        expect(walk.levels).toHaveLength(16);
        expect(sameBytes(walk.computedTreeRoot, walk.listedTreeRoot)).toBe(true);
        expect(sameBytes(walk.stateRoot, root)).toBe(true);
        expect(walk.entry >= 0).toBe(present);
      }
    } finally {
      await store.close();
    }
  });

  it('round-trips base64url and reads base64 with padding too', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).not.toMatch(/[+/=]/);
        expect(fromBase64Url(text)).toEqual(bytes);
        expect(fromBase64Url(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
      }),
    );
    expect(() => fromBase64Url('a*b')).toThrow();
  });
});
