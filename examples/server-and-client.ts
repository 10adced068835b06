// ./examples/server-and-client.ts — serve a store over HTTP, and the same API from another process
import { Block, open } from 'keepr';
import { connect } from 'keepr/client';
import { buildServer } from 'keepr/server';

const store = await open(process.argv[2] ?? './data');
const app = buildServer(store);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const remote = await connect(url); // what another process or machine would do
await (await remote.source('prices')).put('btc', Block.from([42000.5]));
console.log((await (await store.source('prices')).get('btc'))?.toJS());
await remote.close();
await app.close(); // the server first, then its store
await store.close();
