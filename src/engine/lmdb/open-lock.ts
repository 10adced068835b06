/**
 * The store's open lock: one process at a time decides whether LMDB must go back to a
 * checkpoint, replays logs and registers as a writer. It is the write lock of a tiny LMDB
 * environment of its own (`wal/lock.mdb`), a robust process-shared mutex that a process killed
 * while holding it releases, and it is held only for the synchronous work of an open or close.
 */
import { ABORT, open, type RootDatabase } from 'lmdb';

/** Name of the open lock's LMDB file inside the log root. */
export const OPEN_LOCK_FILE = 'lock.mdb';

/** A store's open lock. */
export class OpenLock {
  readonly #db: RootDatabase<Uint8Array, Uint8Array>;

  private constructor(db: RootDatabase<Uint8Array, Uint8Array>) {
    this.#db = db;
  }

  /** Opens (creating) the lock environment at `path`. */
  static open(path: string): OpenLock {
    return new OpenLock(open<Uint8Array, Uint8Array>({ path, keyEncoding: 'binary', encoding: 'binary', noSync: true, cache: false }));
  }

  /** Runs `fn` while holding the lock (it must be synchronous) and returns its result. */
  run<T>(fn: () => T): T {
    let result: { value: T } | undefined;
    this.#db.transactionSync(() => {
      result = { value: fn() };
      return ABORT;
    });
    return result!.value;
  }

  /** Closes the lock environment. */
  async close(): Promise<void> {
    await this.#db.close();
  }
}
