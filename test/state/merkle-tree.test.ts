import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MerkleTree, changedGroups, type PathChange } from '../../src/state/merkle-tree.js';
import { compareHashes } from '../../src/state/state-hash.js';

const hash = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A key path in one of a few buckets (first two bytes fixed), so buckets fill, merge and empty. */
function path(i: number): Uint8Array {
  const kh = hash(`k${i}`);
  kh[0] = 0x12;
  kh[1] = i % 5;
  return kh;
}

describe('MerkleTree staging', () => {
  it('stages puts, overwrites, repeated paths and deletes exactly as a fresh build of the result', () => {
    const model = new Map<string, { kh: Uint8Array; vh: Uint8Array }>();
    const tree = MerkleTree.build([]);
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 40; round++) {
      const changes: PathChange[] = [];
      for (let c = 0; c < 1 + next(30); c++) {
        const kh = next(3) === 0 ? hash(`far${next(50)}`) : path(next(40));
        // Deletes (also of absent paths) and several changes to one path in a round: the last wins.
        const vh = next(4) === 0 ? undefined : hash(`v${round}.${c}`);
        changes.push({ kh, vh });
        if (vh === undefined) model.delete(hex(kh));
        else model.set(hex(kh), { kh, vh });
      }
      const delta = tree.stage(changes);
      const groups = changedGroups(tree, delta);
      tree.apply(delta);
      const fresh = MerkleTree.build([...model.values()].sort((a, b) => compareHashes(a.kh, b.kh)));
      expect(hex(delta.root)).toBe(hex(fresh.root));
      expect(hex(tree.root)).toBe(hex(fresh.root));
      expect(tree.size).toBe(model.size);
      expect([...tree.nodes()].map((n) => `${n.level}/${n.index}/${hex(n.hash)}`)).toEqual([...fresh.nodes()].map((n) => `${n.level}/${n.index}/${hex(n.hash)}`));
      // Every group record a delta names holds what the tree has once it is applied.
      for (const [level, index, hashes] of groups) expect(hashes.map(hex)).toEqual(tree.groupHashes(level, index).map(hex));
    }
  });

  it('keeps its root for an empty change set', () => {
    const tree = MerkleTree.build([{ kh: path(1), vh: hash('v') }]);
    const delta = tree.stage([]);
    expect(hex(delta.root)).toBe(hex(tree.root));
    expect(delta.levels).toEqual([]);
  });
});
