/**
 * The engine's connections: a `pg` pool for reads and writes, transactions with retries on
 * deadlocks and serialization failures, and the failure mapping. A broken connection is thrown
 * away and the pool opens a new one on the next query, which is how keepr reconnects by itself
 * after the server restarts.
 */
import pg from 'pg';
import { isRetryable, postgresFailure } from './postgres-errors.js';
import type { ResolvedPostgresEngineConfig } from './postgres-config.js';

/** A connection of the pool, checked out for one transaction. */
export type PgClient = pg.PoolClient;

/** Rows as arrays, bytea columns as Buffers. */
export type Row = unknown[];

/** Most times a transaction runs again after a deadlock or serialization failure. */
const MAX_RETRIES = 50;

/** Connection settings shared by the pool and by snapshot connections. */
export function clientConfig(config: ResolvedPostgresEngineConfig): pg.ClientConfig {
  return {
    connectionString: config.url,
    connectionTimeoutMillis: config.connectTimeoutMs,
    application_name: 'keepr',
    // The durability mode is the session's synchronous_commit (docs/postgres.md).
    options: `-c synchronous_commit=${config.durability === 'sync' ? 'on' : 'off'}`,
  };
}

/**
 * Runs one statement with array rows. Results come in text form (bytea as hex, which pg turns
 * into Buffers): pg 8's binary result mode misparses bytea, bool and float8.
 */
export async function run(client: pg.ClientBase | pg.Pool, text: string, values: readonly unknown[], name?: string): Promise<Row[]> {
  const config: pg.QueryArrayConfig = { text, values: values as unknown[], rowMode: 'array', ...(name === undefined ? {} : { name }) };
  const result = await client.query<Row>(config);
  return result.rows;
}

/** A caller-owned copy of a bytea value (`pg` may hand out views of its receive buffer). */
export function owned(value: unknown): Uint8Array {
  // A plain Uint8Array (not a Buffer), like every other engine returns.
  return new Uint8Array(value as Uint8Array);
}

/** A Buffer view of bytes, the form `pg` sends as binary parameters and array elements. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Carries an error of the caller's own code (a check's test that threw) through a transaction unchanged. */
export class Passthrough extends Error {
  constructor(readonly error: unknown) {
    super('passthrough');
  }
}

/** The pool of one engine. */
export class Connections {
  readonly pool: pg.Pool;

  constructor(config: ResolvedPostgresEngineConfig) {
    this.pool = new pg.Pool({ ...clientConfig(config), max: config.poolSize, idleTimeoutMillis: 30_000 });
    // An idle connection that breaks (server restart) must not crash the process: the pool
    // drops it and connects again when next needed.
    this.pool.on('error', () => undefined);
  }

  /** One statement on any pooled connection. */
  async query(text: string, values: readonly unknown[], what: string, name?: string): Promise<Row[]> {
    try {
      return await run(this.pool, text, values, name);
    } catch (err) {
      throw postgresFailure(err, what);
    }
  }

  /**
   * Runs `work` inside BEGIN … COMMIT on one connection (`begin`: the simple-protocol text that
   * opens the transaction), again from the start after a deadlock
   * or serialization failure. A failure while COMMIT is in flight is reported in doubt.
   */
  async transaction<T>(work: (client: PgClient, begun: readonly pg.QueryResult[]) => Promise<T>, what: string, begin = 'BEGIN'): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let client: PgClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw postgresFailure(err, what);
      }
      let phase: 'work' | 'commit' = 'work';
      let broken: unknown;
      // The pool listens for errors only on idle connections: a connection lost while checked
      // out (server restart) emits 'error', which would crash the process without a listener.
      // The statement in flight rejects too; the connection is thrown away on release.
      const onError = (err: Error): void => {
        broken ??= err;
      };
      client.on('error', onError);
      try {
        // `begin` may carry more statements after BEGIN (one round trip); their results go to `work`.
        const begun: unknown = await client.query(begin);
        const result = await work(client, Array.isArray(begun) ? (begun as pg.QueryResult[]) : [begun as pg.QueryResult]);
        phase = 'commit';
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (phase === 'work') {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackErr) {
            broken = rollbackErr;
          }
        } else {
          broken = err;
        }
        if (err instanceof Passthrough) throw err.error;
        if (isRetryable(err) && attempt < MAX_RETRIES) {
          await pause(attempt);
          continue;
        }
        throw postgresFailure(err, what, phase === 'commit');
      } finally {
        client.removeListener('error', onError);
        client.release(broken instanceof Error ? broken : undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A short randomized back-off before a retry, so two deadlocked writers do not meet again. */
function pause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 1 + attempt * 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
