/**
 * A writer's checkpoints. A checkpoint pins the newest LMDB state with a read transaction (so
 * LMDB never reuses its pages), reads its meta page and sequence number under LMDB's write lock,
 * syncs LMDB's data file, and records the meta page in the writer's checkpoint file; then the
 * previous pin is released. After a power cut, recovery can set LMDB back to the newest
 * recorded checkpoint: its pages are on disk and nothing wrote over them since.
 */
import { fdatasyncSync } from 'node:fs';
import { ABORT, type TransactionFlags } from 'lmdb';
import { KeeprError } from '../../errors.js';
import type { Checkpoint, CheckpointFile } from './checkpoint-file.js';
import { engineFailure } from './io-errors.js';
import { latestMeta, type MetaPage } from './lmdb-meta.js';
import { readSeq, syncEnv } from './lmdb-seq.js';
import type { KeeprLmdb } from './lmdb-keys.js';
import { currentBootId } from './writer-registry.js';

/** A read transaction that pins a checkpointed LMDB state. */
interface Pin {
  done(): void;
}

interface Capture {
  readonly pin: Pin;
  readonly meta: MetaPage;
  readonly seq: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const CAPTURE_FLAGS: TransactionFlags = 0x10000 | 2 | 1;

/** Pins the newest state, then reads its meta page and sequence number under the write lock. */
function capture(db: KeeprLmdb, fd: number): Capture {
  db.resetReadTxn();
  const pin: Pin = db.useReadTransaction();
  try {
    let found: { meta: MetaPage; seq: number } | undefined;
    // Holding the write lock, the newest meta page on file is the newest commit's; the pin is
    // at most that old, which protects that commit's pages too.
    db.transactionSync(() => {
      const meta = latestMeta(fd);
      if (meta !== undefined) found = { meta, seq: readSeq(db) };
      return ABORT;
    }, CAPTURE_FLAGS);
    if (found === undefined) throw new KeeprError('STORE_CORRUPT', 'the LMDB data file has no valid meta page');
    return { pin, ...found };
  } catch (err) {
    pin.done();
    throw err;
  }
}

/** Takes and records one writer's checkpoints. */
export class Checkpointer {
  readonly #db: KeeprLmdb;
  readonly #dataFd: number;
  readonly #file: CheckpointFile;
  readonly #storeDir: string;
  #pin: Pin | undefined;
  #seq = 0;
  #page = 0;
  #error: KeeprError | undefined;

  /** Takes the first checkpoint synchronously (under the open lock, before any write). */
  constructor(db: KeeprLmdb, dataFd: number, file: CheckpointFile, storeDir: string) {
    this.#db = db;
    this.#dataFd = dataFd;
    this.#file = file;
    this.#storeDir = storeDir;
    const first = capture(db, dataFd);
    try {
      fdatasyncSync(dataFd);
      this.#record(first);
    } catch (err) {
      first.pin.done();
      throw err;
    }
  }

  /** Sequence number of the newest checkpoint: every commit up to it is durable in LMDB. */
  get seq(): number {
    return this.#seq;
  }

  /** Why the last checkpoint failed, until one succeeds. */
  get error(): KeeprError | undefined {
    return this.#error;
  }

  /**
   * True when the data file grew since the newest checkpoint by `bytes` and by `fraction` of its
   * size then (pages freed since the checkpoint are pinned, so rewrites grow the file; plain
   * inserts grow it too, and need no checkpoint for that).
   */
  grown(bytes: number, fraction: number): boolean {
    const meta = latestMeta(this.#dataFd);
    if (meta === undefined) return false;
    const grown = (meta.lastPage - this.#page) * meta.pageSize;
    return grown >= bytes && grown >= fraction * this.#page * meta.pageSize;
  }

  /**
   * Takes a checkpoint of the newest state: true once recorded; false when it failed (the
   * previous checkpoint stays, and with it every log segment after it).
   */
  async take(): Promise<boolean> {
    let next: Capture;
    try {
      next = capture(this.#db, this.#dataFd);
    } catch (err) {
      this.#error = engineFailure(err, 'checkpoint', this.#storeDir);
      return false;
    }
    try {
      await syncEnv(this.#db);
      await this.#file.writeAsync(this.#entry(next));
      this.#adopt(next);
    } catch (err) {
      next.pin.done();
      this.#error = engineFailure(err, 'checkpoint', this.#storeDir);
      return false;
    }
    return true;
  }

  #record(next: Capture): void {
    this.#file.write(this.#entry(next));
    this.#adopt(next);
  }

  #entry(next: Capture): Omit<Checkpoint, 'generation'> {
    return { txnId: next.meta.txnId, seq: next.seq, boot: currentBootId(), writtenAt: Date.now(), meta: next.meta };
  }

  /** The recorded capture becomes the checkpoint: its pin replaces the previous one. */
  #adopt(next: Capture): void {
    this.#pin?.done();
    this.#pin = next.pin;
    this.#seq = next.seq;
    this.#page = next.meta.lastPage;
    this.#error = undefined;
  }

  /** Releases the pin and closes the checkpoint file (the file itself stays for recovery). */
  close(): void {
    this.#pin?.done();
    this.#pin = undefined;
    this.#file.close();
  }
}
