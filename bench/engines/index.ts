/** The contender families by name. */
import { KeeprAdapter } from './keepr.js';
import { LevelAdapter } from './level.js';
import { LmdbAdapter } from './lmdb.js';
import { SqliteAdapter } from './sqlite.js';
import type { Adapter } from './types.js';

export type Family = 'keepr' | 'lmdb' | 'level' | 'sqlite';

/** A new, closed adapter of `family`. */
export function createAdapter(family: string): Adapter {
  switch (family) {
    case 'keepr':
      return new KeeprAdapter();
    case 'lmdb':
      return new LmdbAdapter();
    case 'level':
      return new LevelAdapter();
    case 'sqlite':
      return new SqliteAdapter();
    default:
      throw new Error(`unknown engine family ${JSON.stringify(family)}`);
  }
}
