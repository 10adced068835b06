/**
 * Commit-log segment files. A segment is written in place inside a file whose blocks are
 * already allocated (filled with zeros, or an old segment recycled): fdatasync on a file that
 * grows must also commit file-system metadata, and on ext4 that journal commit drags along the
 * LMDB file's newly written pages (a measured ~25 % fewer syncs per second); and a write into
 * allocated blocks cannot fail for lack of space, so a full disk shows up here, when a spare is
 * made, before any commit depends on it. Zeroed space ends the log; recycled space may still
 * hold older frames, whose sequence numbers are all covered by a checkpoint, so replay ignores
 * them. A segment's name is the first sequence number it may hold, zero-padded so names sort.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync, write as writeCb, fdatasync as fdatasyncCb, fsync as fsyncCb, close as closeCb, open as openCb } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const writeAsync = promisify(writeCb);
const fdatasyncAsync = promisify(fdatasyncCb);
const closeAsync = promisify(closeCb);
const fsyncAsync = promisify(fsyncCb);
const openAsync = promisify(openCb);

/** A segment in use: its file, where the next frame goes and the last sequence number in it. */
export interface Segment {
  readonly path: string;
  readonly fd: number;
  readonly size: number;
  /** Bytes of frames written (the next frame goes here). */
  offset: number;
  /** Bytes known to be on disk (fdatasync'ed). */
  synced: number;
  lastSeq: number;
}

/** Size of the first segment of a log: small, so opening a store stays quick. */
export const FIRST_SEGMENT_BYTES = 64 * 1024;
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);
/** Covered segments kept for reuse instead of deleted. */
const MAX_SPARES = 2;
const SEGMENT = /^(\d{16})\.log$/;

/** Name of a segment file: the first sequence number it may hold. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.log`;
}

/** Segment files of one writer folder, oldest first, with the first sequence each may hold. */
export function listSegments(dir: string): { readonly path: string; readonly firstSeq: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => SEGMENT.test(n))
    .sort()
    .map((n) => ({ path: join(dir, n), firstSeq: Number(n.slice(0, 16)) }));
}

/** fsyncs a directory so that files created, renamed or removed in it survive a machine crash. */
export function syncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The same, off the main thread. */
export async function syncDirAsync(path: string): Promise<void> {
  const fd = await openAsync(path, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
}

/** Creates a file of `size` zero bytes, all of them allocated and on disk (synchronously). */
function zeroFilledSync(path: string, size: number): number {
  const fd = openSync(path, 'w+', 0o644);
  try {
    for (let at = 0; at < size; ) at += writeSync(fd, ZERO_CHUNK, 0, Math.min(ZERO_CHUNK.length, size - at), at);
    fsyncSync(fd);
    return fd;
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw err;
  }
}

/** The same, off the main thread. */
async function zeroFilled(path: string, size: number): Promise<number> {
  const fd = await openAsync(path, 'w+', 0o644);
  try {
    for (let at = 0; at < size; ) at += (await writeAsync(fd, ZERO_CHUNK, 0, Math.min(ZERO_CHUNK.length, size - at), at)).bytesWritten;
    await fdatasyncAsync(fd);
    return fd;
  } catch (err) {
    await closeAsync(fd);
    await rm(path, { force: true });
    throw err;
  }
}

interface Spare {
  readonly path: string;
  readonly fd: number;
  readonly size: number;
}

/** Makes, hands out and recycles the segment files of one writer folder. */
export class SegmentFiles {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #spares: Spare[] = [];
  #preparing: Promise<void> | undefined;
  // Segments double in size up to segmentBytes, so a short-lived or lightly used log never
  // zero-fills a large file, and a busy one soon rotates rarely.
  #nextSize: number;

  constructor(dir: string, segmentBytes: number) {
    this.#dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#nextSize = Math.min(FIRST_SEGMENT_BYTES, segmentBytes);
  }

  /** The first segment of a new log, for records after `seq` (made synchronously). */
  first(seq: number): Segment {
    const path = join(this.#dir, segmentName(seq + 1));
    const size = this.#nextSize;
    this.#grow();
    const fd = zeroFilledSync(path, size);
    syncDir(this.#dir);
    return { path, fd, size, offset: 0, synced: 0, lastSeq: seq };
  }

  /** True when a spare of at least `bytes` is ready for {@link take}. */
  ready(bytes: number): boolean {
    return this.#spares.some((s) => s.size >= bytes);
  }

  /** Starts preparing a spare in the background; the promise settles when it is ready or failed. */
  prepare(bytes = 0): Promise<void> {
    if (this.ready(bytes)) return Promise.resolve();
    this.#preparing ??= this.#makeSpare(Math.max(bytes, this.#nextSize)).finally(() => {
      this.#preparing = undefined;
    });
    return this.#preparing;
  }

  /** The next segment, for records after `lastSeq`, from a ready spare (undefined if none is). */
  take(lastSeq: number, bytes: number): Segment | undefined {
    const index = this.#spares.findIndex((s) => s.size >= bytes);
    if (index < 0) return undefined;
    const spare = this.#spares.splice(index, 1)[0]!;
    const path = join(this.#dir, segmentName(lastSeq + 1));
    renameSync(spare.path, path);
    syncDir(this.#dir);
    return { path, fd: spare.fd, size: spare.size, offset: 0, synced: 0, lastSeq };
  }

  /** Takes a segment a checkpoint covers: kept as a spare when one is wanted, else deleted. */
  async retire(segment: Segment): Promise<void> {
    if (this.#spares.length < MAX_SPARES && segment.size >= this.#nextSize && segment.size <= this.#segmentBytes) {
      const path = join(this.#dir, `spare-${randomBytes(4).toString('hex')}.tmp`);
      await rename(segment.path, path);
      this.#spares.push({ path, fd: segment.fd, size: segment.size });
    } else {
      await closeAsync(segment.fd);
      await rm(segment.path, { force: true });
    }
  }

  /** Closes and deletes the spare files. */
  async close(): Promise<void> {
    await this.#preparing?.catch(() => undefined);
    for (const spare of this.#spares.splice(0)) {
      closeSync(spare.fd);
      rmSync(spare.path, { force: true });
    }
  }

  async #makeSpare(size: number): Promise<void> {
    if (size <= this.#nextSize) this.#grow();
    const path = join(this.#dir, `spare-${randomBytes(4).toString('hex')}.tmp`);
    const fd = await zeroFilled(path, size);
    this.#spares.push({ path, fd, size });
  }

  #grow(): void {
    this.#nextSize = Math.min(this.#nextSize * 2, this.#segmentBytes);
  }
}
