/**
 * Commit-log segment files. A segment is written in place inside a file whose blocks are
 * already allocated (filled with zeros, or an old segment recycled), because fdatasync on a
 * file that grows must also commit file-system metadata, and on ext4 that journal commit drags
 * along the LMDB file's newly written pages: a measured ~25 % fewer syncs per second. Zeroed
 * space ends the log (a frame length of 0); recycled space may still hold older frames, whose
 * sequence numbers are all below what LMDB had synced when the segment was recycled, so replay
 * ignores them.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A segment in use: its file, where the next frame goes and the last sequence number in it. */
export interface Segment {
  readonly path: string;
  readonly file: FileHandle;
  readonly size: number;
  offset: number;
  lastSeq: number;
}

/** Size of the first segment of a log: small, so opening a store stays quick. */
export const FIRST_SEGMENT_BYTES = 1024 * 1024;
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);
/** Covered segments kept for reuse instead of deleted. */
const MAX_SPARES = 2;

/** Name of a segment file: the first sequence number it may hold, zero-padded so names sort. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.log`;
}

/** Segment files of one writer folder, oldest first. */
export async function listSegments(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /^\d{16}\.log$/.test(n)).sort().map((n) => join(dir, n));
}

/** fsyncs a directory so that files created, renamed or removed in it survive a machine crash. */
export async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Creates a file of `size` zero bytes, all of them allocated and on disk. */
async function zeroFilled(path: string, size: number): Promise<FileHandle> {
  const file = await open(path, 'w+');
  try {
    for (let at = 0; at < size; at += ZERO_CHUNK.length) await file.write(ZERO_CHUNK, 0, Math.min(ZERO_CHUNK.length, size - at), at);
    await file.datasync();
    return file;
  } catch (err) {
    await file.close();
    throw err;
  }
}

interface Spare {
  readonly path: string;
  readonly file: FileHandle;
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

  /** The first segment of a new log, for records after `seq`. */
  async first(seq: number): Promise<Segment> {
    const path = join(this.#dir, segmentName(seq + 1));
    const size = this.#nextSize;
    this.#grow();
    const file = await zeroFilled(path, size);
    await syncDir(this.#dir);
    return { path, file, size, offset: 0, lastSeq: seq };
  }

  /** Starts preparing a spare in the background, so the next rotation does not wait for it. */
  prepareSpare(): void {
    if (this.#preparing !== undefined || this.#spares.length > 0) return;
    this.#preparing = this.#makeSpare(this.#nextSize)
      .catch(() => undefined)
      .finally(() => {
        this.#preparing = undefined;
      });
  }

  /** The segment that follows: a spare renamed after `firstSeq`, large enough for `bytes`. */
  async next(firstSeq: number, lastSeq: number, bytes: number): Promise<Segment> {
    const path = join(this.#dir, segmentName(firstSeq));
    if (bytes > Math.max(this.#segmentBytes, this.#nextSize)) {
      // One oversized record: a file of its own, written once.
      const file = await zeroFilled(path, bytes);
      await syncDir(this.#dir);
      return { path, file, size: bytes, offset: 0, lastSeq };
    }
    await this.#preparing;
    if (!this.#spares.some((s) => s.size >= bytes)) await this.#makeSpare(Math.max(bytes, this.#nextSize));
    const spare = this.#spares.splice(this.#spares.findIndex((s) => s.size >= bytes), 1)[0]!;
    await rename(spare.path, path);
    await syncDir(this.#dir);
    return { path, file: spare.file, size: spare.size, offset: 0, lastSeq };
  }

  /** Takes a segment LMDB now covers: kept as a spare when one is wanted, else deleted. */
  async retire(segment: Segment): Promise<void> {
    if (this.#spares.length < MAX_SPARES && segment.size >= this.#nextSize) {
      const path = join(this.#dir, `spare-${randomBytes(4).toString('hex')}.tmp`);
      await rename(segment.path, path);
      this.#spares.push({ path, file: segment.file, size: segment.size });
    } else {
      await segment.file.close();
      await rm(segment.path, { force: true });
    }
  }

  /** Closes the spare files (they are deleted with the folder). */
  async close(): Promise<void> {
    await this.#preparing;
    await Promise.all(this.#spares.splice(0).map((s) => s.file.close()));
  }

  async #makeSpare(size = this.#nextSize): Promise<void> {
    this.#grow();
    const path = join(this.#dir, `spare-${randomBytes(4).toString('hex')}.tmp`);
    const file = await zeroFilled(path, size);
    this.#spares.push({ path, file, size });
  }

  #grow(): void {
    this.#nextSize = Math.min(this.#nextSize * 2, this.#segmentBytes);
  }
}
