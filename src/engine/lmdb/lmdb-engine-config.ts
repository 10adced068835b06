/** Options of the LMDB engine. */
import { checkConfigKeys, diskDurability, optionError as bad, positiveOption as positive } from '../engine-options.js';

/** File name of the LMDB data file inside the store directory (the lock file sits next to it). */
export const LMDB_FILE_NAME = 'keepr.mdb';
/** Folder of the commit logs inside the store directory. */
export const LOG_DIR_NAME = 'wal';

/**
 * When a write is acknowledged: `sync` once it is on disk, `write-cache` once it is committed
 * in memory (on disk within `flushDelayMs` plus one flush).
 */
export type LmdbDurability = 'sync' | 'write-cache';

/** Options of {@link LmdbEngine}. */
export interface LmdbEngineConfig {
  /** Store directory; created when missing. It holds `keepr.mdb`, LMDB's lock file and `wal/`. */
  readonly path: string;
  /** Initial map size in bytes (default 64 GiB of address space on 64-bit machines); lmdb-js grows the map on demand. */
  readonly mapSize?: number;
  /** Default `sync`. */
  readonly durability?: LmdbDurability;
  /**
   * False (default): a damaged commit log stops the open with `STORE_CORRUPT`, changing nothing.
   * True: recovery replays what comes before the damage, moves the damaged logs to
   * `<path>/wal-salvaged/` and reports what it could not apply (`engine.recovery`).
   */
  readonly salvage?: boolean;
  /** `write-cache`: longest delay before an acknowledged write starts its flush (default 100 ms). */
  readonly flushDelayMs?: number;
  /** How often LMDB is synced and covered log segments are deleted (default 1,000 ms). */
  readonly checkpointMs?: number;
  /** Size at which a log segment is sealed (default 64 MiB). */
  readonly segmentBytes?: number;
  /**
   * LZ4-compress values of at least `threshold` bytes when that saves space (lmdb-js's built-in
   * compression). Off by default: measured in `npm run bench` (WC), it halves write speed and
   * quarters read speed of compressible blocks (docs/operations.md). Reading is always possible.
   */
  readonly compression?: false | { readonly threshold: number };
}

/** A threshold worth choosing when disk space matters more than speed (small blocks fit pages). */
export const SUGGESTED_COMPRESSION_THRESHOLD = 1024;

/** Config with defaults applied. */
export interface ResolvedLmdbEngineConfig {
  readonly path: string;
  readonly mapSize: number | undefined;
  readonly durability: LmdbDurability;
  readonly salvage: boolean;
  readonly flushDelayMs: number;
  readonly checkpointMs: number;
  readonly segmentBytes: number;
  /** Compression of large values (a resolved config is itself a valid config). */
  readonly compression: false | { readonly threshold: number };
}

const KNOWN_OPTIONS = new Set(['path', 'mapSize', 'durability', 'salvage', 'flushDelayMs', 'checkpointMs', 'segmentBytes', 'compression']);

function compression(value: unknown): false | { readonly threshold: number } {
  if (value === undefined || value === false) return false;
  const threshold: unknown = typeof value === 'object' && value !== null ? (value as { threshold?: unknown }).threshold : undefined;
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 32) {
    throw bad('compression', 'compression must be false or { threshold } with a threshold of at least 32 bytes');
  }
  return { threshold };
}



/** Validates an LMDB engine config (throws `OPTION_INVALID`) and applies defaults. */
export function resolveLmdbEngineConfig(config: LmdbEngineConfig): ResolvedLmdbEngineConfig {
  checkConfigKeys(config, KNOWN_OPTIONS, 'lmdb');
  const { path, salvage = false } = config;
  if (typeof path !== 'string' || path.length === 0) throw bad('path', 'path must be a non-empty string');
  const mapSize = config.mapSize === undefined ? undefined : positive(config.mapSize, 'mapSize', 0);
  const durability = diskDurability(config.durability, 'lmdb');
  if (typeof salvage !== 'boolean') throw bad('salvage', 'salvage must be a boolean');
  return {
    path,
    mapSize,
    durability,
    salvage,
    flushDelayMs: positive(config.flushDelayMs, 'flushDelayMs', 100),
    checkpointMs: positive(config.checkpointMs, 'checkpointMs', 1000),
    segmentBytes: positive(config.segmentBytes, 'segmentBytes', 64 * 1024 * 1024),
    compression: compression(config.compression),
  };
}
