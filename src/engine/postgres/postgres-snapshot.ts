/**
 * A PostgreSQL snapshot: a `REPEATABLE READ, READ ONLY` transaction on a connection of its own
 * (outside the pool, so many open snapshots never starve writers). Its moment is fixed by a
 * first statement run before `snapshot()` resolves. On Citus each shard has its own snapshot;
 * docs/postgres.md says what that means.
 */
import pg from 'pg';
import { EngineSnapshot, type EngineCapabilities, type EngineEntry, type NormalizedRange } from '../engine.js';
import { postgresFailure } from './postgres-errors.js';
import { run } from './postgres-connections.js';
import { PgReads } from './postgres-read.js';
import type { StoreSql } from './postgres-sql.js';

/** Opens the snapshot's connection and fixes its moment. */
export async function openSnapshot(config: pg.ClientConfig, sql: StoreSql, supports: EngineCapabilities, onClose: (snapshot: PostgresSnapshot) => void): Promise<PostgresSnapshot> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query('SELECT 1');
  } catch (err) {
    await client.end().catch(() => undefined);
    throw postgresFailure(err, 'snapshot');
  }
  return new PostgresSnapshot(client, sql, supports, onClose);
}

/** A consistent read view of the whole store at one moment. */
export class PostgresSnapshot extends EngineSnapshot {
  /** Capabilities of the engine this snapshot came from. */
  readonly supports: EngineCapabilities;
  readonly #client: pg.Client;
  readonly #reads: PgReads;
  readonly #onClose: (snapshot: PostgresSnapshot) => void;

  /** Wraps a connection inside its open snapshot transaction. */
  constructor(client: pg.Client, sql: StoreSql, supports: EngineCapabilities, onClose: (snapshot: PostgresSnapshot) => void) {
    super();
    this.supports = supports;
    this.#client = client;
    this.#onClose = onClose;
    const query = async (text: string, values: readonly unknown[], name?: string): Promise<unknown[][]> => {
      try {
        return await run(client, text, values, name);
      } catch (err) {
        throw postgresFailure(err, 'snapshot read');
      }
    };
    this.#reads = new PgReads(query, sql, () => {
      this.assertReadable();
    });
  }

  protected override _get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#reads.get(namespace, key);
  }

  protected override _getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return this.#reads.getMany(namespace, keys);
  }

  protected override _has(namespace: string, key: Uint8Array): Promise<boolean> {
    return this.#reads.has(namespace, key);
  }

  protected override _range(namespace: string, range: NormalizedRange): AsyncIterable<EngineEntry> {
    return this.#reads.range(namespace, range);
  }

  protected async _close(): Promise<void> {
    this.#onClose(this);
    // Ending the connection ends its transaction; nothing to commit in a read-only one.
    await this.#client.end().catch(() => undefined);
  }
}
