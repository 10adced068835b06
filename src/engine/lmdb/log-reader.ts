/**
 * Reads a writer's commit log for recovery and tells a torn tail from damage.
 *
 * A writer writes a group of frames, syncs, and only then writes into space after it, so at a
 * crash only the last group(s) written since the last sync can be torn. Every frame carries
 * how far its segment was synced when it was written. Reading stops at the end marker, at a
 * frame whose sequence number is not above the one before (a recycled segment's stale frame),
 * or at a bad frame. A bad frame is **damage** (the log cannot be replayed past it) when it
 * sits in a sealed segment (sealing syncs), or when a valid frame after it was written once the
 * bad one's bytes had been synced; otherwise it is the **torn tail** of an unacknowledged write.
 */
import { readFileSync } from 'node:fs';
import { FRAME_MAGIC, readFrame, type LogRecord } from './log-record.js';
import { listSegments } from './log-segments.js';

/** Where a log is damaged. */
export interface LogDamage {
  /** The segment file. */
  readonly segment: string;
  /** Byte offset of the bad frame in it. */
  readonly offset: number;
  readonly reason: string;
}

/** What a writer's log holds. */
export interface WriterLog {
  /** Valid records, in order. */
  readonly records: LogRecord[];
  /** First sequence number the oldest segment may hold (records before it were checkpointed). */
  readonly firstSeq: number | undefined;
  /** A torn tail: the unacknowledged last write, cut by the crash. */
  readonly torn: LogDamage | undefined;
  /** Damage: records after it could not be read. */
  readonly damage: LogDamage | undefined;
}

/** A segment's bytes; empty when it vanished meanwhile. */
function readSegment(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(FRAME_MAGIC);

/** True when a valid frame after `bad`, newer than `lastSeq`, was written after `bad` was synced. */
function syncedPast(file: Buffer, bad: number, lastSeq: number): boolean {
  for (let at = file.indexOf(MAGIC_BYTES, bad + 1); at >= 0; at = file.indexOf(MAGIC_BYTES, at + 1)) {
    const frame = readFrame(file, at);
    if (frame.kind === 'record' && frame.record.seq > lastSeq && frame.synced > bad) return true;
  }
  return false;
}

/** Reads every segment of a writer folder. */
export function readWriterLog(dir: string): WriterLog {
  const segments = listSegments(dir);
  const records: LogRecord[] = [];
  let torn: LogDamage | undefined;
  for (const [index, { path, firstSeq }] of segments.entries()) {
    const file = readSegment(path);
    let lastSeq = Math.max(firstSeq - 1, records.at(-1)?.seq ?? 0);
    for (let at = 0; ; ) {
      const frame = readFrame(file, at);
      if (frame.kind === 'end') break;
      if (frame.kind === 'record') {
        // A recycled segment's stale frame: everything from here on is older than the checkpoint.
        if (frame.record.seq <= lastSeq) break;
        records.push(frame.record);
        lastSeq = frame.record.seq;
        at = frame.next;
        continue;
      }
      const found = { segment: path, offset: at, reason: frame.reason };
      const last = index === segments.length - 1;
      if (!last || syncedPast(file, at, lastSeq)) return { records, firstSeq: segments[0]?.firstSeq, torn, damage: found };
      torn = found;
      break;
    }
  }
  return { records, firstSeq: segments[0]?.firstSeq, torn, damage: undefined };
}
