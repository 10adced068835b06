/**
 * The LMDB write path. Writes submitted in one event-loop turn run, from a macrotask, as one
 * synchronous LMDB transaction (checks, writes, a sequence-number bump) under LMDB's
 * cross-process write lock, with LMDB's own sync off. Inside that transaction, before LMDB
 * commits, the group's frame goes into this writer's commit log, and in `sync` mode it is synced
 * there: a write that fails on the way (a full disk, an I/O error) is rolled back whole.
 *
 * Checkpoints (every `checkpointMs`, and whenever a commit followed another process's) sync
 * LMDB's file and record the synced transaction's meta page in the writer's checkpoint file,
 * keeping a read transaction on it so LMDB never writes over its pages: after a power cut,
 * recovery sets LMDB back to that checkpoint and replays the logs (lmdb-recovery.ts).
 * Acknowledgements go out in commit order, each once its group is as durable as the mode says.
 */
import { ABORT, type TransactionFlags } from 'lmdb';
import { KeeprError } from '../../errors.js';
import type { EngineHealth } from '../engine.js';
import type { CheckpointFile } from './checkpoint-file.js';
import { Checkpointer } from './lmdb-checkpoint.js';
import { CommitLog } from './commit-log.js';
import { readSeq, writeSeq } from './lmdb-seq.js';
import { engineFailure, hasFreeSpace } from './io-errors.js';
import type { KeeprLmdb } from './lmdb-keys.js';
import { encodeRecord, FrameScratch, type LoggedOp } from './log-record.js';

/** Options of {@link LmdbCommitter.open}. */
export interface CommitterOptions {
  readonly durability: 'sync' | 'write-cache';
  /** This writer's folder (log segments and checkpoint file). */
  readonly dir: string;
  /** The store directory (for free-space checks). */
  readonly storeDir: string;
  /** An open descriptor of LMDB's data file (meta pages are read through it). */
  readonly dataFd: number;
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
// Checkpoint at once when the data file grew this much (and by this share of its size) since the
// last checkpoint: the pages freed since then are pinned (not reusable) until the next one.
const CHECKPOINT_AFTER_GROWTH = 4 * 1024 * 1024;
const CHECKPOINT_AFTER_SHARE = 0.125;

interface Waiting {
  readonly body: CommitBody;
  readonly resolve: (committed: boolean) => void;
  readonly reject: (err: unknown) => void;
}

/** What a group's transaction did. */
interface GroupRun {
  readonly committed: boolean[];
  readonly logged: LoggedOp[];
  seq: number;
  foreign: boolean;
  bytes: number;
  needRoom: number;
}

/** A committed group on its way to being acknowledged or made durable. */
interface Group {
  readonly seq: number;
  /** Another process committed just before: durable only once a checkpoint covers `seq`. */
  readonly needsCheckpoint: boolean;
  members: Waiting[] | undefined;
  readonly committed: readonly boolean[];
}

/** Commits transactions to LMDB and makes them as durable as configured. */
export class LmdbCommitter {
  readonly #db: KeeprLmdb;
  readonly #options: CommitterOptions;
  readonly #log: CommitLog;
  readonly #checkpoints: Checkpointer;
  // Each group's frame is encoded here: it is written (or refused) before the next group runs.
  readonly #frames = new FrameScratch();
  // Sequence number of this writer's last commit: another value in LMDB before our next
  // commit means another process (or engine) committed in between.
  #lastSeq: number;
  #observedSeq: number;
  #foreignCommits = 0;
  #queue: Waiting[] = [];
  #scheduled = false;
  readonly #groups: Group[] = [];
  #idle: (() => void)[] = [];
  #checkpointing: Promise<void> | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #failure: KeeprError | undefined;
  #full: KeeprError | undefined;
  #closed = false;

  private constructor(db: KeeprLmdb, options: CommitterOptions, log: CommitLog, checkpoints: Checkpointer) {
    this.#db = db;
    this.#options = options;
    this.#log = log;
    this.#checkpoints = checkpoints;
    this.#lastSeq = readSeq(db);
    this.#observedSeq = this.#lastSeq;
  }

  /**
   * Starts this writer: a checkpoint of the current state (so its writes never go to pages
   * recovery may need) and its commit log. Synchronous: called under the store's open lock.
   */
  static open(db: KeeprLmdb, options: CommitterOptions, file: CheckpointFile): LmdbCommitter {
    const checkpoints = new Checkpointer(db, options.dataFd, file, options.storeDir);
    try {
      const log = CommitLog.create({ dir: options.dir, segmentBytes: options.segmentBytes }, checkpoints.seq);
      return new LmdbCommitter(db, options, log, checkpoints);
    } catch (err) {
      checkpoints.close();
      throw err;
    }
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

  /** Whether writes can be taken now (a full disk or a failed sync says no). */
  health(): EngineHealth {
    if (this.#failure !== undefined) return { writable: false, code: this.#failure.code, message: this.#failure.message };
    if (this.#full !== undefined && !hasFreeSpace(this.#options.storeDir)) return { writable: false, code: 'STORE_FULL', message: this.#full.message };
    const cp = this.#checkpoints.error;
    if (cp?.code === 'STORE_FULL' && !hasFreeSpace(this.#options.storeDir)) return { writable: false, code: 'STORE_FULL', message: cp.message };
    return { writable: true };
  }

  /**
   * Resolves true once `body` committed as durably as the mode promises; false when it aborted.
   * Bodies submitted in the same turn share one transaction, one log frame and one sync (group
   * commit); each runs its checks before its own writes, so an aborting body leaves no trace
   * while the others commit, exactly as if each had its own transaction in turn.
   */
  commit(body: CommitBody): Promise<boolean> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new KeeprError('STORE_CLOSED', 'the store is closed'));
    return new Promise<boolean>((resolve, reject) => {
      this.#queue.push({ body, resolve, reject });
      this.#schedule();
    });
  }

  // A macrotask, not a microtask: a loop of awaited writes must let timers and I/O run.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const group = this.#queue;
    this.#queue = [];
    if (group.length === 0) return;
    if (this.#failure !== undefined) {
      for (const w of group) w.reject(this.#failure);
      return;
    }
    const run: GroupRun = { committed: [], logged: [], seq: 0, foreign: false, bytes: 0, needRoom: 0 };
    try {
      this.#db.transactionSync(() => this.#runGroup(group, run), TXN_FLAGS);
    } catch (err) {
      this.#refuse(group, err);
      return;
    }
    if (run.needRoom > 0) {
      this.#waitForRoom(group, run.needRoom);
      return;
    }
    const { committed, logged, seq, foreign, bytes } = run;
    if (!committed.includes(true)) {
      group.forEach((w) => {
        w.resolve(false);
      });
      return;
    }
    this.#log.commit();
    this.#lastSeq = seq;
    this.#full = undefined;
    if (foreign) this.#foreignCommits++;
    const large = logged.length >= RELEASE_AFTER_OPS || bytes >= RELEASE_AFTER_BYTES;
    if (large) this.#release();
    this.#groups.push({ seq, needsCheckpoint: foreign, members: group, committed });
    if (this.#options.durability === 'write-cache') {
      // Acknowledged now; made durable within flushDelayMs.
      this.#acknowledge(this.#groups.at(-1)!);
      this.#flushTimer ??= setTimeout(this.#flush, this.#options.flushDelayMs);
    }
    if (foreign || (large && this.#checkpoints.grown(CHECKPOINT_AFTER_GROWTH, CHECKPOINT_AFTER_SHARE))) this.#requestCheckpoint(0);
    else this.#requestCheckpoint(this.#options.checkpointMs);
    this.#settle();
  };

  /** The body of a group's transaction: every member's body, the sequence bump, the log frame. */
  #runGroup(group: readonly Waiting[], run: GroupRun): typeof ABORT | undefined {
    for (const { body } of group) {
      const result = body();
      const ok = Array.isArray(result);
      run.committed.push(ok);
      if (!ok) continue;
      for (const op of result as readonly LoggedOp[]) {
        run.logged.push(op);
        if (op.type === 'put') run.bytes += op.value.length;
      }
    }
    if (!run.committed.includes(true)) return ABORT;
    const previous = readSeq(this.#db);
    run.foreign = previous !== this.#lastSeq;
    run.seq = previous + 1;
    writeSeq(this.#db, run.seq);
    const frame = encodeRecord(run.seq, run.logged, this.#frames);
    if (!this.#log.reserve(frame.length)) {
      run.needRoom = frame.length;
      return ABORT;
    }
    this.#log.write(frame, run.seq);
    if (this.#options.durability === 'sync') this.#log.sync();
    return undefined;
  }

  /** A group failed before LMDB committed: nothing of it is stored; erase its frame if written. */
  #refuse(group: readonly Waiting[], err: unknown): void {
    let error = engineFailure(err, 'write', this.#options.storeDir);
    try {
      this.#log.discard();
    } catch (discardErr) {
      // The refused frame may still be replayed one day: stop taking writes.
      this.#failure = engineFailure(discardErr, 'commit log erase');
      error = this.#failure;
    }
    if (error.code === 'STORE_FULL') this.#full = error;
    for (const w of group) w.reject(error);
  }

  /** The log had no ready segment: make one off the main thread, then run the group again. */
  #waitForRoom(group: Waiting[], bytes: number): void {
    this.#queue = [...group, ...this.#queue];
    this.#log.prepare(bytes).then(
      () => {
        this.#schedule();
      },
      (err: unknown) => {
        const waiting = this.#queue;
        this.#queue = [];
        this.#refuse(waiting, err);
      },
    );
  }

  #acknowledge(group: Group): void {
    const members = group.members;
    if (members === undefined) return;
    group.members = undefined;
    members.forEach((w, i) => {
      w.resolve(group.committed[i] === true);
    });
  }

  /** Acknowledges, in commit order, every group that is now durable. */
  #settle(): void {
    const groups = this.#groups;
    while (groups.length > 0) {
      const g = groups[0]!;
      // A checkpoint at or past the group makes it durable through LMDB itself.
      const covered = this.#checkpoints.seq >= g.seq;
      if (!covered && (this.#log.durableSeq < g.seq || g.needsCheckpoint)) break;
      groups.shift();
      this.#acknowledge(g);
    }
    if (groups.length === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** `write-cache`: syncs the log, and checkpoints when a group needs it. */
  readonly #flush = (): void => {
    this.#flushTimer = undefined;
    if (this.#failure !== undefined || this.#closed) return;
    try {
      if (this.#log.dirty) this.#log.sync();
    } catch (err) {
      this.#fail(err, 'commit log sync');
      return;
    }
    if (this.#groups.some((g) => g.needsCheckpoint && this.#checkpoints.seq < g.seq)) this.#requestCheckpoint(0);
    this.#settle();
  };

  /** A sync failed: acknowledged writes may not be on disk, so refuse every write from now on. */
  #fail(err: unknown, what: string): void {
    this.#failure = engineFailure(err, what, this.#options.storeDir);
    const failure = this.#failure;
    for (const g of this.#groups.splice(0)) {
      for (const w of g.members ?? []) w.reject(failure);
    }
    for (const w of this.#queue.splice(0)) w.reject(failure);
  }

  /**
   * Commits a tiny transaction (the sequence number rewritten unchanged) after a large one.
   * LMDB reuses a page freed by transaction T only from T + 2 on (until T + 1 commits, the
   * older meta page still points at it), so back-to-back large commits each leave the pages
   * of the one before stranded and the file grows by about twice what one commit dirties.
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

  /** Resolves once every acknowledged write is on disk. */
  async flushed(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#groups.length === 0 && this.#queue.length === 0) return;
    const idle = new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flush();
    }
    await idle;
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #requestCheckpoint(delay: number): void {
    if (this.#closed) return;
    if (delay > 0 && this.#checkpointTimer !== undefined) return;
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      void this.checkpoint();
    }, delay);
    if (delay > 0) this.#checkpointTimer.unref();
  }

  /** Syncs LMDB now, records the checkpoint and retires the log segments it covers. */
  async checkpoint(): Promise<void> {
    while (this.#checkpointing !== undefined) await this.#checkpointing;
    if (this.#failure !== undefined) return;
    this.#checkpointing = this.#checkpoint().finally(() => {
      this.#checkpointing = undefined;
    });
    await this.#checkpointing;
  }

  async #checkpoint(): Promise<void> {
    if (!(await this.#checkpoints.take())) {
      // The log still holds everything since the previous checkpoint: nothing is lost; retry.
      this.#requestCheckpoint(this.#options.checkpointMs);
      return;
    }
    await this.#log.release(this.#checkpoints.seq);
    this.#settle();
  }

  /** Makes everything durable, checkpoints a last time and closes the log. */
  async close(): Promise<void> {
    while (this.#scheduled || this.#queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    clearTimeout(this.#checkpointTimer);
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#failure === undefined) {
      await this.checkpoint();
      this.#settle();
    }
    this.#closed = true;
    clearTimeout(this.#checkpointTimer);
    if (this.#failure === undefined) await this.#log.close();
    this.#checkpoints.close();
  }
}
