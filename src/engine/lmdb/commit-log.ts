/**
 * The commit log: an append-only, group-committed file per writer process. A transaction
 * commits to LMDB (which runs without its own per-commit sync) and appends a record here; in
 * `sync` mode the write is acknowledged once the record is on disk. Every record that arrives
 * while a flush is in flight joins the next one, so concurrent writers share one fdatasync.
 * LMDB is synced at checkpoints, after which older segments are deleted; on open, records
 * newer than LMDB's sequence number are replayed (see lmdb-recovery.ts).
 */
import { randomBytes } from 'node:crypto';
import { fdatasyncSync, writevSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeeprError } from '../../errors.js';
import { SegmentFiles, syncDir, type Segment } from './log-segments.js';

export { listSegments } from './log-segments.js';

/** When an append is acknowledged: once on disk (`sync`) or once in memory (`write-cache`). */
export type LogDurability = 'sync' | 'write-cache';

/** Options of {@link CommitLog.create}. */
export interface CommitLogOptions {
  /** The log root, `<store>/wal`; each writer process gets its own folder inside. */
  readonly root: string;
  readonly durability: LogDurability;
  /** `write-cache`: longest time an acknowledged record waits before its flush starts. */
  readonly flushDelayMs: number;
  /** Size of a segment file (the first one of a log is smaller). */
  readonly segmentBytes: number;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** One writer's commit log. */
export class CommitLog {
  /** This writer's folder. */
  readonly dir: string;
  readonly #options: CommitLogOptions;
  readonly #files: SegmentFiles;
  readonly #sealed: Segment[] = [];
  #current: Segment;
  #pending: Buffer[] = [];
  #waiters: Waiter[] = [];
  #appendedSeq = 0;
  #durableSeq = 0;
  #flushing = false;
  #timer: NodeJS.Timeout | undefined;
  #queued = false;
  #failure: KeeprError | undefined;
  #closed = false;

  private constructor(options: CommitLogOptions, dir: string, files: SegmentFiles, segment: Segment) {
    this.#options = options;
    this.dir = dir;
    this.#files = files;
    this.#current = segment;
  }

  /** Creates this process's writer folder and its first segment, starting after `seq`. */
  static async create(options: CommitLogOptions, seq: number): Promise<CommitLog> {
    const dir = join(options.root, `${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    await syncDir(options.root);
    const files = new SegmentFiles(dir, options.segmentBytes);
    const log = new CommitLog(options, dir, files, await files.first(seq));
    log.#appendedSeq = seq;
    log.#durableSeq = seq;
    return log;
  }

  /** Highest sequence number appended, and highest known to be on disk. */
  get appendedSeq(): number {
    return this.#appendedSeq;
  }

  get durableSeq(): number {
    return this.#durableSeq;
  }

  /**
   * Queues a record. In `sync` mode the promise resolves once it is on disk; in `write-cache`
   * mode it resolves at once and the flush starts within `flushDelayMs`.
   */
  append(frame: Buffer, seq: number): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new KeeprError('STORE_CLOSED', 'the commit log is closed'));
    this.#pending.push(frame);
    this.#appendedSeq = seq;
    if (this.#options.durability === 'write-cache') {
      this.#schedule(this.#options.flushDelayMs);
      return Promise.resolve();
    }
    const done = this.#wait(seq);
    this.#schedule(0);
    return done;
  }

  /** Resolves once everything appended so far is on disk (flushing now if need be). */
  flushed(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#durableSeq >= this.#appendedSeq) return Promise.resolve();
    const done = this.#wait(this.#appendedSeq);
    this.#schedule(0);
    return done;
  }

  /**
   * Called after LMDB was synced up to `seq`: seals the current segment when all its records
   * are covered, and deletes every sealed segment LMDB now holds durably.
   */
  async release(seq: number): Promise<void> {
    if (this.#closed || this.#failure !== undefined) return;
    let removed = false;
    while (this.#sealed.length > 0 && this.#sealed[0]!.lastSeq <= seq) {
      await this.#files.retire(this.#sealed.shift()!);
      removed = true;
    }
    if (removed) await syncDir(this.dir);
  }

  /** Flushes, closes the file and, when `remove` is set (LMDB is synced), deletes the folder. */
  async close(remove: boolean): Promise<void> {
    if (this.#closed) return;
    await this.flushed().catch(() => undefined);
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#files.close();
    await Promise.all([this.#current, ...this.#sealed.splice(0)].map((segment) => segment.file.close()));
    if (remove && this.#failure === undefined) await rm(this.dir, { recursive: true, force: true });
  }

  #wait(seq: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq, resolve, reject });
    });
  }

  /** Starts a flush after `delay` ms (0: on the next turn, so this turn's appends join it). */
  #schedule(delay: number): void {
    if (this.#flushing) return; // the running flush loops until nothing is pending
    if (delay === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#queued) return;
      // A microtask runs after every continuation already queued, so writers woken by the last
      // flush append their next records first and share this one.
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        void this.#flush();
      });
    } else if (this.#timer === undefined && !this.#queued) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#flush();
      }, delay);
    }
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    try {
      while (this.#pending.length > 0 && this.#failure === undefined) {
        const buffers = this.#pending;
        const upTo = this.#appendedSeq;
        this.#pending = [];
        try {
          const bytes = buffers.reduce((n, b) => n + b.length, 0);
          if (this.#current.offset + bytes > this.#current.size) await this.#rotate(bytes);
          // Synchronous on purpose: no thread-pool round trips between the records and their
          // sync. Every append made while this runs joins the next flush.
          writevSync(this.#current.file.fd, buffers, this.#current.offset);
          fdatasyncSync(this.#current.file.fd);
          this.#current.offset += bytes;
          // Zero-fill (or recycle) the next segment early, in the background.
          if (this.#current.offset * 2 > this.#current.size) this.#files.prepareSpare();
          this.#current.lastSeq = upTo;
          this.#durableSeq = upTo;
        } catch (err) {
          // A log that failed to write cannot promise anything any more: fail every waiter now and
          // every later write, rather than acknowledging writes that may not be on disk.
          this.#failure = new KeeprError('ENGINE_FAILURE', `commit log write failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        this.#settle();
      }
    } finally {
      this.#flushing = false;
    }
    this.#settle();
  }

  #settle(): void {
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (this.#failure !== undefined) w.reject(this.#failure);
      else if (w.seq <= this.#durableSeq) w.resolve();
      else keep.push(w);
    }
    this.#waiters = keep;
  }

  /** Seals the current segment and continues in the next, large enough for `bytes`. */
  async #rotate(bytes: number): Promise<void> {
    const next = await this.#files.next(this.#current.lastSeq + 1, this.#current.lastSeq, bytes);
    this.#sealed.push(this.#current);
    this.#current = next;
  }
}
