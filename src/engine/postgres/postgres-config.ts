/** Options of the PostgreSQL engine. */
import { checkConfigKeys, diskDurability, optionError as bad, positiveOption as positive } from '../engine-options.js';

/**
 * When a write is acknowledged: `sync` once PostgreSQL has flushed its commit record to disk
 * (`synchronous_commit = on`), `write-cache` once it has committed in memory
 * (`synchronous_commit = off`: on disk within three times `wal_writer_delay`, 600 ms by default).
 */
export type PostgresDurability = 'sync' | 'write-cache';

/** Options of {@link PostgresEngine}. */
export interface PostgresEngineConfig {
  /** Connection string, `postgres://user:password@host:port/database` (libpq URL form). */
  readonly url: string;
  /**
   * PostgreSQL schema that holds the store's tables (default `keepr`): one database holds many
   * stores, one per schema. 1 to 63 characters of `a-z`, `0-9` and `_`, starting with a letter.
   */
  readonly schema?: string;
  /** Default `sync`. */
  readonly durability?: PostgresDurability;
  /** Most pooled connections for reads and writes (default 10); snapshots use their own. */
  readonly poolSize?: number;
  /**
   * Tell other processes about each commit with one `NOTIFY` so their block caches stay
   * coherent (default true). Turn off only when no other process shares the schema.
   */
  readonly notify?: boolean;
  /** Milliseconds to wait for a connection before failing with `ENGINE_UNAVAILABLE` (default 10,000). */
  readonly connectTimeoutMs?: number;
}

/** Config with defaults applied. */
export interface ResolvedPostgresEngineConfig {
  readonly url: string;
  readonly schema: string;
  readonly durability: PostgresDurability;
  readonly poolSize: number;
  readonly notify: boolean;
  readonly connectTimeoutMs: number;
}

/** Schema names keepr accepts: safe to splice into SQL without quoting. */
export const SCHEMA_NAME_RULE = /^[a-z][a-z0-9_]{0,62}$/;

const KNOWN_OPTIONS = new Set(['url', 'schema', 'durability', 'poolSize', 'notify', 'connectTimeoutMs']);



/** Validates a PostgreSQL engine config (throws `OPTION_INVALID`) and applies defaults. */
export function resolvePostgresEngineConfig(config: PostgresEngineConfig): ResolvedPostgresEngineConfig {
  checkConfigKeys(config, KNOWN_OPTIONS, 'postgres', 'url');
  const { url, schema = 'keepr', notify = true } = config;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw bad('url', 'url must be a postgres:// or postgresql:// connection string');
  }
  if (typeof schema !== 'string' || !SCHEMA_NAME_RULE.test(schema)) {
    throw bad('schema', 'schema must be 1 to 63 characters of a-z, 0-9 and _, starting with a letter');
  }
  const durability = diskDurability(config.durability, 'postgres');
  if (typeof notify !== 'boolean') throw bad('notify', 'notify must be a boolean');
  return {
    url,
    schema,
    durability,
    notify,
    poolSize: positive(config.poolSize, 'poolSize', 10, 1000),
    connectTimeoutMs: positive(config.connectTimeoutMs, 'connectTimeoutMs', 10_000, 3_600_000),
  };
}
