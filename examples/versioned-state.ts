// ./examples/versioned-state.ts — a Merkle root per height, reads and proofs at any height
import { Block, open, verifyProof } from 'keepr';

const store = await open(process.argv[2] ?? './data');
const chain = await store.state('chain');

await chain.put('accounts', 'alice', Block.from([100]));
await chain.put('accounts', 'bob', Block.from([5]));
const h0 = await chain.commit(); // height 0: one transaction, one root

await chain.apply([{ op: 'put', tree: 'accounts', key: 'alice', value: Block.from([90]) }]);
const old = await chain.at(0).get('accounts', 'alice'); // still readable at height 0
const proof = await chain.at(0).prove('accounts', 'alice'); // checkable without the store
console.log(h0.height, (old as Block).toJS(), proof.length, verifyProof(h0.root, 'accounts', 'alice', old, proof));
await store.close();
