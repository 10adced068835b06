/**
 * The PostgreSQL families: `keepr-pg` (keepr through its public API on `postgresEngine`) and `pg`
 * (plain `pg` statements on a table `(k bytea primary key, v bytea)`: the floor keepr adds its
 * overhead to). Both reach the server named by `KEEPR_PG_URL` (the driver sets it) and keep
 * their data in a schema of their own, named after the contender's data directory, so a
 * prepare step and the readers after it meet in the same schema.
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import pg from 'pg';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import { open, type Store } from '../../src/index.js';
import type { Entry } from '../lib/data.js';
import { KeeprAdapter } from './keepr.js';
import { unknownMethod, type Adapter, type Reader, type Scanner, type Visit } from './types.js';

/** The families that need a PostgreSQL server. */
export const POSTGRES_FAMILIES: readonly string[] = ['keepr-pg', 'pg'];

/** Rows per keyset page of the plain `pg` scan (keepr's engine grows its pages to 1,024 too). */
const PAGE_ROWS = 1024;

/** Connections per process, as keepr's engine pools by default. */
const POOL_SIZE = 10;

/** The server's connection string, from `KEEPR_PG_URL`. */
export function benchPgUrl(): string {
  const url = process.env['KEEPR_PG_URL'];
  if (url === undefined || url === '') throw new Error('KEEPR_PG_URL is not set: the bench driver sets it when it starts PostgreSQL (or pass --pg-url)');
  return url;
}

function hash(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/** The schema-name prefix of every schema of one run: contender directories live under `runDir`. */
export function runSchemaPrefix(runDir: string): string {
  return `kb_${hash(runDir, 8)}_`;
}

/** The schema of a contender's data directory (a valid, unquoted PostgreSQL and keepr schema name). */
export function schemaOf(dir: string): string {
  return `${runSchemaPrefix(dirname(dir))}${hash(basename(dir), 12)}`;
}

/** Drops every schema of the run under `runDir` (the data of every contender). */
export async function dropRunSchemas(url: string, runDir: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [runSchemaPrefix(runDir)]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
    return rows.length;
  } finally {
    await client.end();
  }
}

/** Bytes PostgreSQL holds for a schema's tables: `pg_total_relation_size` (heap, indexes, TOAST) summed. */
export async function schemaBytes(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string | null }>(
      "SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')",
      [schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}

/** Opens keepr on PostgreSQL in the schema of `dir` (durable commits: the engine's default `sync`). */
export function openKeeprPg(dir: string): Promise<Store> {
  return open({ engine: postgresEngine(benchPgUrl(), { schema: schemaOf(dir) }) });
}

/** keepr on `postgresEngine`: the keepr adapter with another store underneath. */
export class KeeprPgAdapter extends KeeprAdapter {
  override readonly family: string = 'keepr-pg';

  protected override openStore(dir: string): Promise<Store> {
    return openKeeprPg(dir);
  }
}

/** Plain `pg`: prepared statements on one table, autocommit (each statement its own durable transaction). */
export class PgAdapter implements Adapter {
  readonly family = 'pg';
  touched = 0;
  #pool: pg.Pool | undefined;
  #table = '';

  get pool(): pg.Pool {
    if (this.#pool === undefined) throw new Error('pg is not open');
    return this.#pool;
  }

  async open(dir: string): Promise<void> {
    const schema = schemaOf(dir);
    this.#table = `${schema}.kv`;
    this.#pool = new pg.Pool({ connectionString: benchPgUrl(), max: POOL_SIZE, application_name: 'keepr-bench-pg' });
    await this.#pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${this.#table} (k bytea PRIMARY KEY, v bytea NOT NULL)`);
  }

  async #run(name: string, text: string, values: unknown[]): Promise<unknown[][]> {
    const result = await this.pool.query<unknown[]>({ name, text, values, rowMode: 'array' });
    return result.rows;
  }

  async writeBatch(entries: readonly Entry[]): Promise<void> {
    // One statement, so one transaction: every row of the batch in a single round trip.
    await this.#run(
      'bench_upsert_many',
      `INSERT INTO ${this.#table} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`,
      [entries.map((e) => Buffer.from(e.key)), entries.map((e) => Buffer.from(e.block.bytes.buffer, e.block.bytes.byteOffset, e.block.bytes.byteLength))],
    );
  }

  async put({ key, block }: Entry): Promise<void> {
    await this.#run('bench_upsert', `INSERT INTO ${this.#table} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`, [
      Buffer.from(key),
      Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength),
    ]);
  }

  reader(method: string): Reader {
    if (method !== 'get') throw unknownMethod(this.family, 'read', method);
    const text = `SELECT v FROM ${this.#table} WHERE k = $1`;
    return {
      kind: 'async',
      get: async (key) => {
        const [row] = await this.#run('bench_get', text, [Buffer.from(key)]);
        if (row === undefined) return undefined;
        const value = row[0] as Buffer;
        this.touched += value.length;
        return value;
      },
    };
  }

  scanner(method: string): Scanner {
    if (method !== 'range') throw unknownMethod(this.family, 'scan', method);
    const first = `SELECT k, v FROM ${this.#table} ORDER BY k LIMIT ${PAGE_ROWS}`;
    const next = `SELECT k, v FROM ${this.#table} WHERE k > $1 ORDER BY k LIMIT ${PAGE_ROWS}`;
    return {
      kind: 'async',
      scan: async (visit: Visit) => {
        let n = 0;
        let after: Buffer | undefined;
        for (;;) {
          const rows = after === undefined ? await this.#run('bench_range_first', first, []) : await this.#run('bench_range_next', next, [after]);
          for (const [k, v] of rows) {
            const value = v as Buffer;
            this.touched += value.length;
            visit(k as Buffer, value);
            n++;
          }
          if (rows.length < PAGE_ROWS) return n;
          after = rows[rows.length - 1]![0] as Buffer;
        }
      },
    };
  }

  async close(): Promise<void> {
    await this.#pool?.end();
    this.#pool = undefined;
  }
}
