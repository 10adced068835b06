/**
 * Storage for store-level tests on every persistent engine: a target opens a store on the same
 * storage each time it is asked (a fresh LMDB or LevelDB folder, a fresh PostgreSQL schema), so a test can
 * open a second store beside the first one or reopen after closing. Call inside a test; stores
 * are closed and storage removed when it ends.
 */
import { onTestFinished } from 'vitest';
import { levelEngine } from '../../src/engine/level/index.js';
import { lmdbEngine } from '../../src/engine/lmdb/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import { open, type Store } from '../../src/store/index.js';
import { freshSchema, pgUrl } from './postgres-engines.js';
import { makeTmpDir } from './tmp-dir.js';

/** Persistent engines every engine-independent store test runs over. */
export const PERSISTENT_ENGINES = ['lmdb', 'level', 'postgres'] as const;

/** An engine name the targets know. */
export type EngineName = (typeof PERSISTENT_ENGINES)[number] | 'memory';

/** Where a test's stores live. */
export interface StoreTarget {
  readonly engine: EngineName;
  /** Opens a store on the target's storage (closed after the test). */
  open(): Promise<Store>;
}

/** Fresh storage on `engine`; `memory` targets open only once (nothing outlives a memory store). */
export function storeTarget(engine: EngineName, durability: 'sync' | 'write-cache' = 'sync'): StoreTarget {
  let opened = 0;
  const track = async (opening: Promise<Store>): Promise<Store> => {
    const store = await opening;
    onTestFinished(() => store.close());
    return store;
  };
  switch (engine) {
    case 'lmdb': {
      const dir = makeTmpDir();
      return { engine, open: () => track(durability === 'sync' ? open(dir) : open({ engine: lmdbEngine(dir, { durability }) })) };
    }
    case 'level': {
      const dir = makeTmpDir('keepr-level-');
      return { engine, open: () => track(open({ engine: levelEngine(dir, { durability }) })) };
    }
    case 'postgres': {
      const url = pgUrl();
      const schema = freshSchema(url);
      return { engine, open: () => track(open({ engine: postgresEngine(url, { schema, durability }) })) };
    }
    case 'memory':
      return {
        engine,
        open: () => {
          if (opened++ > 0) throw new Error('a memory store cannot be opened twice');
          return track(open({ engine: memoryEngine() }));
        },
      };
  }
}
