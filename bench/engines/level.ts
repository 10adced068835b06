/** LevelDB through classic-level 3 (from bench/node_modules): utf8 keys, Uint8Array values. */
import { join } from 'node:path';
import type { Entry } from '../lib/data.js';
import { loadClassicLevel, type ClassicLevelDb } from '../lib/peers.js';
import { unknownMethod, type Adapter, type Reader, type Scanner, type Visit } from './types.js';

export class LevelAdapter implements Adapter {
  readonly family = 'level';
  touched = 0;
  #db: ClassicLevelDb | undefined;

  get db(): ClassicLevelDb {
    if (this.#db === undefined) throw new Error('classic-level is not open');
    return this.#db;
  }

  async open(dir: string): Promise<void> {
    const ClassicLevel = await loadClassicLevel();
    this.#db = new ClassicLevel(join(dir, 'level'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await this.#db.open();
  }

  async writeBatch(entries: readonly Entry[]): Promise<void> {
    await this.db.batch(
      entries.map(({ key, block }) => ({ type: 'put', key, value: block.bytes })),
      { sync: true },
    );
  }

  async put({ key, block }: Entry): Promise<void> {
    await this.db.put(key, block.bytes, { sync: true });
  }

  reader(method: string): Reader {
    const db = this.db;
    if (method === 'getSync') {
      return {
        kind: 'sync',
        get: (key) => {
          const value = db.getSync(key);
          if (value !== undefined) this.touched += value.length;
          return value;
        },
      };
    }
    if (method === 'get') {
      return {
        kind: 'async',
        get: async (key) => {
          const value = await db.get(key);
          if (value !== undefined) this.touched += value.length;
          return value;
        },
      };
    }
    throw unknownMethod(this.family, 'read', method);
  }

  scanner(method: string): Scanner {
    if (method !== 'iterator') throw unknownMethod(this.family, 'scan', method);
    return {
      kind: 'async',
      scan: async (visit: Visit) => {
        const it = this.db.iterator();
        let n = 0;
        try {
          for (;;) {
            const chunk = await it.nextv(1000);
            if (chunk.length === 0) break;
            for (const [key, value] of chunk) {
              visit(key, value);
              n++;
            }
          }
        } finally {
          await it.close();
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
