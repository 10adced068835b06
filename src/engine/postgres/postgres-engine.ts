/**
 * The PostgreSQL engine: namespaces and entries in three tables of one PostgreSQL schema, shared
 * by any number of processes and machines. Every write is one transaction; snapshots are
 * REPEATABLE READ transactions; caches of other processes hear of each commit by NOTIFY.
 * docs/postgres.md describes the tables, the locking and the Citus subset.
 */
import { randomUUID } from 'node:crypto';
import { KeeprError } from '../../errors.js';
import { Engine, type EngineCapabilities, type EngineEntry, type EngineSnapshot, type EngineStats, type NormalizedRange, type WriteOp, type WriteOutcome } from '../engine.js';
import { clientConfig, Connections, run } from './postgres-connections.js';
import { resolvePostgresEngineConfig, type PostgresEngineConfig, type ResolvedPostgresEngineConfig } from './postgres-config.js';
import { postgresFailure } from './postgres-errors.js';
import { Listener } from './postgres-listen.js';
import { PgReads } from './postgres-read.js';
import { openSnapshot, type PostgresSnapshot } from './postgres-snapshot.js';
import { LAYOUT_VERSION, storeSql, type StoreSql } from './postgres-sql.js';
import { writeBatch } from './postgres-write.js';

const POSTGRES_CAPABILITIES: EngineCapabilities = Object.freeze({
  persistent: true,
  syncReads: false,
  multiProcess: true,
  // A consistent copy of a live store is `keepr copy` (or pg_dump), not a folder copy.
  hotBackup: false,
  maxKeyBytes: 1024,
});

/** An engine over one schema of a PostgreSQL database. */
export class PostgresEngine extends Engine {
  /** Engine name. */
  readonly name = 'postgres';
  /** Asynchronous reads, many processes, no folder backup. */
  readonly supports: EngineCapabilities = POSTGRES_CAPABILITIES;
  /** Validated configuration. */
  readonly config: ResolvedPostgresEngineConfig;
  /** When writes are acknowledged (`synchronous_commit` on or off). */
  readonly durability: 'sync' | 'write-cache';
  readonly #sql: StoreSql;
  /** This engine's id in NOTIFY payloads (its own notifications are ignored). */
  readonly #id = randomUUID();
  #connections: Connections | undefined;
  #reads: PgReads | undefined;
  #listener: Listener | undefined;
  #citus = false;
  readonly #snapshots = new Set<PostgresSnapshot>();
  readonly #pending = new Set<Promise<unknown>>();

  /** Creates a closed engine; throws `OPTION_INVALID` for a bad config. */
  constructor(config: PostgresEngineConfig) {
    super();
    this.config = resolvePostgresEngineConfig(config);
    this.durability = this.config.durability;
    this.#sql = storeSql(this.config.schema);
  }

  /** Where the data lives, without the password. */
  get location(): string {
    try {
      const url = new URL(this.config.url);
      url.password = '';
      return `${url.toString()}#${this.config.schema}`;
    } catch {
      return `postgres#${this.config.schema}`;
    }
  }

  protected async _open(): Promise<void> {
    const connections = new Connections(this.config);
    try {
      await connections.transaction(async (client) => {
        await run(client, this.#sql.lockSetup, [this.config.schema]);
        for (const statement of this.#sql.createTables) await client.query(statement);
        await client.query(this.#sql.writeLayout);
        const [row] = await run(client, this.#sql.readLayout, []);
        const layout = row?.[0] instanceof Buffer ? row[0].toString('utf8') : String(row?.[0]);
        this.#citus = (await run(client, this.#sql.hasCitus, [])).length > 0;
        if (layout !== LAYOUT_VERSION) {
          throw new KeeprError('ENGINE_FORMAT_UNSUPPORTED', `schema ${this.config.schema} holds a keepr store of layout ${layout}; this keepr reads layout ${LAYOUT_VERSION}`, { details: { layout } });
        }
      }, 'open');
      if (this.config.notify) {
        const listener = new Listener(clientConfig(this.config), this.#sql.channel, this.#id);
        await listener.start().catch((err: unknown) => {
          throw postgresFailure(err, 'listen');
        });
        this.#listener = listener;
      }
    } catch (err) {
      await connections.close().catch(() => undefined);
      throw err;
    }
    this.#connections = connections;
    this.#reads = new PgReads((text, values, name) => connections.query(text, values, 'read', name), this.#sql, () => {
      this.assertReadable();
    });
  }

  protected async _close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await Promise.all([...this.#snapshots].map((snapshot) => snapshot.close()));
    await this.#listener?.close();
    this.#listener = undefined;
    const connections = this.#connections;
    this.#connections = undefined;
    this.#reads = undefined;
    await connections?.close();
  }

  /** Grows whenever another process committed (heard by LISTEN); see postgres-listen.ts. */
  override get externalVersion(): number {
    return this.#listener?.version ?? 0;
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const settled = (): void => {
      this.#pending.delete(work);
    };
    void work.then(settled, settled);
    return work;
  }

  protected override _get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#reads!.get(namespace, key);
  }

  protected override _getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return this.#reads!.getMany(namespace, keys);
  }

  protected override _has(namespace: string, key: Uint8Array): Promise<boolean> {
    return this.#reads!.has(namespace, key);
  }

  protected override _range(namespace: string, range: NormalizedRange): AsyncIterable<EngineEntry> {
    return this.#reads!.range(namespace, range);
  }

  protected _createNamespace(name: string): Promise<void> {
    return this.#track(this.#connections!.query(this.#sql.createNamespace, [name], 'create namespace').then(() => undefined));
  }

  protected _dropNamespace(name: string): Promise<boolean> {
    const sql = this.#sql;
    const work = this.#connections!.transaction(async (client) => {
      // Deleting the namespace row first waits for writers holding it (FOR KEY SHARE).
      const dropped = await run(client, sql.dropNamespaceRow, [name]);
      if (dropped.length === 0) return false;
      await run(client, sql.dropNamespaceEntries, [name]);
      if (this.config.notify) await run(client, sql.notify, [sql.channel, this.#id]);
      return true;
    }, 'drop namespace');
    return this.#track(work);
  }

  protected async _hasNamespace(name: string): Promise<boolean> {
    return (await this.#connections!.query(this.#sql.hasNamespace, [name], 'read', 'keepr_has_namespace')).length > 0;
  }

  protected async _listNamespaces(): Promise<string[]> {
    const rows = await this.#connections!.query(this.#sql.listNamespaces, [], 'read');
    return rows.map(([ns]) => (ns instanceof Buffer ? ns.toString('utf8') : String(ns)));
  }

  protected _write(ops: readonly WriteOp[], owned: boolean): Promise<WriteOutcome> {
    return this.#track(writeBatch(this.#connections!, this.#sql, ops, owned, this.config.notify ? this.#id : undefined));
  }

  /** `write-cache`: one synchronous commit, which flushes the WAL of every earlier commit. */
  protected override async _flushed(): Promise<void> {
    if (this.durability === 'sync') return;
    await this.#connections!.transaction(async (client) => {
      await client.query('SET LOCAL synchronous_commit TO on');
      await client.query(this.#sql.flush);
    }, 'flush');
  }

  protected async _snapshot(): Promise<EngineSnapshot> {
    const snapshot = await openSnapshot(clientConfig(this.config), this.#sql, this.supports, (closed) => {
      this.#snapshots.delete(closed);
    });
    if (this.status !== 'open') {
      await snapshot.close();
      this.assertReadable();
    }
    this.#snapshots.add(snapshot);
    return snapshot;
  }

  protected async _stats(): Promise<EngineStats> {
    const connections = this.#connections!;
    const [bytes] = await connections.query(this.#citus ? this.#sql.citusTableBytes : this.#sql.tableBytes, [this.config.schema], 'stats');
    const namespaces = await this.listNamespaces();
    return {
      engine: this.name,
      path: this.location,
      byteLength: Number((bytes as [unknown])[0]),
      namespaces: namespaces.length,
      extra: {
        snapshots: this.#snapshots.size,
        poolConnections: connections.pool.totalCount,
        poolIdle: connections.pool.idleCount,
        poolWaiting: connections.pool.waitingCount,
        listening: this.#listener?.listening === true ? 1 : 0,
      },
    };
  }
}
