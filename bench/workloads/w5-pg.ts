/**
 * W5 on PostgreSQL: keepr's versioned state (`store.state`) on `postgresEngine`, the same calls
 * as the LMDB contender; its disk figure is `pg_total_relation_size` summed over the schema's
 * tables (heap, indexes and TOAST), read after the store is closed.
 */
import { benchPgUrl, openKeeprPg, schemaOf } from '../engines/postgres.js';
import pg from 'pg';
import { keeprVersioned, type Versioned } from './w5.js';

/** Bytes of each table of the schema (with its indexes and TOAST), by table name. */
async function tableBytes(schema: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: benchPgUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; bytes: string }>(
      "SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
      [schema],
    );
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
  } finally {
    await client.end();
  }
}

function sum(sizes: Record<string, number>): number {
  return Object.values(sizes).reduce((a, b) => a + b, 0);
}


/** keepr's state `stateName` with its one tree `tree`, on PostgreSQL in the schema of `dir`. */
export async function keeprPgState(dir: string, stateName: string, tree: string): Promise<Versioned<Uint8Array>> {
  const schema = schemaOf(dir);
  const store = await openKeeprPg(dir);
  return keeprVersioned(store, stateName, tree, {
    diskBytes: async () => sum(await tableBytes(schema)),
    async close() {
      await store.close();
      const tables = await tableBytes(schema);
      return { diskBytes: sum(tables), details: { schema, tableBytes: tables } };
    },
  });
}
