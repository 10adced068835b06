/**
 * Vitest global setup: one PostgreSQL server for the whole run, unless `KEEPR_PG_URL` already
 * points at one. Its URL reaches the test workers as `KEEPR_PG_URL` (workers are forked after
 * this runs and inherit the environment). Tests that stop and restart PostgreSQL start their own.
 */
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';

let server: PostgresServer | undefined;

/** Starts the shared server. */
export async function setup(): Promise<void> {
  if (process.env['KEEPR_PG_URL'] !== undefined && process.env['KEEPR_PG_URL'] !== '') return;
  server = await startPostgres();
  process.env['KEEPR_PG_URL'] = server.url;
}

/** Stops it and removes its folder. */
export function teardown(): void {
  server?.stop();
}
