/** The LMDB engine (keepr's default engine): the `keepr/lmdb` entry. */
import { resolve } from 'node:path';
import { LmdbEngine } from './lmdb-engine.js';
import type { LmdbEngineConfig } from './lmdb-engine-config.js';

export { LmdbEngine } from './lmdb-engine.js';
export type { RecoveryReport } from './lmdb-recovery.js';
export { SUGGESTED_COMPRESSION_THRESHOLD, type LmdbDurability, type LmdbEngineConfig } from './lmdb-engine-config.js';

/** Options of {@link lmdbEngine}: the LMDB engine's options but its directory. */
export type LmdbEngineOptions = Omit<LmdbEngineConfig, 'path'>;

/** An LMDB engine over directory `path` (created when missing), for `open({ engine })`. */
export function lmdbEngine(path: string, options: LmdbEngineOptions = {}): LmdbEngine {
  return new LmdbEngine({ ...options, path: resolve(path) });
}
export { lmdbFiles, type LmdbSalvageReport } from './lmdb-files.js';
