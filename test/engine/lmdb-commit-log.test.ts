/**
 * The commit log's records and group commit (recovery is in lmdb-recovery.test.ts, reading
 * logs for damage in lmdb-log-reader.test.ts).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommitLog } from '../../src/engine/lmdb/commit-log.js';
import { readWriterLog } from '../../src/engine/lmdb/log-reader.js';
import { listSegments } from '../../src/engine/lmdb/log-segments.js';
import { crc32, crc32Portable, decodeRecords, encodeRecord, FrameScratch, type LoggedOp } from '../../src/engine/lmdb/log-record.js';
import { listWriters } from '../../src/engine/lmdb/writer-registry.js';
import { lmdbEngines } from '../helpers/lmdb-engines.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const bytes = (text: string): Uint8Array => Buffer.from(text);
const hex = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('hex'));

const opArb: fc.Arbitrary<LoggedOp> = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key: fc.uint8Array({ minLength: 1, maxLength: 40 }), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constant('delete' as const), key: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ type: fc.constant('deleteRange' as const), key: fc.uint8Array({ maxLength: 8 }), end: fc.uint8Array({ maxLength: 8 }) }),
);

/** Every record in the logs of the store's open writers. */
function loggedRecords(store: string): ReturnType<typeof readWriterLog>['records'] {
  const root = join(store, 'wal');
  return listWriters(root)
    .filter((w) => !w.closed)
    .flatMap((w) => readWriterLog(join(root, w.name)).records);
}

describe('commit log records', () => {
  it('encodes the same frame into a reused buffer as into a fresh one, whatever the sizes before', () => {
    const scratch = new FrameScratch();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 ** 40 }), fc.array(opArb, { maxLength: 8 })), { minLength: 1, maxLength: 6 }), (records) => {
        for (const [seq, ops] of records) expect(hex(encodeRecord(seq, ops, scratch))).toBe(hex(encodeRecord(seq, ops)));
      }),
    );
    // Frames past the reuse limit get their own buffer.
    const big: LoggedOp[] = [{ type: 'put', key: bytes('big'), value: Buffer.alloc(9 * 1024 * 1024, 3) }];
    const first = encodeRecord(1, big, scratch);
    expect(encodeRecord(2, big, scratch).buffer === first.buffer).toBe(false);
  });

  it('decode(encode(x)) is the identity for any records', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 ** 40 }), fc.array(opArb, { maxLength: 5 })), { maxLength: 6 }), (records) => {
        const file = Buffer.concat(records.map(([seq, ops]) => encodeRecord(seq, ops)));
        const decoded = decodeRecords(file).map((r) => [r.seq, r.ops.map((op) => ({ ...op, key: hex(op.key), ...('value' in op ? { value: hex(op.value) } : {}), ...('end' in op ? { end: hex(op.end) } : {}) }))]);
        const expected = records.map(([seq, ops]) => [seq, ops.map((op) => ({ ...op, key: hex(op.key), ...('value' in op ? { value: hex(op.value) } : {}), ...('end' in op ? { end: hex(op.end) } : {}) }))]);
        expect(decoded).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('writes a put or delete prefix in place: it decodes as part of the key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (prefix, key, value) => {
        const [record] = decodeRecords(encodeRecord(7, [{ type: 'put', prefix, key, value }, { type: 'delete', prefix, key }]));
        const joined = hex(Buffer.concat([prefix, key]));
        expect(record!.ops.map((op) => hex(op.key))).toEqual([joined, joined]);
        expect(record!.ops.every((op) => !('prefix' in op))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('the portable CRC-32 matches zlib', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(crc32Portable(data)).toBe(crc32(data));
      }),
      { numRuns: 200 },
    );
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('a torn or corrupted tail ends the log without touching the records before it', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 5 }), fc.nat(), fc.boolean(), (batches, cut, flip) => {
        const frames = batches.map((ops, i) => encodeRecord(i + 1, ops));
        const whole = frames.slice(0, -1).reduce((n, f) => n + f.length, 0);
        const last = frames.at(-1)!;
        const damaged = Buffer.from(last);
        const tail = flip ? damaged : last.subarray(0, cut % last.length);
        if (flip) damaged[16 + (cut % (damaged.length - 16))]! ^= 0xff;
        const file = Buffer.concat([...frames.slice(0, -1), tail]);
        const decoded = decodeRecords(file);
        expect(decoded.map((r) => r.seq)).toEqual(frames.slice(0, -1).map((_, i) => i + 1));
        expect(whole).toBeLessThanOrEqual(file.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('commit log segments', () => {
  it('replaces an empty segment a frame does not fit, so a checkpoint never retires the segment in use', async () => {
    const dir = makeTmpDir('keepr-segments-');
    const log = CommitLog.create({ dir, segmentBytes: 4096 }, 10);
    const frame = encodeRecord(11, [{ type: 'put', key: bytes('big'), value: Buffer.alloc(20_000, 1) }]);
    expect(log.reserve(frame.length)).toBe(false);
    await log.prepare(frame.length);
    expect(log.reserve(frame.length)).toBe(true);
    log.write(frame, 11);
    log.sync();
    log.commit();
    // Everything up to 11 is checkpointed: nothing sealed may take the live segment's name with it.
    await log.release(11);
    expect(listSegments(dir).map((s) => s.firstSeq)).toEqual([11]);
    expect(readWriterLog(dir).records.map((r) => r.seq)).toEqual([11]);
    await log.close();
  });
});

describe('LMDB group commit', () => {
  const openEngine = lmdbEngines();

  it('runs writes of one turn as one group, each still all-or-nothing and in order', async () => {
    const engine = await openEngine({ path: makeTmpDir('keepr-group-') });
    await engine.createNamespace('n');
    const absent = (current: Uint8Array | undefined): boolean => current === undefined;
    // Submitted in the same turn: the second sees the first's write, exactly as if in turn.
    const [first, second, third] = await Promise.all([
      engine.write([{ op: 'check', namespace: 'n', key: bytes('k'), test: absent }, { op: 'put', namespace: 'n', key: bytes('k'), value: bytes('1') }]),
      engine.write([
        { op: 'put', namespace: 'n', key: bytes('other'), value: bytes('x') },
        { op: 'check', namespace: 'n', key: bytes('k'), test: absent },
        { op: 'put', namespace: 'n', key: bytes('k'), value: bytes('2') },
      ]),
      engine.write([{ op: 'put', namespace: 'n', key: bytes('z'), value: bytes('3') }]),
    ]);
    expect(first).toEqual({ committed: true });
    expect(second).toEqual({ committed: false, failedCheck: 1 });
    expect(third).toEqual({ committed: true });
    expect(hex(engine.getSync('n', bytes('k')))).toBe(hex(bytes('1')));
    expect(engine.getSync('n', bytes('other'))).toBeUndefined();
    expect(hex(engine.getSync('n', bytes('z')))).toBe(hex(bytes('3')));
  });

  it('lets ten concurrent writers share fsyncs', async () => {
    const path = makeTmpDir('keepr-group-');
    const engine = await openEngine({ path, checkpointMs: 3_600_000 });
    await engine.createNamespace('n');
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; i < 20; i++) await engine.put('n', bytes(`w${w}-${i}`), bytes('v'));
      }),
    );
    // Writers woken together share one transaction, one record and one sync: far fewer than 200.
    const records = loggedRecords(path);
    expect(records.reduce((n, r) => n + r.ops.length, 0)).toBeGreaterThanOrEqual(200);
    expect(records.length).toBeLessThan(100);
    expect([...engine.rangeSync('n')]).toHaveLength(200);
  });

  it('replaces an empty segment that a first large write does not fit (it never seals two segments of one name)', async () => {
    const path = makeTmpDir('keepr-rotate-');
    const first = await openEngine({ path });
    await first.createNamespace('n');
    await first.close();
    const engine = await openEngine({ path, segmentBytes: 4096, checkpointMs: 3_600_000 });
    // The first write of this writer is larger than its empty first segment: a new, larger
    // segment replaces that one under its name.
    await engine.put('n', bytes('big'), Buffer.alloc(20_000, 7));
    // Enough to seal that segment and the next ones, and to retire them at checkpoints.
    for (let i = 0; i < 400; i++) {
      await engine.put('n', bytes(`k${i}`), Buffer.alloc(300, i));
      if (i % 100 === 99) await engine.checkpoint();
    }
    for (let i = 400; i < 420; i++) await engine.put('n', bytes(`k${i}`), Buffer.alloc(300, i));
    // What the last checkpoint does not cover is in the log, under names a crash would leave.
    const records = loggedRecords(path);
    const seqs = records.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const logged = new Set(records.flatMap((r) => r.ops.map((op) => Buffer.from(op.key).subarray(4).toString())));
    for (let i = 400; i < 420; i++) expect(logged.has(`k${i}`), `k${i}`).toBe(true);
    expect([...engine.rangeSync('n')]).toHaveLength(421);
  });

  it('rotates through preallocated and recycled segments, keeping every record readable', async () => {
    const path = makeTmpDir('keepr-rotate-');
    const engine = await openEngine({ path, segmentBytes: 4096, checkpointMs: 3_600_000 });
    await engine.createNamespace('n');
    for (let i = 0; i < 100; i++) await engine.put('n', bytes(`k${String(i).padStart(3, '0')}`), Buffer.alloc(300, i));
    // The checkpoint covers the sealed segments: they become spares and are written over next.
    await engine.checkpoint();
    for (let i = 100; i < 160; i++) await engine.put('n', bytes(`k${String(i).padStart(3, '0')}`), Buffer.alloc(300, i));
    const records = loggedRecords(path);
    // The recycled segments' stale frames are not read as records.
    const seqs = records.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(records.flatMap((r) => r.ops.map((op) => Buffer.from(op.key).toString('latin1').slice(-4)))).toContain('k159');
  });
});
