/**
 * The LMDB write path. Every write transaction bumps a sequence number stored in LMDB, so
 * LMDB always says how far it got and this process can tell when another one committed.
 *
 * With the commit log (the default), each write runs as one synchronous LMDB transaction
 * (checks, writes, sequence bump): ordered and checked under LMDB's cross-process write lock
 * and visible to every reader at once, while LMDB itself does not sync at commit. Durability
 * comes from the log (`sync`: acknowledged after the record's fdatasync, shared by every
 * writer waiting at that moment) and from checkpoints that sync LMDB and drop covered segments.
 * Without the log, writes are lmdb-js child transactions and LMDB syncs each commit itself.
 */
import { ABORT, type TransactionFlags } from 'lmdb';
import { CommitLog, type LogDurability } from './commit-log.js';
import { encodeRecord, type LoggedOp } from './log-record.js';
import { readSeq, recover, syncEnv, writeSeq, type RecoveryReport } from './lmdb-recovery.js';
import type { KeeprLmdb } from './lmdb-snapshot.js';

/** Options of {@link LmdbCommitter.open}. */
export interface CommitterOptions {
  /** `none`: no log and no sync until close or `flushed()` (bulk loads). */
  readonly durability: LogDurability | 'none';
  /** Use the commit log (else LMDB's own per-commit sync). */
  readonly log: boolean;
  readonly root: string;
  readonly flushDelayMs: number;
  readonly checkpointMs: number;
  readonly segmentBytes: number;
}

/** The body of a write transaction: the operations it made (for the log), or ABORT. */
export type CommitBody = () => readonly LoggedOp[] | typeof ABORT;

// Abortable, committed before returning, never waiting for a flush (LMDB runs without sync).
// (lmdb declares TransactionFlags as an ambient enum it does not export at run time.)
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const TXN_FLAGS: TransactionFlags = 0x10000 | 2 | 1;

// A transaction this large (operations, or bytes written) is followed by a tiny one: see #release.
const RELEASE_AFTER_OPS = 128;
const RELEASE_AFTER_BYTES = 256 * 1024;

interface Sequenced {
  logged?: readonly LoggedOp[];
  seq: number;
  foreign: boolean;
}

/** Commits transactions to LMDB and makes them as durable as configured. */
export class LmdbCommitter {
  /** What recovery did when the store was opened. */
  readonly recovery: RecoveryReport;
  readonly #db: KeeprLmdb;
  readonly #options: CommitterOptions;
  readonly #log: CommitLog | undefined;
  // Sequence number of this process's last commit: another value in LMDB before our next
  // commit means another process committed in between.
  #lastSeq: number;
  #observedSeq: number;
  #foreignCommits = 0;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<void> | undefined;
  #unsynced = false;
  #queue: { readonly body: CommitBody; readonly resolve: (committed: boolean) => void; readonly reject: (err: unknown) => void }[] = [];

  private constructor(db: KeeprLmdb, options: CommitterOptions, log: CommitLog | undefined, recovery: RecoveryReport) {
    this.#db = db;
    this.#options = options;
    this.#log = log;
    this.recovery = recovery;
    this.#lastSeq = readSeq(db);
    this.#observedSeq = this.#lastSeq;
  }

  /** Replays the logs of earlier runs, then starts this process's log (when configured). */
  static async open(db: KeeprLmdb, options: CommitterOptions): Promise<LmdbCommitter> {
    const recovery = await recover(db, options.root);
    const log = options.log && options.durability !== 'none' ? await CommitLog.create({ ...options, durability: options.durability }, readSeq(db)) : undefined;
    return new LmdbCommitter(db, options, log, recovery);
  }

  /** Grows whenever another process (or engine) is known to have committed: caches compare it. */
  get foreignCommits(): number {
    return this.#foreignCommits;
  }

  /** Notes the sequence number a reader sees; a number that is not ours means a foreign commit. */
  observe(seq: number): void {
    if (seq !== this.#lastSeq && seq !== this.#observedSeq) this.#foreignCommits++;
    this.#observedSeq = seq;
  }

  /**
   * Resolves true once `body` committed as durably as the mode promises; false when it aborted.
   * Bodies submitted in the same turn share one LMDB transaction, one log record and one sync
   * (group commit); each runs its checks before its own writes, so an aborting body leaves no
   * trace while the others commit, exactly as if each had its own transaction in turn.
   */
  commit(body: CommitBody): Promise<boolean> {
    if (!this.#options.log && this.#options.durability !== 'none') return this.#commitNative(body);
    return new Promise<boolean>((resolve, reject) => {
      this.#queue.push({ body, resolve, reject });
      if (this.#queue.length === 1) queueMicrotask(this.#drain);
    });
  }

  // Runs every queued body in one transaction. A microtask runs after the continuations already
  // queued, so writers woken together by the last flush all get into this group.
  readonly #drain = (): void => {
    const group = this.#queue;
    this.#queue = [];
    const committed: boolean[] = [];
    const logged: LoggedOp[] = [];
    const txn: Sequenced = { seq: 0, foreign: false };
    let bytes = 0;
    try {
      this.#db.transactionSync(
        () =>
          this.#run(() => {
            for (const { body } of group) {
              const result = body();
              const ok = Array.isArray(result);
              committed.push(ok);
              if (ok) {
                for (const op of result as readonly LoggedOp[]) {
                  logged.push(op);
                  if (op.type === 'put') bytes += op.value.length;
                }
              }
            }
            return committed.includes(true) ? logged : ABORT;
          }, txn),
        TXN_FLAGS,
      );
    } catch (err) {
      for (const { reject } of group) reject(err);
      return;
    }
    if (txn.logged !== undefined && (logged.length >= RELEASE_AFTER_OPS || bytes >= RELEASE_AFTER_BYTES)) this.#release();
    void this.#afterCommit(txn).then(
      () => {
        group.forEach(({ resolve }, i) => {
          resolve(committed[i] === true);
        });
      },
      (err: unknown) => {
        for (const { reject } of group) reject(err);
      },
    );
  };

  /** Makes a committed group as durable as the mode promises. */
  async #afterCommit(txn: Sequenced): Promise<void> {
    const { logged, seq, foreign } = txn;
    if (logged === undefined) return;
    this.#unsynced = true;
    this.#scheduleCheckpoint();
    if (this.#log === undefined) return;
    const appended = this.#log.append(encodeRecord(seq, logged), seq);
    if (this.#options.durability === 'sync') {
      await appended;
      // A commit of another process came just before ours and may only sit in its own log, not
      // yet on disk: sync LMDB so that ours never survives a crash without it.
      if (foreign) await syncEnv(this.#db);
    }
  }

  /**
   * Commits a tiny transaction (the sequence number rewritten unchanged) after a large one.
   * LMDB reuses a page freed by transaction T only from T + 2 on (until T + 1 commits, the
   * older meta page still points at it), so back-to-back large commits each leave the pages
   * of the one before stranded and the file grows by about twice what one commit dirties.
   * After this, the next commit can reuse what the large one freed: W5's file 60.7 -> 52.1 MiB.
   */
  #release(): void {
    try {
      this.#db.transactionSync(() => {
        writeSeq(this.#db, readSeq(this.#db));
      }, TXN_FLAGS);
    } catch {
      // Only an optimisation: without it the freed pages are reused one commit later.
    }
  }

  /** LMDB's own durability: a child transaction of lmdb-js's next batch, then its flush. */
  async #commitNative(body: CommitBody): Promise<boolean> {
    const txn: Sequenced = { seq: 0, foreign: false };
    // A plain `transaction()` would commit writes made before a throw; a child one rolls back.
    await this.#db.childTransaction(() => this.#run(body, txn));
    if (txn.logged === undefined) return false;
    if (this.#options.durability === 'sync') await this.#db.flushed;
    return true;
  }

  /** Transaction body wrapper: runs `body`, then bumps the sequence number. */
  #run(body: CommitBody, txn: Sequenced): unknown {
    const result = body();
    // lmdb types ABORT as `{}`, so test for the array the body returns when it commits.
    if (!Array.isArray(result)) return ABORT;
    const previous = readSeq(this.#db);
    txn.foreign = previous !== this.#lastSeq;
    if (txn.foreign) this.#foreignCommits++;
    txn.seq = previous + 1;
    writeSeq(this.#db, txn.seq);
    this.#lastSeq = txn.seq;
    txn.logged = result as readonly LoggedOp[];
    return undefined;
  }

  /** Resolves once every acknowledged commit is on disk. */
  async flushed(): Promise<void> {
    if (this.#log !== undefined) await this.#log.flushed();
    else if (this.#options.durability === 'none') await this.#checkpoint();
    else await this.#db.flushed;
  }

  /** Syncs LMDB and deletes what the logs no longer need, then closes this process's log. */
  async close(): Promise<void> {
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    await this.#checkpointing;
    await this.#log?.flushed();
    await syncEnv(this.#db);
    await this.#log?.close(true);
  }

  #scheduleCheckpoint(): void {
    if (this.#checkpointTimer !== undefined) return;
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      this.#checkpointing = this.#checkpoint().finally(() => {
        this.#checkpointing = undefined;
      });
    }, this.#options.checkpointMs);
    this.#checkpointTimer.unref();
  }

  /** Syncs LMDB now and retires the log segments it covers (normally done every `checkpointMs`). */
  async checkpoint(): Promise<void> {
    await this.#checkpointing;
    this.#unsynced = true;
    await this.#checkpoint();
  }

  async #checkpoint(): Promise<void> {
    if (!this.#unsynced) return;
    const seq = readSeq(this.#db);
    this.#unsynced = false;
    try {
      await syncEnv(this.#db);
      await this.#log?.release(seq);
    } catch {
      // A failed checkpoint only keeps log segments longer; the next one tries again.
      this.#unsynced = true;
      this.#scheduleCheckpoint();
    }
  }
}
