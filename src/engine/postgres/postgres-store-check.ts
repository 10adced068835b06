/**
 * Looking at a schema without opening a store on it (opening creates the tables): whether it
 * holds a keepr store, for tools such as the CLI that must not create a store by a typo.
 */
import pg from 'pg';
import { clientConfig, run } from './postgres-connections.js';
import { resolvePostgresEngineConfig, type ResolvedPostgresEngineConfig } from './postgres-config.js';
import { postgresFailure } from './postgres-errors.js';

/** The tables of a store, in the order they are created. */
export const STORE_TABLES = ['keepr_meta', 'namespaces', 'entries'] as const;

/** Options of the schema tools: the schema (default `keepr`) and how long to wait for a connection. */
export interface PostgresSchemaOptions {
  /** PostgreSQL schema of the store (default `keepr`). */
  readonly schema?: string;
  /** Milliseconds to wait for the connection (default 10,000). */
  readonly connectTimeoutMs?: number;
}

/** Which of the store's tables exist in `schema`. */
export async function existingTables(client: pg.ClientBase, schema: string): Promise<Set<string>> {
  const rows = await run(
    client,
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname = ANY($2::text[])`,
    [schema, [...STORE_TABLES]],
  );
  return new Set(rows.map((row) => String(row[0])));
}

/** Runs `work` on one connection of its own (validating url and schema first: `OPTION_INVALID`). */
export async function withSchemaClient<T>(url: string, options: PostgresSchemaOptions, what: string, work: (client: pg.Client, config: ResolvedPostgresEngineConfig) => Promise<T>): Promise<T> {
  const config = resolvePostgresEngineConfig({ url, ...(options.schema === undefined ? {} : { schema: options.schema }), ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }) });
  const client = new pg.Client(clientConfig(config));
  // A connection that breaks while idle must not crash the process; the query in flight fails.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client, config);
  } catch (err) {
    throw postgresFailure(err, what);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when `schema` of the database at `url` holds a keepr store (its tables exist); creates nothing. */
export async function postgresStoreExists(url: string, options: PostgresSchemaOptions = {}): Promise<boolean> {
  return withSchemaClient(url, options, 'store check', async (client, config) => (await existingTables(client, config.schema)).has('keepr_meta'));
}
