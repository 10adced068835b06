// ./examples/quickstart.ts — the README quickstart; run: npx tsx examples/quickstart.ts [dir]
import { Block, open } from 'keepr';

const store = await open(process.argv[2] ?? './data'); // an LMDB store in ./data
const prices = await store.source('prices');
await prices.put('btc/2024', Block.from([[42000.5, 43100], [null, 44000]]));
const block = await prices.get('btc/2024');
console.log(block?.type, block?.shape, block?.toJS()); // float64 [ 2, 2 ] [ [ 42000.5, 43100 ], [ null, 44000 ] ]
await store.close();
