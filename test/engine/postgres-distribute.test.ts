// keepr pg distribute's library function on the real test PostgreSQL, which has no Citus: the
// refusal changes nothing, and the dry run gives the exact statements a Citus cluster would get.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { distributePostgresStore, postgresEngine, postgresStoreExists } from '../../src/engine/postgres/index.js';
import { open } from '../../src/store/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { freshSchema, pgUrl } from '../helpers/postgres-engines.js';

/** Every table, column and row count of a schema: what "nothing changed" compares. */
async function schemaPicture(schema: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    const tables = await client.query<{ relname: string; relkind: string }>(`SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY c.relname`, [schema]);
    const rows = await client.query(`SELECT ns, encode(k, 'hex') AS k, encode(v, 'hex') AS v FROM ${schema}.entries ORDER BY ns, k`);
    const meta = await client.query(`SELECT * FROM ${schema}.keepr_meta ORDER BY name`);
    return { tables: tables.rows, rows: rows.rows, meta: meta.rows };
  } finally {
    await client.end();
  }
}

async function makeStore(schema: string): Promise<void> {
  const store = await open({ engine: postgresEngine(pgUrl(), { schema }) });
  try {
    await (await store.source('s')).put('k', Block.from([1, 2, 3]));
  } finally {
    await store.close();
  }
}

describe('distributePostgresStore', () => {
  it('refuses without the citus extension (CITUS_NOT_INSTALLED) and changes nothing', async () => {
    const schema = freshSchema();
    await makeStore(schema);
    const before = await schemaPicture(schema);
    expect(await codeOfAsync(distributePostgresStore(pgUrl(), { schema }))).toBe('CITUS_NOT_INSTALLED');
    expect(await schemaPicture(schema)).toEqual(before);
  });

  it('a dry run gives the statements, in order, and sends none of them', async () => {
    const schema = freshSchema();
    await makeStore(schema);
    const before = await schemaPicture(schema);
    const report = await distributePostgresStore(pgUrl(), { schema, dryRun: true });
    expect(report).toEqual({
      schema,
      citus: false,
      dryRun: true,
      tables: [
        { table: `${schema}.keepr_meta`, distribution: 'reference' },
        { table: `${schema}.namespaces`, distribution: 'reference' },
        { table: `${schema}.entries`, distribution: 'distributed' },
      ],
      statements: [`SELECT create_reference_table('${schema}.keepr_meta')`, `SELECT create_reference_table('${schema}.namespaces')`, `SELECT create_distributed_table('${schema}.entries', 'ns')`],
    });
    expect(await schemaPicture(schema)).toEqual(before);
  });

  it('a schema without a store is OPTION_INVALID (dry run) and stays absent; bad options are OPTION_INVALID', async () => {
    const schema = freshSchema();
    expect(await codeOfAsync(distributePostgresStore(pgUrl(), { schema, dryRun: true }))).toBe('OPTION_INVALID');
    expect(await postgresStoreExists(pgUrl(), { schema })).toBe(false);
    expect(await codeOfAsync(distributePostgresStore(pgUrl(), { schema: 'Bad-Name' }))).toBe('OPTION_INVALID');
    expect(await codeOfAsync(distributePostgresStore('mysql://x/y'))).toBe('OPTION_INVALID');
  });

  it('an unreachable server is ENGINE_UNAVAILABLE', async () => {
    expect(await codeOfAsync(distributePostgresStore('postgres://127.0.0.1:1/none', { connectTimeoutMs: 2000 }))).toBe('ENGINE_UNAVAILABLE');
  });
});

describe('postgresStoreExists', () => {
  it('is false for an empty schema and true once a store was opened there', async () => {
    const schema = freshSchema();
    expect(await postgresStoreExists(pgUrl(), { schema })).toBe(false);
    await makeStore(schema);
    expect(await postgresStoreExists(pgUrl(), { schema })).toBe(true);
  });
});
