/** keepr through its public API: `open`, `store.source`, `Source.write/put/getSync/get/entries/entriesSync`, on any engine. */
import { open, type Source, type Store } from '../../src/index.js';
import type { Entry } from '../lib/data.js';
import { unknownMethod, type Adapter, type Reader, type Scanner, type Visit } from './types.js';

/** The source every keepr workload uses. */
export const SOURCE_NAME = 'bench';

/** Opens a keepr store in the empty directory `dir`. */
export type StoreOpener = (dir: string) => Promise<Store>;

// Default options: the lmdb engine, durable writes.
const openDefault: StoreOpener = (dir) => open(dir);

export class KeeprAdapter implements Adapter {
  readonly family: string;
  touched = 0;
  readonly #open: StoreOpener;
  #store: Store | undefined;
  #source: Source | undefined;

  /** keepr as `family` (default `keepr`: the lmdb engine), opened by `opener`. */
  constructor(family = 'keepr', opener: StoreOpener = openDefault) {
    this.family = family;
    this.#open = opener;
  }

  get store(): Store {
    if (this.#store === undefined) throw new Error('keepr store is not open');
    return this.#store;
  }

  get source(): Source {
    if (this.#source === undefined) throw new Error('keepr store is not open');
    return this.#source;
  }

  /** Opens the store in `dir` with the opener given to the constructor; subclasses may open it otherwise. */
  protected openStore(dir: string): Promise<Store> {
    return this.#open(dir);
  }

  async open(dir: string): Promise<void> {
    this.#store = await this.openStore(dir);
    this.#source = await this.#store.source(SOURCE_NAME);
  }

  async writeBatch(entries: readonly Entry[]): Promise<void> {
    await this.source.write(entries.map(({ key, block }) => ({ op: 'put', key, block })));
  }

  async put({ key, block }: Entry): Promise<void> {
    await this.source.put(key, block);
  }

  reader(method: string): Reader {
    const source = this.source;
    if (method === 'getSync' || method === 'getSyncBorrow') {
      // getSyncBorrow: the block is a view of lmdb's read buffer, used before the next read.
      const options = method === 'getSyncBorrow' ? { borrow: true } : undefined;
      return {
        kind: 'sync',
        get: (key) => {
          const block = source.getSync(key, options);
          if (block === undefined) return undefined;
          this.touched += block.data().length;
          return block.bytes;
        },
      };
    }
    if (method === 'get') {
      return {
        kind: 'async',
        get: async (key) => {
          const block = await source.get(key);
          if (block === undefined) return undefined;
          this.touched += block.data().length;
          return block.bytes;
        },
      };
    }
    throw unknownMethod(this.family, 'read', method);
  }

  scanner(method: string): Scanner {
    if (method === 'entries') {
      return {
        kind: 'async',
        scan: async (visit: Visit) => {
          let n = 0;
          for await (const [key, block] of this.source.entries()) {
            this.touched += block.data().length;
            visit(key, block.bytes);
            n++;
          }
          return n;
        },
      };
    }
    if (method === 'entriesSync' || method === 'entriesSyncBorrow') {
      const options = { borrow: method === 'entriesSyncBorrow' };
      return {
        kind: 'sync',
        scan: (visit: Visit) => {
          let n = 0;
          for (const [key, block] of this.source.entriesSync(options)) {
            this.touched += block.data().length;
            visit(key, block.bytes);
            n++;
          }
          return n;
        },
      };
    }
    throw unknownMethod(this.family, 'scan', method);
  }

  async close(): Promise<void> {
    await this.#store?.close();
    this.#store = undefined;
    this.#source = undefined;
  }
}
