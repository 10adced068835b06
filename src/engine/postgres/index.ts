/** The PostgreSQL engine (many processes and machines share one database): the `keepr/postgres` entry. */
import { PostgresEngine } from './postgres-engine.js';
import type { PostgresEngineConfig } from './postgres-config.js';

export { PostgresEngine } from './postgres-engine.js';
export type { PostgresDurability, PostgresEngineConfig } from './postgres-config.js';

/** Options of {@link postgresEngine}: the engine's options but its connection string. */
export type PostgresEngineOptions = Omit<PostgresEngineConfig, 'url'>;

/** A PostgreSQL engine over the database at `url` (tables in schema `keepr` unless told), for `open({ engine })`. */
export function postgresEngine(url: string, options: PostgresEngineOptions = {}): PostgresEngine {
  return new PostgresEngine({ ...options, url });
}
export { postgresStoreExists, type PostgresSchemaOptions } from './postgres-store-check.js';
export { distributePostgresStore, type DistributeOptions, type DistributeReport, type TableDistribution } from './postgres-distribute.js';
