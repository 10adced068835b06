// ./examples/engines.ts — any engine through open({ engine }); each engine is its own entry
import { Block, open } from 'keepr';
import { lmdbEngine } from 'keepr/lmdb';
import { memoryEngine } from 'keepr/memory';

const disk = await open({ engine: lmdbEngine(process.argv[2] ?? './data', { durability: 'write-cache', checkpointMs: 500 }) });
const cache = await open({ engine: memoryEngine(), cache: { maxEntries: 1000 } }); // transient: nothing on disk
for (const store of [disk, cache]) await (await store.source('s')).put('k', Block.from([1, 2, 3]));
console.log(disk.durability, cache.durability, (await (await cache.source('s')).get('k'))?.toJS());
await Promise.all([disk.close(), cache.close()]);
