/** Options of the LMDB engine. */
import { KeeprError } from '../../errors.js';

/** File name of the LMDB data file inside the store directory (the lock file sits next to it). */
export const LMDB_FILE_NAME = 'keepr.mdb';

/** Options of {@link LmdbEngine}. */
export interface LmdbEngineConfig {
  /** Store directory; created when missing. It holds `keepr.mdb` and LMDB's lock file. */
  readonly path: string;
  /** Initial map size in bytes; lmdb-js grows the map on demand. */
  readonly mapSize?: number;
  /**
   * True (default): `write()` resolves once the transaction is flushed to disk. False: LMDB
   * runs with `noSync` and writes resolve on commit, so a machine crash may lose recent writes
   * (a process crash does not). Engines of one process on one directory share LMDB's
   * environment, so they must agree on this setting (opening fails with ENGINE_FAILURE).
   */
  readonly sync?: boolean;
}

/** Config with defaults applied. */
export interface ResolvedLmdbEngineConfig {
  readonly path: string;
  readonly mapSize: number | undefined;
  readonly sync: boolean;
}

const KNOWN_OPTIONS = new Set(['path', 'mapSize', 'sync']);

/** Validates an LMDB engine config (throws `OPTION_INVALID`) and applies defaults. */
export function resolveLmdbEngineConfig(config: LmdbEngineConfig): ResolvedLmdbEngineConfig {
  if (typeof config !== 'object' || (config as unknown) === null) {
    throw new KeeprError('OPTION_INVALID', 'lmdb engine config must be an object');
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_OPTIONS.has(key)) throw new KeeprError('OPTION_INVALID', `unknown lmdb engine option ${key}`, { details: { option: key } });
  }
  const { path, mapSize, sync = true } = config;
  if (typeof path !== 'string' || path.length === 0) {
    throw new KeeprError('OPTION_INVALID', 'path must be a non-empty string', { details: { option: 'path' } });
  }
  if (mapSize !== undefined && (!Number.isSafeInteger(mapSize) || mapSize <= 0)) {
    throw new KeeprError('OPTION_INVALID', 'mapSize must be a positive integer', { details: { option: 'mapSize' } });
  }
  if (typeof sync !== 'boolean') {
    throw new KeeprError('OPTION_INVALID', 'sync must be a boolean', { details: { option: 'sync' } });
  }
  return { path, mapSize, sync };
}
