/** A real keepr server on 127.0.0.1 and a client connected to it, torn down when the test ends. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { connect, type KeeprClient } from '../../src/client/index.js';
import type { Store } from '../../src/store/index.js';
import { buildServer, type ServerOptions } from '../../src/server/index.js';
import { storeTarget, type EngineName } from '../helpers/store-targets.js';

/** A listening server, its store and its URL. */
export interface LiveServer {
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly url: string;
}

/** Starts a server on a fresh store (LMDB in a temp dir unless told), on a free port. */
export async function liveServer(options: ServerOptions = {}, engine: EngineName = 'lmdb'): Promise<LiveServer> {
  const store = await storeTarget(engine).open();
  const app = buildServer(store, options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Server first, then store: the server must not answer from a closed store.
  onTestFinished(async () => {
    await app.close();
    await store.close();
  });
  const { port } = app.server.address() as AddressInfo;
  return { store, app, url: `http://127.0.0.1:${port}` };
}

/** A live server and a client of it. */
export async function liveClient(options: ServerOptions = {}, token?: string, engine: EngineName = 'lmdb'): Promise<LiveServer & { client: KeeprClient }> {
  const server = await liveServer(options, engine);
  const client = await connect(server.url, token === undefined ? {} : { token });
  onTestFinished(() => client.close());
  return { ...server, client };
}
