/** Options of the LevelDB engine. */
import { checkConfigKeys, diskDurability, optionError as bad, positiveOption as positive } from '../engine-options.js';

/**
 * When a write is acknowledged: `sync` once its LevelDB batch was written with `sync: true`
 * (on disk), `write-cache` once it is in LevelDB's log (survives a crash of the process; on
 * disk within `flushDelayMs`).
 */
export type LevelDurability = 'sync' | 'write-cache';

/** Options of {@link LevelEngine}; all but `path` optional. */
export interface LevelEngineConfig {
  /** Store directory (LevelDB's folder); created when missing. */
  readonly path: string;
  /** Default `sync`. */
  readonly durability?: LevelDurability;
  /** `write-cache`: longest delay before acknowledged writes are synced to disk (default 100 ms). */
  readonly flushDelayMs?: number;
  /** LevelDB's block cache in bytes (default 8 MiB). */
  readonly cacheSize?: number;
  /** LevelDB's memtable size in bytes before it is written out as a table file (default 4 MiB). */
  readonly writeBufferSize?: number;
  /** Snappy compression of table blocks (default true; values are stored as given either way). */
  readonly compression?: boolean;
}

/** Config with defaults applied. */
export interface ResolvedLevelEngineConfig {
  readonly path: string;
  readonly durability: LevelDurability;
  readonly flushDelayMs: number;
  readonly cacheSize: number;
  readonly writeBufferSize: number;
  readonly compression: boolean;
}

const KNOWN_OPTIONS = new Set(['path', 'durability', 'flushDelayMs', 'cacheSize', 'writeBufferSize', 'compression']);



/** Validates a LevelDB engine config (throws `OPTION_INVALID`) and applies defaults. */
export function resolveLevelEngineConfig(config: LevelEngineConfig): ResolvedLevelEngineConfig {
  checkConfigKeys(config, KNOWN_OPTIONS, 'level');
  const { path, compression = true } = config;
  if (typeof path !== 'string' || path.length === 0) throw bad('path', 'path must be a non-empty string');
  const durability = diskDurability(config.durability, 'level');
  if (typeof compression !== 'boolean') throw bad('compression', 'compression must be a boolean');
  return {
    path,
    durability,
    flushDelayMs: positive(config.flushDelayMs, 'flushDelayMs', 100),
    cacheSize: positive(config.cacheSize, 'cacheSize', 8 * 1024 * 1024),
    writeBufferSize: positive(config.writeBufferSize, 'writeBufferSize', 4 * 1024 * 1024),
    compression,
  };
}
