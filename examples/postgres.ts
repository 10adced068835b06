// ./examples/postgres.ts — a store in PostgreSQL: every process that opens the same URL and schema shares it
import { Block, open } from 'keepr';
import { postgresEngine } from 'keepr/postgres';

const url = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const store = await open({ engine: postgresEngine(url, { schema: process.argv[3] ?? 'keepr' }), cache: { maxEntries: 10_000 } });
await (await store.source('prices')).put('btc', Block.from([42000.5]));
const chain = await store.state('chain');
await chain.put('accounts', 'alice', Block.from(100));
console.log((await (await store.source('prices')).get('btc'))?.toJS(), (await chain.commit()).height);
await store.close();
