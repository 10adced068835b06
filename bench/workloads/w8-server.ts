/**
 * One keepr server process of W8: `buildServer` over a store on `postgresEngine` (the schema W8
 * prepared), on 127.0.0.1 and a free port, which it prints as one JSON line `{ "port": n }`.
 * It stops on SIGTERM (closing the server and the store) or when its parent goes away.
 *
 *   node bench/workloads/w8-server.js <postgres url> <schema>
 */
import type { AddressInfo } from 'node:net';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import { open } from '../../src/index.js';
import { buildServer } from '../../src/server/index.js';

async function main(): Promise<void> {
  const [url = '', schema = ''] = process.argv.slice(2);
  // Default engine options: durable commits, 10 pooled connections, NOTIFY on (servers share the schema).
  const store = await open({ engine: postgresEngine(url, { schema }) });
  const app = buildServer(store, { metrics: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const stop = async (): Promise<void> => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  // The W8 child holds our stdin open: when it dies without stopping us, we stop too.
  process.stdin.on('end', () => void stop()).resume();
  process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
}

await main();
