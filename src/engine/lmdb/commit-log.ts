/**
 * One writer's commit log: segment files of frames (log-record.ts) in `wal/<writer>/`.
 *
 * A group of writes is one LMDB transaction and one frame. The frame is written inside that
 * transaction, before LMDB commits it, into space the segment already owns; in `sync` mode it
 * is also synced there. So a write that fails (a full disk, an I/O error) rolls the transaction
 * back and nothing of it is stored; a frame whose transaction then fails to commit is erased
 * again ({@link CommitLog.discard}). Frames are never appended past what a checkpoint covers
 * without their group's `synced` mark, which lets recovery tell damage from a torn write.
 */
import { closeSync, fdatasyncSync, rmSync, writeSync, writevSync } from 'node:fs';
import { END_MARKER, sealFrame } from './log-record.js';
import { SegmentFiles, syncDir, syncDirAsync, type Segment } from './log-segments.js';

/** Options of {@link CommitLog.create}. */
export interface CommitLogOptions {
  /** This writer's folder (it exists). */
  readonly dir: string;
  /** Size of a segment file (the first one of a log is smaller). */
  readonly segmentBytes: number;
}

/** A frame written but not yet committed or discarded. */
interface Pending {
  readonly segment: Segment;
  readonly at: number;
  readonly length: number;
  readonly seq: number;
  synced: boolean;
}

/** One writer's commit log. */
export class CommitLog {
  /** This writer's folder. */
  readonly dir: string;
  readonly #files: SegmentFiles;
  readonly #sealed: Segment[] = [];
  #current: Segment;
  #pending: Pending | undefined;
  #appendedSeq: number;
  #durableSeq: number;
  #closed = false;

  private constructor(dir: string, files: SegmentFiles, segment: Segment, seq: number) {
    this.dir = dir;
    this.#files = files;
    this.#current = segment;
    this.#appendedSeq = seq;
    this.#durableSeq = seq;
  }

  /** Creates the log's first segment, for records after `seq` (synchronously). */
  static create(options: CommitLogOptions, seq: number): CommitLog {
    const files = new SegmentFiles(options.dir, options.segmentBytes);
    return new CommitLog(options.dir, files, files.first(seq), seq);
  }

  /** Highest sequence number committed to the log. */
  get appendedSeq(): number {
    return this.#appendedSeq;
  }

  /** Highest sequence number known to be on disk. */
  get durableSeq(): number {
    return this.#durableSeq;
  }

  /** True when the log has committed frames not yet synced. */
  get dirty(): boolean {
    return this.#durableSeq < this.#appendedSeq;
  }

  /**
   * Makes room for a frame of `bytes`: true when it fits the current segment, or a ready spare
   * became the next segment (the current one is synced and sealed first). False when no spare
   * is ready: call {@link prepare} and try again.
   */
  reserve(bytes: number): boolean {
    const need = bytes + END_MARKER.length;
    if (this.#current.offset + need <= this.#current.size) {
      // Zero-fill (or recycle) the next segment early, in the background.
      if (this.#current.offset * 2 > this.#current.size) void this.#files.prepare(need).catch(() => undefined);
      return true;
    }
    if (!this.#files.ready(need)) return false;
    const current = this.#current;
    if (current.offset === 0) {
      // An empty segment is replaced, not sealed: the next one would take its very name.
      const next = this.#files.take(current.lastSeq, need);
      if (next === undefined) return false;
      closeSync(current.fd);
      this.#current = next;
      return true;
    }
    // Everything in a sealed segment is on disk: recovery treats any bad frame there as damage.
    // In `sync` mode each group was synced with its frame already: a second sync would only
    // wait on the disk (a device flush) for nothing.
    if (current.synced < current.offset || this.#pending !== undefined) this.sync();
    const next = this.#files.take(current.lastSeq, need);
    if (next === undefined) return false;
    this.#sealed.push(current);
    this.#current = next;
    return true;
  }

  /** Prepares a spare segment of at least `bytes` off the main thread (rejects on a full disk). */
  prepare(bytes: number): Promise<void> {
    return this.#files.prepare(bytes + END_MARKER.length);
  }

  /**
   * Writes a frame (and the end marker after it) at the end of the current segment, which must
   * have room ({@link reserve}). Throws on any write error; until {@link commit} or
   * {@link discard}, the frame does not count as written.
   */
  write(frame: Buffer, seq: number): void {
    const segment = this.#current;
    sealFrame(frame, segment.synced);
    this.#pending = { segment, at: segment.offset, length: frame.length, seq, synced: false };
    const written = writevSync(segment.fd, [frame, END_MARKER], segment.offset);
    if (written !== frame.length + END_MARKER.length) throw Object.assign(new Error('short write to the commit log'), { code: 'EIO' });
  }

  /** The pending frame's transaction committed: it is now part of the log. */
  commit(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    pending.segment.offset = pending.at + pending.length;
    pending.segment.lastSeq = pending.seq;
    this.#appendedSeq = pending.seq;
    if (pending.synced) this.#durableSeq = pending.seq;
  }

  /**
   * The pending frame's transaction did not commit: zero its header and sync, so recovery
   * never replays a write that was refused (its sequence number goes to the next commit).
   */
  discard(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    writeSync(pending.segment.fd, Buffer.alloc(16), 0, 16, pending.at);
    fdatasyncSync(pending.segment.fd);
    pending.segment.synced = Math.min(pending.segment.synced, pending.at);
  }

  /** Syncs every frame written so far (committed, and a pending one) to disk. */
  sync(): void {
    const segment = this.#current;
    fdatasyncSync(segment.fd);
    const pending = this.#pending;
    if (pending?.segment === segment) {
      pending.synced = true;
      segment.synced = pending.at + pending.length;
    } else {
      segment.synced = segment.offset;
    }
    this.#durableSeq = this.#appendedSeq;
  }

  /**
   * Retires (recycles or deletes) every sealed segment whose records are all at most `seq`, off
   * the main thread: the renames, deletions and directory sync are file-system metadata work.
   */
  async release(seq: number): Promise<void> {
    const done: Segment[] = [];
    while (this.#sealed.length > 0 && this.#sealed[0]!.lastSeq <= seq) done.push(this.#sealed.shift()!);
    if (done.length === 0 || this.#closed) return;
    for (const segment of done) await this.#files.retire(segment);
    await syncDirAsync(this.dir);
  }

  /** Closes the files and deletes every segment (a checkpoint must cover all of them). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#files.close();
    for (const segment of [...this.#sealed.splice(0), this.#current]) {
      closeSync(segment.fd);
      rmSync(segment.path, { force: true });
    }
    syncDir(this.dir);
  }
}
