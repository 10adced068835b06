/**
 * The LMDB write path with a commit log. Each write runs as one synchronous LMDB transaction
 * (checks, writes and a sequence-number bump), so it is ordered and checked under LMDB's
 * cross-process write lock and visible to every reader at once; LMDB itself does not sync at
 * commit. Durability comes from the commit log (`sync`: acknowledged after the record's
 * fdatasync, shared by every writer waiting at that moment) and from checkpoints that sync
 * LMDB and drop the log segments it now covers.
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
  readonly root: string;
  readonly flushDelayMs: number;
  readonly checkpointMs: number;
  readonly segmentBytes: number;
}

// Abortable, committed before returning, never waiting for a flush (LMDB runs without sync).
// (lmdb declares TransactionFlags as an ambient enum it does not export at run time.)
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const TXN_FLAGS: TransactionFlags = 0x10000 | 2 | 1;

/** Commits transactions to LMDB and makes them durable through the commit log. */
export class LmdbCommitter {
  /** What recovery did when the store was opened. */
  readonly recovery: RecoveryReport;
  readonly #db: KeeprLmdb;
  readonly #options: CommitterOptions;
  readonly #log: CommitLog | undefined;
  // Sequence number of this process's last commit: a different value in LMDB before our next
  // commit means another process committed in between.
  #lastSeq: number;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<void> | undefined;
  #unsynced = false;

  private constructor(db: KeeprLmdb, options: CommitterOptions, log: CommitLog | undefined, recovery: RecoveryReport) {
    this.#db = db;
    this.#options = options;
    this.#log = log;
    this.recovery = recovery;
    this.#lastSeq = readSeq(db);
  }

  /** Replays the logs of earlier runs, then starts this process's log. */
  static async open(db: KeeprLmdb, options: CommitterOptions): Promise<LmdbCommitter> {
    const recovery = await recover(db, options.root);
    const log = options.durability === 'none' ? undefined : await CommitLog.create({ ...options, durability: options.durability }, readSeq(db));
    return new LmdbCommitter(db, options, log, recovery);
  }

  /**
   * Runs `body` in one synchronous write transaction. `body` returns the operations to log,
   * or ABORT to roll everything back. Resolves true once the commit is as durable as the mode
   * promises (`syncNow`: synced in LMDB itself, for rare registry changes), false when aborted.
   */
  async commit(body: () => readonly LoggedOp[] | typeof ABORT, syncNow = false): Promise<boolean> {
    const txn: { logged?: readonly LoggedOp[]; seq: number; foreign: boolean } = { seq: 0, foreign: false };
    const db = this.#db;
    db.transactionSync(() => {
      const result = body();
      // lmdb types ABORT as `{}`, so test for the array the body returns when it commits.
      if (!Array.isArray(result)) return ABORT;
      const previous = readSeq(db);
      txn.foreign = previous !== this.#lastSeq;
      txn.seq = previous + 1;
      writeSeq(db, txn.seq);
      txn.logged = result as readonly LoggedOp[];
      return undefined;
    }, TXN_FLAGS);
    const { logged, seq, foreign } = txn;
    if (logged === undefined) return false;
    this.#lastSeq = seq;
    this.#unsynced = true;
    if (syncNow || this.#log === undefined) {
      if (syncNow) await syncEnv(db);
      else this.#scheduleCheckpoint();
      return true;
    }
    const appended = this.#log.append(encodeRecord(seq, logged), seq);
    this.#scheduleCheckpoint();
    if (this.#options.durability === 'sync') {
      await appended;
      // A commit of another process came just before ours and may only sit in its own log, not
      // yet on disk: sync LMDB so that ours never survives a crash without it.
      if (foreign) await syncEnv(db);
    }
    return true;
  }

  /** Resolves once every acknowledged commit is on disk. */
  async flushed(): Promise<void> {
    if (this.#log === undefined) {
      if (this.#unsynced) await this.#checkpoint();
      return;
    }
    await this.#log.flushed();
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

  async #checkpoint(): Promise<void> {
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
