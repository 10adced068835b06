/**
 * Reading the binary trace written by io-trace.c: one record per file-system change under the
 * traced root (or per write to the marker file), in completion order across processes.
 */
import { readFileSync } from 'node:fs';

/** Record kinds, as numbered in io-trace.c. */
export const KIND = {
  write: 1,
  fsync: 2,
  fdatasync: 3,
  syncRange: 4,
  syncAll: 5,
  truncate: 6,
  fallocate: 7,
  open: 8,
  rename: 9,
  unlink: 10,
  mkdir: 11,
  rmdir: 12,
  link: 13,
  symlink: 14,
  marker: 15,
  unsupported: 16,
} as const;

/** A record kind's number. */
export type Kind = (typeof KIND)[keyof typeof KIND];

/** One traced call. Paths are relative to the traced root ('' is the root itself). */
export interface TraceRecord {
  /** Position in the trace (0-based); a cut "at k" keeps records 0..k-1. */
  readonly index: number;
  readonly kind: Kind;
  /** A write that was synchronous by itself (O_DSYNC, O_SYNC, RWF_DSYNC). */
  readonly dsync: boolean;
  readonly pid: number;
  readonly tid: number;
  /** CLOCK_MONOTONIC milliseconds when the call started and returned. */
  readonly startMs: number;
  readonly endMs: number;
  readonly offset: number;
  readonly length: number;
  readonly aux: number;
  /** Syncs: records with an index below this were complete when the sync started. */
  readonly covers: number;
  readonly path: string;
  readonly path2: string;
  readonly data: Buffer;
}

/** An acknowledgement the writer wrote to the marker file: `ack <writer> <n>`. */
export interface Ack {
  readonly writer: number;
  readonly n: number;
  /** Index of the marker record. */
  readonly index: number;
  readonly endMs: number;
}

const HEADER = 80;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/** Open flags that matter to the model. */
export const OPEN_FLAGS = { create: O_CREAT, truncate: O_TRUNC } as const;

function relative(root: string, path: string): string {
  if (path === '' || path === root) return '';
  if (path.startsWith(root + '/')) return path.slice(root.length + 1);
  return path; // the marker file, or a path outside the root (a rename into it)
}

/** Parses a trace file; `root` is the canonical traced directory. */
export function readTrace(file: string, root: string): TraceRecord[] {
  const buf = readFileSync(file);
  const starts: number[] = [];
  const raw: { at: number; ticket: number }[] = [];
  const records: TraceRecord[] = [];
  for (let at = 0; at + HEADER <= buf.length; ) {
    const total = buf.readUInt32LE(at);
    if (total < HEADER || at + total > buf.length) throw new Error(`power-cut trace ${file}: bad record at byte ${at}`);
    const pathLen = buf.readUInt32LE(at + 64);
    const path2Len = buf.readUInt32LE(at + 68);
    const dataLen = buf.readUInt32LE(at + 72);
    let p = at + HEADER;
    const path = buf.toString('utf8', p, p + pathLen);
    p += pathLen;
    const path2 = buf.toString('utf8', p, p + path2Len);
    p += path2Len;
    const ms = (offset: number): number => Number(buf.readBigUInt64LE(at + offset)) / 1e6;
    starts.push(at);
    raw.push({ at, ticket: Number(buf.readBigUInt64LE(at + 56)) });
    records.push({
      index: records.length,
      kind: buf[at + 4] as Kind,
      dsync: buf[at + 5] === 1,
      pid: buf.readUInt32LE(at + 8),
      tid: buf.readUInt32LE(at + 12),
      endMs: ms(16),
      startMs: ms(24),
      offset: Number(buf.readBigInt64LE(at + 32)),
      length: Number(buf.readBigInt64LE(at + 40)),
      aux: Number(buf.readBigInt64LE(at + 48)),
      covers: 0,
      path: relative(root, path),
      path2: relative(root, path2),
      data: buf.subarray(p, p + dataLen),
    });
    at += total;
  }
  // A ticket is a byte offset of the trace: turn it into a record index.
  return records.map((r, i) => (r.kind === KIND.fsync || r.kind === KIND.fdatasync || r.kind === KIND.syncAll ? { ...r, covers: lowerBound(starts, raw[i]!.ticket) } : r));
}

/** Number of sorted values below `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The acks in the marker records, in trace order. */
export function acksOf(records: readonly TraceRecord[]): Ack[] {
  const acks: Ack[] = [];
  for (const r of records) {
    if (r.kind !== KIND.marker) continue;
    for (const line of r.data.toString('utf8').split('\n')) {
      const m = /^ack (\d+) (\d+)$/.exec(line.trim());
      if (m !== null) acks.push({ writer: Number(m[1]), n: Number(m[2]), index: r.index, endMs: r.endMs });
    }
  }
  return acks;
}

/** Longest sync call in the trace, in ms (what "one flush" costs on this machine, roughly). */
export function longestSyncMs(records: readonly TraceRecord[]): number {
  let longest = 0;
  for (const r of records) if (r.kind === KIND.fsync || r.kind === KIND.fdatasync) longest = Math.max(longest, r.endMs - r.startMs);
  return longest;
}
