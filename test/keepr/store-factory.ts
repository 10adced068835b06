/** Fresh stores for keepr tests, one per engine, closed when the test ends. */
import type { Store } from '../../src/store/index.js';
import { storeTarget } from '../helpers/store-targets.js';

/** Engines every keepr-level test runs over. */
export const STORE_ENGINES = ['lmdb', 'memory', 'level', 'postgres'] as const;

/** The engines of {@link STORE_ENGINES} with synchronous reads (`getSync`, `entriesSync`). */
export const SYNC_READ_ENGINES = ['lmdb', 'memory'] as const;

/** Opens a fresh store on `engine`; it is closed after the test. */
export async function freshStore(engine: (typeof STORE_ENGINES)[number]): Promise<Store> {
  return storeTarget(engine).open();
}
