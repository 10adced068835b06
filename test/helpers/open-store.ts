/** Opens an LMDB store from plain, serialisable options (engine options and block-layer options together), as child processes of the crash tests receive them. */
import { lmdbEngine, type LmdbEngineOptions } from '../../src/engine/lmdb/index.js';
import type { BlockStoreOptions } from '../../src/keepr/index.js';
import { open, type Store } from '../../src/store/index.js';

/** LMDB engine options plus the block cache option, all plain data. */
export type StoreOptions = LmdbEngineOptions & BlockStoreOptions;

/** `open({ engine: lmdbEngine(dir, engine options), cache })`. */
export async function openStore(dir: string, options: StoreOptions = {}): Promise<Store> {
  const { cache, ...engine } = options;
  return open({ engine: lmdbEngine(dir, engine), ...(cache === undefined ? {} : { cache }) });
}
