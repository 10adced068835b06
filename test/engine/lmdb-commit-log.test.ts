/**
 * The commit log: record encoding, group commit, and recovery of acknowledged writes when
 * LMDB comes back older than the log (what a machine crash does to an unsynced page file).
 */
import { closeSync, cpSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbEngine, type LmdbEngineConfig } from '../../src/engine/lmdb/index.js';
import { crc32, crc32Portable, decodeRecords, encodeRecord, type LoggedOp } from '../../src/engine/lmdb/log-record.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const bytes = (text: string): Uint8Array => Buffer.from(text);
const hex = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('hex'));

const opArb: fc.Arbitrary<LoggedOp> = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key: fc.uint8Array({ minLength: 1, maxLength: 40 }), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constant('delete' as const), key: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ type: fc.constant('deleteRange' as const), key: fc.uint8Array({ maxLength: 8 }), end: fc.uint8Array({ maxLength: 8 }) }),
);

/** Every segment of every writer folder under `<store>/wal`. */
function segments(store: string): string[] {
  const root = join(store, 'wal');
  return readdirSync(root).flatMap((dir) => readdirSync(join(root, dir)).map((file) => join(root, dir, file)));
}

describe('commit log records', () => {
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
        if (flip) damaged[8 + (cut % (damaged.length - 8))]! ^= 0xff;
        const tail = flip ? damaged : last.subarray(0, cut % last.length);
        const file = Buffer.concat([...frames.slice(0, -1), tail]);
        const decoded = decodeRecords(file);
        expect(decoded.map((r) => r.seq)).toEqual(frames.slice(0, -1).map((_, i) => i + 1));
        expect(whole).toBeLessThanOrEqual(file.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('LMDB commit log recovery', () => {
  const engines: LmdbEngine[] = [];
  const openEngine = async (config: LmdbEngineConfig): Promise<LmdbEngine> => {
    const engine = new LmdbEngine(config);
    engines.push(engine);
    await engine.open();
    return engine;
  };
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  /**
   * Writes `before` batches, copies LMDB (as a machine crash could leave it), writes `after`
   * more acknowledged batches, and returns a store made of the old LMDB file and the full log.
   */
  async function crashedStore(before: number, after: number): Promise<{ store: string; keys: string[] }> {
    const live = makeTmpDir('keepr-live-');
    // No checkpoint during the test: the log must hold everything after the copy.
    const engine = await openEngine({ path: live, checkpointMs: 3_600_000 });
    await engine.createNamespace('n');
    const keys: string[] = [];
    const write = async (i: number): Promise<void> => {
      keys.push(`k${i}`);
      await engine.write([
        { type: 'put', namespace: 'n', key: bytes(`k${i}`), value: bytes(`v${i}`) },
        { type: 'delete', namespace: 'n', key: bytes(`k${i - 1}-tmp`) },
        { type: 'put', namespace: 'n', key: bytes(`k${i}-tmp`), value: bytes('x') },
      ]);
    };
    for (let i = 0; i < before; i++) await write(i);
    const old = makeTmpDir('keepr-old-');
    await engine.backup(old);
    for (let i = before; i < before + after; i++) await write(i);
    const store = makeTmpDir('keepr-crashed-');
    cpSync(join(old, 'keepr.mdb'), join(store, 'keepr.mdb'));
    mkdirSync(join(store, 'wal'));
    cpSync(join(live, 'wal'), join(store, 'wal'), { recursive: true });
    return { store, keys };
  }

  it('replays acknowledged writes that an older LMDB file lacks', async () => {
    const { store, keys } = await crashedStore(5, 40);
    const engine = await openEngine({ path: store });
    expect(engine.recovery?.replayed).toBe(40);
    const got = [...engine.rangeSync('n')].map((e) => Buffer.from(e.key).toString());
    expect(got).toEqual([...keys.map((k) => k), `${keys.at(-1)!}-tmp`].sort());
    expect(hex(engine.getSync('n', bytes('k44')))).toBe(hex(bytes('v44')));
  });

  it('replays nothing twice: a second open finds LMDB up to date', async () => {
    const { store } = await crashedStore(2, 10);
    const first = await openEngine({ path: store });
    expect(first.recovery?.replayed).toBe(10);
    await first.close();
    const second = await openEngine({ path: store });
    expect(second.recovery?.replayed).toBe(0);
    expect([...second.rangeSync('n', { prefix: bytes('k1') })].length).toBeGreaterThan(0);
  });

  it("opens while a live writer's segment vanishes (checkpointed) between listing and reading", async () => {
    const { store } = await crashedStore(2, 3);
    // A folder of a running process (our parent) whose segment is gone by the time it is read:
    // a dangling link lists like a segment and reads as ENOENT.
    const folder = join(store, 'wal', `${process.ppid}-0badc0de`);
    mkdirSync(folder);
    symlinkSync(join(folder, 'gone'), join(folder, '0000000000000007.log'));
    const engine = await openEngine({ path: store });
    expect(engine.recovery?.replayed).toBe(3);
    expect(readdirSync(join(store, 'wal'))).toContain(`${process.ppid}-0badc0de`);
  });

  it('ignores a torn tail and stops at a gap', async () => {
    const { store } = await crashedStore(3, 6);
    const [segment] = segments(store);
    // A torn final write right after the last frame: a length that promises more than follows.
    const end = decodeRecords(readFileSync(segment!)).reduce((n, r) => n + encodeRecord(r.seq, r.ops).length, 0);
    const fd = openSync(segment!, 'r+');
    writeSync(fd, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 9, 9]), 0, 10, end);
    closeSync(fd);
    const engine = await openEngine({ path: store });
    expect(engine.recovery?.replayed).toBe(6);
    await engine.close();

    const gap = await crashedStore(3, 6);
    const file = segments(gap.store)[0]!;
    const records = decodeRecords(readFileSync(file));
    // Drop the second of the six replayable (last) records: the rest must not be applied without it.
    const dropped = records[records.length - 5]!.seq;
    const kept = records.filter((r) => r.seq !== dropped);
    writeFileSync(file, Buffer.concat(kept.map((r) => encodeRecord(r.seq, r.ops))));
    const gapped = await openEngine({ path: gap.store });
    expect(gapped.recovery?.replayed).toBe(1);
    expect(hex(gapped.getSync('n', bytes('k3')))).toBe(hex(bytes('v3')));
    expect(gapped.getSync('n', bytes('k4'))).toBeUndefined();
    expect(gapped.getSync('n', bytes('k5'))).toBeUndefined();
  });

  it('replays namespace creates and drops', async () => {
    const live = makeTmpDir('keepr-live-');
    const engine = await openEngine({ path: live, checkpointMs: 3_600_000 });
    await engine.createNamespace('keep');
    await engine.createNamespace('gone');
    await engine.put('gone', bytes('a'), bytes('1'));
    const old = makeTmpDir('keepr-old-');
    await engine.backup(old);
    await engine.createNamespace('late');
    await engine.put('late', bytes('b'), bytes('2'));
    await engine.dropNamespace('gone');
    const store = makeTmpDir('keepr-crashed-');
    cpSync(join(old, 'keepr.mdb'), join(store, 'keepr.mdb'));
    cpSync(join(live, 'wal'), join(store, 'wal'), { recursive: true });
    const recovered = await openEngine({ path: store });
    expect(await recovered.listNamespaces()).toEqual(['keep', 'late']);
    expect(hex(recovered.getSync('late', bytes('b')))).toBe(hex(bytes('2')));
  });

  it('notices commits made by another engine on the same store', async () => {
    const path = makeTmpDir('keepr-foreign-');
    const a = await openEngine({ path });
    const b = await openEngine({ path });
    await a.createNamespace('n');
    await a.put('n', bytes('k'), bytes('1'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = a.externalVersion;
    await a.put('n', bytes('k'), bytes('2'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Its own writes do not count as foreign.
    expect(a.externalVersion).toBe(before);
    await b.put('n', bytes('k'), bytes('3'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(a.externalVersion).toBeGreaterThan(before);
  });

  it('rotates through preallocated and recycled segments; replay ignores their stale frames', async () => {
    const live = makeTmpDir('keepr-live-');
    const engine = await openEngine({ path: live, segmentBytes: 4096, checkpointMs: 3_600_000 });
    await engine.createNamespace('n');
    const put = (i: number): Promise<void> => engine.put('n', bytes(`k${String(i).padStart(3, '0')}`), Buffer.alloc(300, i));
    for (let i = 0; i < 100; i++) await put(i);
    // LMDB synced here; covered segments become spares and are written over next.
    await engine.checkpoint();
    const old = makeTmpDir('keepr-old-');
    await engine.backup(old);
    for (let i = 100; i < 160; i++) await put(i);
    expect(segments(live).length).toBeGreaterThan(3);
    const store = makeTmpDir('keepr-crashed-');
    cpSync(join(old, 'keepr.mdb'), join(store, 'keepr.mdb'));
    cpSync(join(live, 'wal'), join(store, 'wal'), { recursive: true });
    const recovered = await openEngine({ path: store });
    expect(recovered.recovery?.replayed).toBe(60);
    const entries = [...recovered.rangeSync('n')];
    expect(entries).toHaveLength(160);
    for (const [i, e] of entries.entries()) expect(hex(e.value)).toBe(hex(Buffer.alloc(300, i)));
  });

  it('runs writes of one turn as one group, each still all-or-nothing and in order', async () => {
    const engine = await openEngine({ path: makeTmpDir('keepr-group-') });
    await engine.createNamespace('n');
    const absent = (current: Uint8Array | undefined): boolean => current === undefined;
    // Submitted in the same turn: the second sees the first's write, exactly as if in turn.
    const [first, second, third] = await Promise.all([
      engine.write([{ type: 'check', namespace: 'n', key: bytes('k'), test: absent }, { type: 'put', namespace: 'n', key: bytes('k'), value: bytes('1') }]),
      engine.write([
        { type: 'put', namespace: 'n', key: bytes('other'), value: bytes('x') },
        { type: 'check', namespace: 'n', key: bytes('k'), test: absent },
        { type: 'put', namespace: 'n', key: bytes('k'), value: bytes('2') },
      ]),
      engine.write([{ type: 'put', namespace: 'n', key: bytes('z'), value: bytes('3') }]),
    ]);
    expect(first).toEqual({ committed: true });
    expect(second).toEqual({ committed: false, failedCheck: 1 });
    expect(third).toEqual({ committed: true });
    expect(hex(engine.getSync('n', bytes('k')))).toBe(hex(bytes('1')));
    expect(engine.getSync('n', bytes('other'))).toBeUndefined();
    expect(hex(engine.getSync('n', bytes('z')))).toBe(hex(bytes('3')));
  });

  it('lets ten concurrent writers share fsyncs', async () => {
    const engine = await openEngine({ path: makeTmpDir('keepr-group-') });
    await engine.createNamespace('n');
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; i < 20; i++) await engine.put('n', bytes(`w${w}-${i}`), bytes('v'));
      }),
    );
    // Writers woken together share one transaction, one record and one sync: far fewer than 200.
    const frames = segments(engine.config.path).flatMap((s) => decodeRecords(readFileSync(s)));
    expect(frames.reduce((n, r) => n + r.ops.length, 0)).toBeGreaterThanOrEqual(200);
    expect(frames.length).toBeLessThan(100);
    expect([...engine.rangeSync('n')]).toHaveLength(200);
  });
});
