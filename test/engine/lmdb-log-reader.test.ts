/**
 * Reading a writer's log for recovery: a torn tail (the unacknowledged last write) ends the log
 * quietly, while damage (a bad frame whose bytes had been synced) is reported with its segment
 * and offset, never silently skipped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readWriterLog } from '../../src/engine/lmdb/log-reader.js';
import { END_MARKER, encodeRecord, sealFrame } from '../../src/engine/lmdb/log-record.js';
import { segmentName } from '../../src/engine/lmdb/log-segments.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const op = (i: number) => ({ type: 'put' as const, key: Buffer.from(`k${i}`), value: Buffer.alloc(40 + (i % 7), i) });

/**
 * A segment as a writer leaves it: groups of frames written one after another, each group's
 * frames marked with how far the segment was synced when it was written (`syncEvery` groups
 * per sync; 1 is `sync` mode). Returns the bytes and each frame's offset.
 */
function segment(groups: number[], firstSeq: number, syncEvery = 1, size = 64 * 1024): { bytes: Buffer; offsets: number[]; groupStarts: number[] } {
  const bytes = Buffer.alloc(size);
  const offsets: number[] = [];
  const groupStarts: number[] = [];
  let at = 0;
  let synced = 0;
  let seq = firstSeq;
  groups.forEach((count, g) => {
    groupStarts.push(at);
    for (let i = 0; i < count; i++, seq++) {
      const frame = sealFrame(encodeRecord(seq, [op(seq)]), synced);
      frame.copy(bytes, at);
      offsets.push(at);
      at += frame.length;
    }
    END_MARKER.copy(bytes, at);
    if ((g + 1) % syncEvery === 0) synced = at;
  });
  return { bytes, offsets, groupStarts };
}

function writerDir(...segments: { firstSeq: number; bytes: Buffer }[]): string {
  const dir = join(makeTmpDir('keepr-log-'), 'w');
  mkdirSync(dir);
  for (const s of segments) writeFileSync(join(dir, segmentName(s.firstSeq)), s.bytes);
  return dir;
}

describe('commit log reader', () => {
  it('reads every frame of an undamaged log, across segments', () => {
    const a = segment([1, 3, 2], 1);
    const b = segment([2, 2], 7);
    const log = readWriterLog(writerDir({ firstSeq: 1, bytes: a.bytes }, { firstSeq: 7, bytes: b.bytes }));
    expect(log.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(log.damage).toBeUndefined();
    expect(log.torn).toBeUndefined();
    expect(log.firstSeq).toBe(1);
  });

  it('names the segment and offset of a damaged frame that later frames prove was synced', () => {
    // 30 single-frame groups, as in sync mode: flip one byte of record 11 (B10 of B00–B29).
    const { bytes, offsets } = segment(Array.from({ length: 30 }, () => 1), 1);
    bytes[offsets[10]! + 20]! ^= 0x01;
    const dir = writerDir({ firstSeq: 1, bytes });
    const log = readWriterLog(dir);
    expect(log.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(log.damage).toEqual({ segment: join(dir, segmentName(1)), offset: offsets[10], reason: 'checksum mismatch' });
  });

  it('reports a damaged length field of the first frame as damage, not as an empty log', () => {
    const { bytes } = segment(Array.from({ length: 30 }, () => 1), 1);
    bytes.writeUInt32LE(0x00ffffff, 4);
    const log = readWriterLog(writerDir({ firstSeq: 1, bytes }));
    expect(log.records).toHaveLength(0);
    expect(log.damage).toMatchObject({ offset: 0, reason: 'frame length out of range' });
  });

  it('treats a torn last group as the end of the log, even with later frames of that group intact', () => {
    const { bytes, offsets, groupStarts } = segment([2, 2, 4], 1);
    // The last group (records 5-8) was being written when the power went: its first frame is
    // torn, two of its later frames reached the disk.
    bytes.fill(0xaa, offsets[4], offsets[5]);
    const log = readWriterLog(writerDir({ firstSeq: 1, bytes }));
    expect(log.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(log.damage).toBeUndefined();
    expect(log.torn?.offset).toBe(groupStarts[2]);
  });

  it('in write-cache mode, unsynced groups may be lost in any order without calling it damage', () => {
    // Syncs every 3 groups: groups 4-5 were written after the last sync and may be torn apart.
    const { bytes, offsets } = segment([1, 1, 1, 1, 1], 1, 3);
    bytes[offsets[3]! + 18]! ^= 0xff;
    const log = readWriterLog(writerDir({ firstSeq: 1, bytes }));
    expect(log.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(log.damage).toBeUndefined();
    expect(log.torn?.offset).toBe(offsets[3]);
  });

  it('calls any bad frame in a sealed (synced) segment damage', () => {
    const a = segment([1, 1, 1], 1);
    const b = segment([1], 4);
    a.bytes[a.offsets[2]! + 30]! ^= 0x40;
    const log = readWriterLog(writerDir({ firstSeq: 1, bytes: a.bytes }, { firstSeq: 4, bytes: b.bytes }));
    expect(log.records.map((r) => r.seq)).toEqual([1, 2]);
    expect(log.damage?.offset).toBe(a.offsets[2]);
  });

  it('stops quietly at the stale frames of a recycled segment', () => {
    // An old segment of records 1-20 recycled as the segment for records from 40: three new
    // frames over the start of the old ones.
    const old = segment(Array.from({ length: 20 }, () => 1), 1);
    const fresh = segment([1, 1, 1], 40);
    const end = fresh.offsets[2]! + encodeRecord(42, [op(42)]).length + END_MARKER.length;
    fresh.bytes.copy(old.bytes, 0, 0, end);
    const log = readWriterLog(writerDir({ firstSeq: 40, bytes: old.bytes }));
    expect(log.records.map((r) => r.seq)).toEqual([40, 41, 42]);
    expect(log.damage).toBeUndefined();
  });

  it('never throws, and never returns a record that was not written, for any damage', () => {
    const { bytes } = segment(Array.from({ length: 12 }, (_, i) => 1 + (i % 3)), 1);
    const written = new Set(Array.from({ length: 24 }, (_, i) => i + 1));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2_000), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const copy = Buffer.from(bytes);
        for (const [at, xor] of flips) copy[at]! ^= xor;
        const log = readWriterLog(writerDir({ firstSeq: 1, bytes: copy }));
        for (const r of log.records) expect(written.has(r.seq)).toBe(true);
        const seqs = log.records.map((r) => r.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }),
      { numRuns: 150 },
    );
  });
});
