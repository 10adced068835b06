/** The LMDB engine (keepr's default engine). */
export { LmdbEngine } from './lmdb-engine.js';
export type { BadRecord, RecordCheckReport } from './lmdb-record-check.js';
export { SUGGESTED_COMPRESSION_THRESHOLD, type LmdbDurability, type LmdbEngineConfig } from './lmdb-engine-config.js';
