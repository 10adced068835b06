/** The contender families by name. */
import { KeeprAdapter } from './keepr.js';
import { LevelAdapter } from './level.js';
import { LmdbAdapter } from './lmdb.js';
import { KeeprPgAdapter, PgAdapter } from './postgres.js';
import { SqliteAdapter } from './sqlite.js';
import type { Adapter } from './types.js';

export type Family = 'keepr' | 'lmdb' | 'level' | 'sqlite' | 'keepr-pg' | 'pg';

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
    case 'keepr-pg':
      return new KeeprPgAdapter();
    case 'pg':
      return new PgAdapter();
    default:
      throw new Error(`unknown engine family ${JSON.stringify(family)}`);
  }
}
