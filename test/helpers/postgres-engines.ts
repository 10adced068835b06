/**
 * PostgreSQL engines for tests: the server `npm test` started (test/global/postgres-setup.ts)
 * or the one `KEEPR_PG_URL` names, and a fresh schema per call, dropped when the test ends.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onTestFinished } from 'vitest';
import { postgresEngine, type PostgresEngine, type PostgresEngineOptions } from '../../src/engine/postgres/index.js';

/** The test server's connection string. */
export function pgUrl(): string {
  const url = process.env['KEEPR_PG_URL'];
  if (url === undefined || url === '') throw new Error('KEEPR_PG_URL is not set: run the tests through vitest (its global setup starts PostgreSQL)');
  return url;
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string, url = pgUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A schema name no other test uses, dropped after the current test (call inside a test). */
export function freshSchema(url = pgUrl()): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  onTestFinished(() => dropSchema(schema, url));
  return schema;
}

/** A fresh, unopened engine on its own schema (call inside a test). */
export function freshPostgresEngine(options: PostgresEngineOptions = {}, url = pgUrl()): PostgresEngine {
  return postgresEngine(url, { schema: freshSchema(url), ...options });
}
