/**
 * Reads shared by the engine (pooled connections, each statement its own moment) and its
 * snapshots (one REPEATABLE READ transaction on a connection of their own).
 */
import { KeeprError } from '../../errors.js';
import type { EngineEntry, NormalizedRange } from '../engine-types.js';
import { asBuffer, owned, type Row } from './postgres-connections.js';
import { rangePage, type StoreSql } from './postgres-sql.js';

/** Runs one statement (named statements are prepared once per connection). */
export type Query = (text: string, values: readonly unknown[], name?: string) => Promise<Row[]>;

/** Rows per range page: the first small (a `limit: 1` probe stays cheap), then growing. */
const FIRST_PAGE = 64;
const MAX_PAGE = 1024;

function notFound(namespace: string): KeeprError {
  return new KeeprError('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist`, { details: { namespace } });
}

async function assertNamespace(query: Query, sql: StoreSql, namespace: string): Promise<void> {
  const rows = await query(sql.hasNamespace, [namespace], 'keepr_has_namespace');
  if (rows.length === 0) throw notFound(namespace);
}

/** The reads of one connection source. */
export class PgReads {
  readonly #query: Query;
  readonly #sql: StoreSql;
  readonly #guard: () => void;

  /** `guard` throws when the engine or snapshot may no longer be read (checked at every range step). */
  constructor(query: Query, sql: StoreSql, guard: () => void) {
    this.#query = query;
    this.#sql = sql;
    this.#guard = guard;
  }

  async get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    const [row] = await this.#query(this.#sql.get, [namespace, asBuffer(key)], 'keepr_get');
    if (row !== undefined) return owned(row[0]);
    // A miss: one more statement tells an absent key from a missing namespace.
    await assertNamespace(this.#query, this.#sql, namespace);
    return undefined;
  }

  async getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    await assertNamespace(this.#query, this.#sql, namespace);
    if (keys.length === 0) return [];
    const rows = await this.#query(this.#sql.getMany, [namespace, keys.map(asBuffer)], 'keepr_get_many');
    const found = new Map<string, Buffer>();
    for (const [k, v] of rows) if (v !== null) found.set((k as Buffer).toString('hex'), v as Buffer);
    return keys.map((key) => {
      const value = found.get(asBuffer(key).toString('hex'));
      return value === undefined ? undefined : owned(value);
    });
  }

  async has(namespace: string, key: Uint8Array): Promise<boolean> {
    return (await this.get(namespace, key)) !== undefined;
  }

  /**
   * Entries in key order, one keyset page per statement (`k > last ORDER BY k LIMIT n`), so every
   * page is an index range scan within one namespace; writes between pages neither fail nor
   * break the iteration.
   */
  async *range(namespace: string, range: NormalizedRange): AsyncGenerator<EngineEntry, void, undefined> {
    this.#guard();
    await assertNamespace(this.#query, this.#sql, namespace);
    let left = range.limit;
    let after: Uint8Array | undefined;
    let size = FIRST_PAGE;
    while (left > 0) {
      this.#guard();
      const want = Math.min(size, left);
      const page = rangePage(this.#sql, namespace, range, after, want);
      // Copied at once: pg may reuse its receive buffer for the next statement on that connection.
      const rows = (await this.#query(page.text, page.values, page.name)).map(([k, v]) => ({ key: owned(k), value: owned(v) }));
      if (rows.length > 0) after = owned(rows[rows.length - 1]!.key);
      for (const entry of rows) {
        this.#guard();
        yield entry;
      }
      if (rows.length < want) return;
      left -= rows.length;
      size = Math.min(size * 4, MAX_PAGE);
    }
  }
}
