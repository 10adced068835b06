/** The LMDB engine (keepr's default engine). */
export { LmdbEngine } from './lmdb-engine.js';
export type { LmdbEngineConfig } from './lmdb-engine-config.js';
