/**
 * `keepr pg distribute`: turns a store's tables into Citus tables where the `citus` extension
 * is installed: `keepr_meta` and `namespaces` become reference tables (a copy on every node),
 * `entries` is distributed by `ns` (every statement on it names one namespace, docs/postgres.md).
 * Without Citus it refuses with `CITUS_NOT_INSTALLED` and changes nothing.
 */
import type pg from 'pg';
import { KeeprError } from '../../errors.js';
import { run } from './postgres-connections.js';
import { STORE_TABLES, existingTables, withSchemaClient, type PostgresSchemaOptions } from './postgres-store-check.js';

/** Options of {@link distributePostgresStore}. */
export interface DistributeOptions extends PostgresSchemaOptions {
  /** Send nothing that changes the database: only find out which statements would run (default false). */
  readonly dryRun?: boolean;
}

/** How one table ends up: made a Citus table now, or already one before. */
export type TableDistribution = 'reference' | 'distributed' | 'already-reference' | 'already-distributed';

/** What {@link distributePostgresStore} did (or, with `dryRun`, would do). */
export interface DistributeReport {
  readonly schema: string;
  /** True when the citus extension is installed in the database. */
  readonly citus: boolean;
  readonly dryRun: boolean;
  /** Each table (schema-qualified) and what became (or would become) of it. */
  readonly tables: readonly { readonly table: string; readonly distribution: TableDistribution }[];
  /** The statements sent in the transaction (with `dryRun`: that would be sent), in order. */
  readonly statements: readonly string[];
}

/** The Citus kind keepr wants for each table: `n` (reference) or `h` (hash-distributed). */
const WANTED: Record<(typeof STORE_TABLES)[number], 'n' | 'h'> = { keepr_meta: 'n', namespaces: 'n', entries: 'h' };

/** The statement that makes `table` of `schema` the Citus table keepr wants (schema names are checked: no quoting needed). */
export function distributeStatement(schema: string, table: (typeof STORE_TABLES)[number]): string {
  return WANTED[table] === 'n' ? `SELECT create_reference_table('${schema}.${table}')` : `SELECT create_distributed_table('${schema}.${table}', 'ns')`;
}

async function citusInstalled(client: pg.ClientBase): Promise<boolean> {
  return (await run(client, `SELECT 1 FROM pg_extension WHERE extname = 'citus'`, [])).length > 0;
}

/** The store's tables Citus knows already, with their partition method (`n` reference, `h` hash). */
async function citusTables(client: pg.ClientBase, schema: string): Promise<Map<string, string>> {
  const rows = await run(
    client,
    `SELECT c.relname, p.partmethod FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
    [schema],
  );
  return new Map(rows.map((row) => [String(row[0]), String(row[1])]));
}

/**
 * Makes the store in `schema` (default `keepr`) of the database at `url` a Citus store, in one
 * transaction: `create_reference_table` for `keepr_meta` and `namespaces`,
 * `create_distributed_table(entries, 'ns')`, skipping tables Citus already has. Throws
 * `CITUS_NOT_INSTALLED` (changing nothing) when the extension is absent, `OPTION_INVALID` when
 * the schema holds no store, and `ENGINE_FAILURE` (a table distributed another way, a Citus
 * error) with the transaction rolled back.
 */
export async function distributePostgresStore(url: string, options: DistributeOptions = {}): Promise<DistributeReport> {
  const dryRun = options.dryRun === true;
  return withSchemaClient(url, options, 'distribute', async (client, config) => {
    const { schema } = config;
    const citus = await citusInstalled(client);
    if (!citus && !dryRun) {
      throw new KeeprError('CITUS_NOT_INSTALLED', `the citus extension is not installed in this database (CREATE EXTENSION citus on a Citus coordinator first); nothing was changed`, { details: { schema } });
    }
    const tables = await existingTables(client, schema);
    const missing = STORE_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      throw new KeeprError('OPTION_INVALID', `schema ${schema} holds no keepr store (missing table${missing.length === 1 ? '' : 's'} ${missing.join(', ')}): open the store once first, e.g. keepr stat --engine postgres`, {
        details: { option: 'schema', schema, missing },
      });
    }
    const known = citus ? await citusTables(client, schema) : new Map<string, string>();
    const plan = STORE_TABLES.map((table) => {
      const method = known.get(table);
      const wanted = WANTED[table];
      if (method !== undefined && method !== wanted) {
        throw new KeeprError('ENGINE_FAILURE', `${schema}.${table} is already a Citus table of another kind (partmethod ${method}, keepr wants ${wanted}); undistribute it first (undistribute_table)`, {
          details: { table: `${schema}.${table}`, partmethod: method },
        });
      }
      const done = method !== undefined;
      const distribution: TableDistribution = wanted === 'n' ? (done ? 'already-reference' : 'reference') : done ? 'already-distributed' : 'distributed';
      return { table: `${schema}.${table}`, distribution, statement: done ? undefined : distributeStatement(schema, table) };
    });
    const statements = plan.flatMap((p) => (p.statement === undefined ? [] : [p.statement]));
    if (!dryRun && statements.length > 0) {
      await client.query('BEGIN');
      try {
        for (const statement of statements) await client.query(statement);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    return { schema, citus, dryRun, tables: plan.map(({ table, distribution }) => ({ table, distribution })), statements };
  });
}
