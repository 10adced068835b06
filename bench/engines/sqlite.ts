/**
 * SQLite through better-sqlite3 12 (from bench/node_modules), in WAL mode with
 * `synchronous=FULL` so every commit is durable; one rowid table with a text primary key.
 */
import { join } from 'node:path';
import type { Entry } from '../lib/data.js';
import { loadSqlite, type SqliteDb, type SqliteStatement } from '../lib/peers.js';
import { unknownMethod, type Adapter, type Reader, type Scanner, type Visit } from './types.js';

interface Statements {
  readonly insert: SqliteStatement;
  readonly select: SqliteStatement;
  readonly scan: SqliteStatement;
  readonly insertMany: (entries: readonly Entry[]) => void;
}

function asBytes(value: unknown): Uint8Array | undefined {
  return value instanceof Uint8Array ? value : undefined;
}

export class SqliteAdapter implements Adapter {
  readonly family = 'sqlite';
  touched = 0;
  #db: SqliteDb | undefined;
  #st: Statements | undefined;

  get st(): Statements {
    if (this.#st === undefined) throw new Error('better-sqlite3 is not open');
    return this.#st;
  }

  async open(dir: string): Promise<void> {
    const Database = await loadSqlite();
    const db = new Database(join(dir, 'bench.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB NOT NULL)');
    const insert = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
    this.#db = db;
    this.#st = {
      insert,
      select: db.prepare('SELECT v FROM kv WHERE k = ?').pluck(),
      scan: db.prepare('SELECT k, v FROM kv ORDER BY k').raw(),
      insertMany: db.transaction((entries: readonly Entry[]) => {
        for (const { key, block } of entries) insert.run(key, block.bytes);
      }),
    };
  }

  async writeBatch(entries: readonly Entry[]): Promise<void> {
    this.st.insertMany(entries);
  }

  async put({ key, block }: Entry): Promise<void> {
    this.st.insert.run(key, block.bytes);
  }

  reader(method: string): Reader {
    if (method !== 'get') throw unknownMethod(this.family, 'read', method);
    const select = this.st.select;
    return {
      kind: 'sync',
      get: (key) => {
        const value = asBytes(select.get(key));
        if (value !== undefined) this.touched += value.length;
        return value;
      },
    };
  }

  scanner(method: string): Scanner {
    if (method !== 'iterate') throw unknownMethod(this.family, 'scan', method);
    const scan = this.st.scan;
    return {
      kind: 'sync',
      scan: (visit: Visit) => {
        let n = 0;
        for (const row of scan.iterate()) {
          const [key, value] = row as [string, Uint8Array];
          visit(key, value);
          n++;
        }
        return n;
      },
    };
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#st = undefined;
  }
}
