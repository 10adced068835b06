/** The contender families by name. */
import { join } from 'node:path';
import { levelEngine } from '../../src/engine/level/index.js';
import { open } from '../../src/index.js';
import { KeeprAdapter } from './keepr.js';
import { LevelAdapter } from './level.js';
import { LmdbAdapter } from './lmdb.js';
import { KeeprPgAdapter, PgAdapter } from './postgres.js';
import { SqliteAdapter } from './sqlite.js';
import type { Adapter } from './types.js';

export type Family = 'keepr' | 'keepr-level' | 'lmdb' | 'level' | 'sqlite' | 'keepr-pg' | 'pg';

/** A new, closed adapter of `family`. */
export function createAdapter(family: string): Adapter {
  switch (family) {
    case 'keepr':
      return new KeeprAdapter();
    case 'keepr-level':
      // keepr on its LevelDB engine (durable: sync), beside raw classic-level (`level`).
      return new KeeprAdapter('keepr-level', (dir) => open({ engine: levelEngine(join(dir, 'keepr-level')) }));
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
