/**
 * Writes test/fixtures/state-vectors.json: the golden vectors that pin state roots and a proof.
 * Run it only when the state hashing changes on purpose (docs/state.md then changes too).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Block } from '../src/block/index.js';
import { open } from '../src/store/index.js';
import { bucketHash, keyPath, nodeHash, stateRoot, valueHash } from '../src/state/index.js';

const writes = [
  { height: 0, tree: 'accounts', key: 'alice', value: 'ten' },
  { height: 0, tree: 'accounts', key: 'bob', value: 'five' },
  { height: 0, tree: 'apps', key: 'relay', value: 'on', block: true },
  { height: 1, tree: 'accounts', key: 'alice', value: 'nine' },
  { height: 1, tree: 'accounts', key: 'carol', value: 'one' },
  { height: 2, tree: 'accounts', key: 'bob', value: null },
  { height: 2, tree: 'params', key: 'fee', value: '0.01', block: true },
];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'keepr-vectors-'));
const store = await open(dir);
const state = await store.state('vectors');
const roots: string[] = [];
for (const h of [0, 1, 2]) {
  for (const w of writes.filter((x) => x.height === h)) {
    if (w.value === null) await state.delete(w.tree, w.key);
    else await state.put(w.tree, w.key, w.block === true ? Block.from(w.value) : Buffer.from(w.value));
  }
  roots.push((await state.commit()).rootHex);
}
const proof = { height: 1, tree: 'accounts', key: 'bob', hex: hex(await state.at(1).prove('accounts', 'bob')) };
await store.close();
rmSync(dir, { recursive: true, force: true });
const kh = keyPath(Buffer.from('alice'));
const vh = valueHash('bytes', Buffer.from('ten'));
const primitives = {
  keyPath: hex(kh),
  valueHash: hex(vh),
  bucketHash: hex(bucketHash([{ kh, vh }])),
  nodeHash: hex(nodeHash(kh, vh)),
  stateRoot: hex(stateRoot(new Map([['t', kh]]))),
};
writeFileSync(new URL('../test/fixtures/state-vectors.json', import.meta.url), JSON.stringify({ writes, roots, proof, primitives }, null, 2) + '\n');
console.log('wrote state vectors:', roots.join(' '));
