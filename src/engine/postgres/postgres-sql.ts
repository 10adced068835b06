/**
 * Every SQL statement the PostgreSQL engine sends, in one place, so the subset that must also
 * run unchanged on Citus is easy to review (docs/postgres.md lists the rules): the distribution
 * column `ns` is in every primary key, every statement on `entries` names one `ns` except the
 * multi-row upsert, ordered scans stay within one `ns`, no `MERGE`, no cross-shard snapshot.
 */
import type { NormalizedRange } from '../engine-types.js';

/** The layout version stored in `keepr_meta`; a store with another one is refused. */
export const LAYOUT_VERSION = '1';

/**
 * A SQL string literal. Only for namespace names (printable ASCII, checked by the engine base) and
 * keepr's own ids; with `standard_conforming_strings` (on since PostgreSQL 9.1) doubling quotes
 * is the whole escaping.
 */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Statements of one store (its tables live in PostgreSQL schema `schema`). */
export interface StoreSql {
  readonly schema: string;
  /** NOTIFY channel of the store. */
  readonly channel: string;
  readonly createTables: readonly string[];
  readonly readLayout: string;
  readonly writeLayout: string;
  readonly lockSetup: string;
  readonly get: string;
  readonly getMany: string;
  readonly hasNamespace: string;
  readonly listNamespaces: string;
  readonly createNamespace: string;
  readonly dropNamespaceRow: string;
  readonly dropNamespaceEntries: string;
  readonly lockNamespaces: string;
  /**
   * BEGIN, the namespace locks and the NOTIFY (delivered only if the transaction commits) as one
   * simple-protocol text: one round trip instead of three.
   */
  readonly beginWrite: (namespaces: readonly string[], notifyPayload: string | undefined) => string;
  readonly lockKeys: string;
  readonly placeholders: string;
  readonly upsert: string;
  readonly deleteKeys: string;
  readonly clearPlaceholders: string;
  readonly notify: string;
  readonly tableBytes: string;
  readonly citusTableBytes: string;
  readonly hasCitus: string;
  readonly flush: string;
}

/** The statements for the store in `schema` (a name already checked against SCHEMA_NAME_RULE). */
export function storeSql(schema: string): StoreSql {
  const s = schema;
  return {
    schema,
    channel: `keepr_${schema}`,
    createTables: [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE IF NOT EXISTS ${s}.keepr_meta (name text COLLATE "C" PRIMARY KEY, value text NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${s}.namespaces (ns text COLLATE "C" PRIMARY KEY)`,
      // v is NULL only inside an uncommitted write: a placeholder that locks an absent checked key.
      `CREATE TABLE IF NOT EXISTS ${s}.entries (ns text COLLATE "C" NOT NULL, k bytea NOT NULL, v bytea, PRIMARY KEY (ns, k))`,
    ],
    readLayout: `SELECT value FROM ${s}.keepr_meta WHERE name = 'layout'`,
    writeLayout: `INSERT INTO ${s}.keepr_meta (name, value) VALUES ('layout', '${LAYOUT_VERSION}') ON CONFLICT (name) DO NOTHING`,
    // Serialises concurrent first opens of one schema (CREATE … IF NOT EXISTS races otherwise).
    lockSetup: `SELECT pg_advisory_xact_lock(7301, hashtext($1))`,
    get: `SELECT v FROM ${s}.entries WHERE ns = $1 AND k = $2`,
    getMany: `SELECT k, v FROM ${s}.entries WHERE ns = $1 AND k = ANY($2::bytea[])`,
    hasNamespace: `SELECT 1 FROM ${s}.namespaces WHERE ns = $1`,
    listNamespaces: `SELECT ns FROM ${s}.namespaces ORDER BY ns`,
    createNamespace: `INSERT INTO ${s}.namespaces (ns) VALUES ($1) ON CONFLICT (ns) DO NOTHING`,
    dropNamespaceRow: `DELETE FROM ${s}.namespaces WHERE ns = $1 RETURNING ns`,
    dropNamespaceEntries: `DELETE FROM ${s}.entries WHERE ns = $1`,
    // KEY SHARE: writers of one namespace do not block each other, but a drop waits for them.
    lockNamespaces: `SELECT ns FROM ${s}.namespaces WHERE ns = ANY($1::text[]) ORDER BY ns FOR KEY SHARE`,
    beginWrite: (namespaces, notifyPayload) =>
      [
        'BEGIN',
        `SELECT ns FROM ${s}.namespaces WHERE ns IN (${namespaces.map(literal).join(', ')}) ORDER BY ns FOR KEY SHARE`,
        ...(notifyPayload === undefined ? [] : [`SELECT pg_notify(${literal(`keepr_${schema}`)}, ${literal(notifyPayload)})`]),
      ].join('; '),
    lockKeys: `SELECT k, v FROM ${s}.entries WHERE ns = $1 AND k = ANY($2::bytea[]) ORDER BY k FOR UPDATE`,
    placeholders: `INSERT INTO ${s}.entries (ns, k, v) SELECT $1, k, NULL FROM unnest($2::bytea[]) AS u(k) ORDER BY k ON CONFLICT (ns, k) DO NOTHING RETURNING k`,
    upsert: `INSERT INTO ${s}.entries (ns, k, v) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) ON CONFLICT (ns, k) DO UPDATE SET v = EXCLUDED.v`,
    deleteKeys: `DELETE FROM ${s}.entries WHERE ns = $1 AND k = ANY($2::bytea[])`,
    clearPlaceholders: `DELETE FROM ${s}.entries WHERE ns = $1 AND k = ANY($2::bytea[]) AND v IS NULL`,
    notify: `SELECT pg_notify($1, $2)`,
    tableBytes: `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
    // On Citus the coordinator's tables of a distributed or reference table are empty shells.
    citusTableBytes: `SELECT coalesce(sum(CASE WHEN p.logicalrelid IS NULL THEN pg_total_relation_size(c.oid) ELSE citus_total_relation_size(c.oid) END), 0)::float8 AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid WHERE n.nspname = $1 AND c.relkind = 'r'`,
    hasCitus: `SELECT 1 FROM pg_extension WHERE extname = 'citus'`,
    // A synchronous commit that writes WAL flushes every earlier asynchronous commit with it.
    flush: `UPDATE ${s}.keepr_meta SET value = value WHERE name = 'layout'`,
  };
}

/** One page of a range: SQL text and parameters, keyset-paginated after `after` when given. */
export function rangePage(sql: StoreSql, namespace: string, range: NormalizedRange, after: Uint8Array | undefined, limit: number): { text: string; values: unknown[]; name: string } {
  const values: unknown[] = [namespace];
  const where = ['ns = $1'];
  const bound = (op: string, key: Uint8Array): void => {
    values.push(key);
    where.push(`k ${op} $${values.length}`);
  };
  let { lower, upper } = range;
  let lowerOp = range.lowerInclusive ? '>=' : '>';
  let upperOp = range.upperInclusive ? '<=' : '<';
  // The next page starts strictly past the last key seen, in the scan's direction.
  if (after !== undefined) {
    if (range.reverse) {
      upper = after;
      upperOp = '<';
    } else {
      lower = after;
      lowerOp = '>';
    }
  }
  if (lower !== undefined) bound(lowerOp, lower);
  if (upper !== undefined) bound(upperOp, upper);
  values.push(limit);
  const text = `SELECT k, v FROM ${sql.schema}.entries WHERE ${where.join(' AND ')} ORDER BY k ${range.reverse ? 'DESC' : 'ASC'} LIMIT $${values.length}`;
  // A few shapes only (which bounds, which direction): each is prepared once per connection.
  const ops: Record<string, string> = { '>=': 'ge', '>': 'gt', '<=': 'le', '<': 'lt' };
  const name = `keepr_range_${where.slice(1).map((w) => ops[w.split(' ')[1]!]).join('_')}_${range.reverse ? 'd' : 'a'}`;
  return { text, values, name };
}
