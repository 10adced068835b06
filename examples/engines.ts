// ./examples/engines.ts — any engine through open({ engine }); each engine is its own entry
import { Block, open } from 'keepr';
import { levelEngine } from 'keepr/level';
import { lmdbEngine } from 'keepr/lmdb';
import { memoryEngine } from 'keepr/memory';

const dir = process.argv[2] ?? './data';
const disk = await open({ engine: lmdbEngine(dir, { durability: 'write-cache', checkpointMs: 500 }) });
const level = await open({ engine: levelEngine(`${dir}-level`) }); // LevelDB: one process at a time
const cache = await open({ engine: memoryEngine(), cache: { maxEntries: 1000 } }); // transient: nothing on disk
for (const store of [disk, level, cache]) await (await store.source('s')).put('k', Block.from([1, 2, 3]));
console.log(disk.durability, level.durability, cache.durability, (await (await level.source('s')).get('k'))?.toJS());
await Promise.all([disk.close(), level.close(), cache.close()]);
