/** A store and a server on it (not listening; use `inject`), closed when the test ends. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { onTestFinished } from 'vitest';
import type { Block } from '../../src/block/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open, type Store } from '../../src/store/index.js';
import { buildServer, type ServerOptions } from '../../src/server/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** Media type of binary blocks. */
export const BLOCK = 'application/vnd.keepr.block';

/** Opens a store (lmdb in a temp dir, or `memory`) and builds a server on it. */
export async function serverFixture(options: ServerOptions = {}, engine: 'lmdb' | 'memory' = 'lmdb'): Promise<{ store: Store; app: FastifyInstance }> {
  const store = engine === 'memory' ? await open({ engine: memoryEngine() }) : await open(makeTmpDir());
  const app = buildServer(store, options);
  // Server first, then store: the server must not answer from a closed store.
  onTestFinished(async () => {
    await app.close();
    await store.close();
  });
  await app.ready();
  return { store, app };
}

/** PUTs a block in its binary form. */
export function putBlock(app: FastifyInstance, url: string, block: Block, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'PUT', url, headers: { 'content-type': BLOCK, ...headers }, payload: Buffer.from(block.bytes) });
}
