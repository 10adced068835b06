/**
 * The write path of the LevelDB engine: group commit and the overlay that checks read.
 *
 * Writes join the open group; one LevelDB batch per group is written after the current turn
 * (`setImmediate`), or once the batch before it is done, so writes issued together or while a
 * batch is in flight share one synced batch (one fsync). Everything that touches LevelDB runs on
 * one serial chain, so batches land in the order writes were accepted. Groups not yet applied
 * stay readable as an overlay: a check sees every earlier write, acknowledged or in flight.
 */
import type { ClassicLevel } from 'classic-level';
import type { WriteOutcome } from '../engine-types.js';
import { keyString, plain, SYNC_KEY } from './level-keys.js';
import { levelFailure } from './level-owner.js';

/** One LevelDB batch operation, keys and values as bytes. */
export type LevelOp = { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly type: 'del'; readonly key: Uint8Array };

/** The database as the engine opens it: keys and values as Uint8Array views. */
export type LevelDb = ClassicLevel<Uint8Array, Uint8Array>;

const COMMITTED: WriteOutcome = Object.freeze({ committed: true });
const SYNC_OPS: readonly LevelOp[] = Object.freeze([{ type: 'del', key: SYNC_KEY }]);

/** Writes accepted together, written as one LevelDB batch. */
class Group {
  readonly ops: LevelOp[] = [];
  // Built on the first lookup, then kept up to date: most groups are never looked into.
  #index: Map<string, Uint8Array | null> | undefined;
  readonly done: Promise<WriteOutcome>;
  resolve!: (outcome: WriteOutcome) => void;
  reject!: (err: unknown) => void;

  constructor() {
    this.done = new Promise<WriteOutcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  add(ops: readonly LevelOp[]): void {
    for (const op of ops) {
      this.ops.push(op);
      this.#index?.set(keyString(op.key), op.type === 'put' ? op.value : null);
    }
  }

  /** The value this group writes under `key`: bytes, null for a delete, undefined when untouched. */
  lookup(key: string): Uint8Array | null | undefined {
    if (this.#index === undefined) {
      this.#index = new Map();
      for (const op of this.ops) this.#index.set(keyString(op.key), op.type === 'put' ? op.value : null);
    }
    return this.#index.get(key);
  }
}

/** Counters for stats. */
export interface CommitCounters {
  /** LevelDB batches written for writes. */
  batches: number;
  /** Engine writes those batches carried. */
  writes: number;
  /** Synced batches written to flush `write-cache` writes. */
  flushes: number;
}

/** The serial write chain of one open database. */
export class LevelCommitter {
  readonly #db: LevelDb;
  readonly #sync: boolean;
  readonly #flushDelayMs: number;
  #open: Group | undefined;
  // Groups accepted but not yet in LevelDB, oldest first.
  readonly #unapplied: Group[] = [];
  #tail: Promise<unknown> = Promise.resolve();
  // write-cache: batches written without sync since the last synced one.
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  /** Counters for stats. */
  readonly counters: CommitCounters = { batches: 0, writes: 0, flushes: 0 };

  /** A chain over `db`; `sync` false is `write-cache` (synced within `flushDelayMs`). */
  constructor(db: LevelDb, sync: boolean, flushDelayMs: number) {
    this.#db = db;
    this.#sync = sync;
    this.#flushDelayMs = flushDelayMs;
  }

  /** Adds ops to the open group; resolves once its batch is written (synced in `sync` mode). */
  submit(ops: readonly LevelOp[]): Promise<WriteOutcome> {
    let group = this.#open;
    if (group === undefined) {
      const fresh = new Group();
      group = this.#open = fresh;
      this.#unapplied.push(fresh);
      // The next turn, not a microtask: writers resumed together all join before it is written.
      void this.#chain(() => new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#write(fresh)));
    }
    group.add(ops);
    this.counters.writes++;
    return group.done;
  }

  /** The value of `key` as a check must see it: the newest pending write, else LevelDB's (a copy). */
  read(key: Uint8Array): Uint8Array | undefined {
    if (this.#unapplied.length > 0) {
      const id = keyString(key);
      for (let i = this.#unapplied.length - 1; i >= 0; i--) {
        const hit = this.#unapplied[i]!.lookup(id);
        if (hit !== undefined) return hit === null ? undefined : new Uint8Array(hit);
      }
    }
    const value = this.#db.getSync(key);
    return value === undefined ? undefined : plain(value);
  }

  /** Runs `fn` after everything accepted so far; later writes wait for it. */
  task<T>(fn: () => Promise<T>): Promise<T> {
    this.#open = undefined;
    return this.#chain(fn);
  }

  /** Resolves once everything accepted so far was written. */
  idle(): Promise<void> {
    return this.task(() => Promise.resolve());
  }

  /** Syncs LevelDB's log when `write-cache` writes were acknowledged since the last sync. */
  flush(): Promise<void> {
    return this.task(() => this.#syncNow());
  }

  /** Writes `ops` as one batch now, with the engine's durability; call it inside {@link task}. */
  async apply(ops: readonly LevelOp[]): Promise<void> {
    try {
      await this.#db.batch(ops as LevelOp[], { sync: this.#sync });
    } catch (err) {
      throw levelFailure(err, 'write');
    }
    this.counters.batches++;
    if (!this.#sync) this.#scheduleSync();
  }

  /** Waits for every accepted write and syncs what is not on disk yet; for close. */
  async drain(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #chain<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #write(group: Group): Promise<void> {
    if (this.#open === group) this.#open = undefined;
    try {
      await this.#db.batch(group.ops, { sync: this.#sync });
    } catch (err) {
      this.#unapplied.shift();
      group.reject(levelFailure(err, 'write'));
      return;
    }
    this.#unapplied.shift();
    this.counters.batches++;
    if (!this.#sync) this.#scheduleSync();
    group.resolve(COMMITTED);
  }

  #scheduleSync(): void {
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failed background sync leaves #dirty set: the next flush or close tries again.
      this.flush().catch(() => undefined);
    }, this.#flushDelayMs);
    this.#timer.unref();
  }

  async #syncNow(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    try {
      await this.#db.batch(SYNC_OPS as LevelOp[], { sync: true });
      this.counters.flushes++;
    } catch (err) {
      this.#dirty = true;
      throw levelFailure(err, 'flush');
    }
  }
}
