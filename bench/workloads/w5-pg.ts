/**
 * W5 on PostgreSQL: keepr's versioned state (`store.state`) on `postgresEngine`, the same calls
 * as the LMDB contender; its disk figure is `pg_total_relation_size` summed over the schema's
 * tables (heap, indexes and TOAST), read after the store is closed.
 */
import { decodeProof, verifyProof } from '../../src/state/index.js';
import { benchPgUrl, openKeeprPg, schemaOf } from '../engines/postgres.js';
import { round } from '../lib/stats.js';
import pg from 'pg';
import type { Versioned } from './w5.js';

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

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const i = at % copy.length;
  copy[i] = copy[i]! ^ 0x01;
  return copy;
}

/** keepr's state `stateName` with its one tree `tree`, on PostgreSQL in the schema of `dir`. */
export async function keeprPgState(dir: string, stateName: string, tree: string): Promise<Versioned<Uint8Array>> {
  const schema = schemaOf(dir);
  const store = await openKeeprPg(dir);
  const state = await store.state(stateName);
  const commit = async (): Promise<Uint8Array> => (await state.commit()).root;
  return {
    async load(keys, value) {
      for (let i = 0; i < keys.length; i++) await state.put(tree, keys[i]!, value(i));
      return commit();
    },
    begin() {},
    put: (key, value) => state.put(tree, key, value),
    commit,
    async get(height, key) {
      const v = await state.at(height).get(tree, key);
      return v === undefined ? undefined : v instanceof Uint8Array ? v : v.bytes;
    },
    prove: (height, key) => state.at(height).prove(tree, key),
    verify(root, key, value, proof) {
      try {
        return verifyProof(root, tree, key, value, proof);
      } catch {
        return false;
      }
    },
    proofBytes: (proof) => proof.length,
    tamper: (proof) => flipped(proof, Math.floor(proof.length / 2)),
    anatomy(proofs) {
      let entries = 0;
      let siblings = 0;
      for (const proof of proofs) {
        const decoded = decodeProof(proof);
        entries += decoded.bucket.length;
        siblings += decoded.siblings.filter((s) => s.some((b) => b !== 0)).length;
      }
      return { bucketEntries: round(entries / proofs.length, 3), siblings: round(siblings / proofs.length, 3) };
    },
    diskBytes: async () => sum(await tableBytes(schema)),
    async close() {
      await store.close();
      const tables = await tableBytes(schema);
      return { diskBytes: sum(tables), details: { schema, tableBytes: tables } };
    },
  };
}
