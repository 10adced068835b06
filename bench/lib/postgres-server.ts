/**
 * The PostgreSQL server of a bench run: the one `--pg-url` or `KEEPR_PG_URL` names, or a fresh
 * one started for the run by the tests' starter (test/helpers/postgres-server.ts) with durable
 * commits (`fsync=on`, `full_page_writes=on`, PostgreSQL's defaults otherwise), stopped and
 * removed at the end. Without PostgreSQL's binaries the PostgreSQL contenders are skipped.
 */
import pg from 'pg';
import { postgresBinDir, startPostgres } from '../../test/helpers/postgres-server.js';
import { dropRunSchemas } from '../engines/postgres.js';

/** What the run got: a server to use, or why there is none. */
export interface BenchPostgres {
  /** The connection string, or undefined when there is no server. */
  readonly url: string | undefined;
  /** Why there is no server (the PostgreSQL contenders are skipped with this). */
  readonly missing?: string;
  /** One line saying where the server came from. */
  readonly origin: string;
  /** Drops the run's schemas and stops the server when the run started it. */
  stop(runDir: string): Promise<void>;
}

/** Settings reported beside the results (what durability and memory the server had). */
const SETTINGS = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_connections'] as const;

/** A server for the run: `given` (from --pg-url or KEEPR_PG_URL), or a fresh one. */
export async function providePostgres(given: string | undefined): Promise<BenchPostgres> {
  if (given !== undefined && given !== '') {
    return { url: given, origin: `PostgreSQL at ${redact(given)} (given)`, stop: (runDir) => dropQuietly(given, runDir) };
  }
  if (postgresBinDir() === undefined) {
    const missing = 'PostgreSQL server binaries not found under /usr/lib/postgresql (install the Debian package postgresql, or pass --pg-url)';
    return { url: undefined, missing, origin: missing, stop: async () => undefined };
  }
  // 100 connections is PostgreSQL's default and more than W8's 4 servers × 11 need.
  const server = await startPostgres({ fsync: true, fullPageWrites: true, maxConnections: 100 });
  return {
    url: server.url,
    origin: `PostgreSQL started for this run on 127.0.0.1:${server.port} (fsync on, full_page_writes on, max_connections 100, defaults otherwise; data under ${server.dataDir})`,
    stop: async () => {
      server.stop();
    },
  };
}

/** The server's version and durability settings, for the results file. */
export async function postgresSettings(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>('SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)', [SETTINGS]);
    return Object.fromEntries(rows.map((r) => [r.name, r.unit === null || r.unit === '' ? r.setting : `${r.setting} × ${r.unit}`]));
  } finally {
    await client.end();
  }
}

async function dropQuietly(url: string, runDir: string): Promise<void> {
  try {
    await dropRunSchemas(url, runDir);
  } catch (err) {
    console.log(`Could not drop the run's schemas on the given PostgreSQL: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
