/** Fresh stores for keepr tests, one per engine, closed when the test ends. */
import { onTestFinished } from 'vitest';
import { levelEngine } from '../../src/engine/level/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open, type Store } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** Engines every keepr-level test runs over. */
export const STORE_ENGINES = ['lmdb', 'memory', 'level'] as const;

/** The engines of {@link STORE_ENGINES} with synchronous reads (`getSync`, `entriesSync`). */
export const SYNC_READ_ENGINES = ['lmdb', 'memory'] as const;

/** Opens a fresh store on `engine`; it is closed after the test. */
export async function freshStore(engine: (typeof STORE_ENGINES)[number]): Promise<Store> {
  const store =
    engine === 'lmdb' ? await open(makeTmpDir()) : engine === 'level' ? await open({ engine: levelEngine(makeTmpDir('keepr-level-')) }) : await open({ engine: memoryEngine() });
  onTestFinished(() => store.close());
  return store;
}
