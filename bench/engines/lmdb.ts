/**
 * Raw lmdb-js, opened as keepr's engine opens it (binary values, no cache, sync on), with string
 * keys in lmdb-js's default key encoding: the floor keepr adds its overhead to.
 */
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import type { Entry } from '../lib/data.js';
import { unknownMethod, type Adapter, type Reader, type Scanner, type Visit } from './types.js';

export class LmdbAdapter implements Adapter {
  readonly family = 'lmdb';
  touched = 0;
  #db: RootDatabase<Uint8Array, string> | undefined;

  get db(): RootDatabase<Uint8Array, string> {
    if (this.#db === undefined) throw new Error('lmdb is not open');
    return this.#db;
  }

  async open(dir: string): Promise<void> {
    this.#db = open<Uint8Array, string>({ path: join(dir, 'raw.mdb'), encoding: 'binary', cache: false });
  }

  async writeBatch(entries: readonly Entry[]): Promise<void> {
    const db = this.db;
    await db.transaction(() => {
      for (const { key, block } of entries) db.putSync(key, block.bytes);
    });
    await db.flushed;
  }

  async put({ key, block }: Entry): Promise<void> {
    const db = this.db;
    await db.put(key, block.bytes);
    await db.flushed;
  }

  reader(method: string): Reader {
    const db = this.db;
    if (method === 'getBinary') {
      return {
        kind: 'sync',
        get: (key) => {
          const value = db.getBinary(key);
          if (value !== undefined) this.touched += value.length;
          return value;
        },
      };
    }
    if (method === 'getBinaryFast') {
      // The buffer is only valid until the next read; its length is read at once.
      return {
        kind: 'sync',
        get: (key) => {
          const value = db.getBinaryFast(key);
          if (value !== undefined) this.touched += value.length;
          return value;
        },
      };
    }
    throw unknownMethod(this.family, 'read', method);
  }

  scanner(method: string): Scanner {
    if (method !== 'getRange') throw unknownMethod(this.family, 'scan', method);
    const db = this.db;
    return {
      kind: 'sync',
      scan: (visit: Visit) => {
        let n = 0;
        for (const { key, value } of db.getRange({})) {
          visit(key, value);
          n++;
        }
        return n;
      },
    };
  }

  async close(): Promise<void> {
    await this.#db?.close();
    this.#db = undefined;
  }
}
