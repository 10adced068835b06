/**
 * Recovery of the LMDB engine at open: a writer killed mid-work, pages a power cut kept from
 * the disk, a damaged log (refused, then salvaged), and openers that must never disturb a
 * live writer.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LmdbEngine, type LmdbEngineConfig } from '../../src/engine/lmdb/index.js';
import { CHECKPOINT_FILE, readCheckpointFile } from '../../src/engine/lmdb/checkpoint-file.js';
import { readWriterLog } from '../../src/engine/lmdb/log-reader.js';
import { listSegments } from '../../src/engine/lmdb/log-segments.js';
import { listWriters } from '../../src/engine/lmdb/writer-registry.js';
import { isKeeprError, type KeeprError } from '../../src/errors.js';
import { lmdbEngines } from '../helpers/lmdb-engines.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { writerValue } from './fixtures/lmdb-writer-data.js';

const WRITER = fileURLToPath(new URL('./fixtures/lmdb-writer.ts', import.meta.url));
const NO_CHECKPOINTS = { checkpointMs: 3_600_000 };

const key = (n: number): Buffer => Buffer.from(`k${String(n).padStart(6, '0')}`);
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Forks the writer; resolves with its acks once it has written `stopAfter` and gone idle. */
async function writeThenIdle(dir: string, config: Omit<LmdbEngineConfig, 'path'>, first: number, stopAfter: number): Promise<{ child: ChildProcess; acks: number[] }> {
  const child = fork(WRITER, [dir, JSON.stringify(config), String(first), String(stopAfter)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const acks: number[] = [];
  await new Promise<void>((resolve, reject) => {
    child.on('message', (msg: { ack?: number; idle?: boolean }) => {
      if (msg.ack !== undefined) acks.push(msg.ack);
      if (msg.idle === true) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`writer exited early with ${String(code)}`));
    });
  });
  return { child, acks };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A store whose writer was killed after `count` acknowledged puts and no checkpoint since open. */
async function killedStore(count: number): Promise<{ dir: string; acks: number[] }> {
  const dir = makeTmpDir('keepr-recovery-');
  const { child, acks } = await writeThenIdle(dir, NO_CHECKPOINTS, 0, count);
  await kill(child);
  return { dir, acks };
}

/** The stopped writer's folder (there is one). */
function stoppedWriter(dir: string): string {
  const writers = listWriters(join(dir, 'wal')).filter((w) => !w.closed);
  expect(writers).toHaveLength(1);
  return join(dir, 'wal', writers[0]!.name);
}

describe('LMDB recovery', () => {
  const openEngine = lmdbEngines();

  function expectAll(engine: LmdbEngine, acks: readonly number[]): void {
    for (const n of acks) expect(Buffer.from(engine.getSync('n', key(n)) ?? []).equals(writerValue(n)), `k${n}`).toBe(true);
  }

  it('sets LMDB back to the last checkpoint after a writer was killed and replays its log', async () => {
    const { dir, acks } = await killedStore(40);
    const engine = await openEngine({ path: dir });
    // 41 records: the namespace's creation and the 40 puts.
    expect(engine.recovery).toMatchObject({ restored: true, replayed: 41, dropped: 0, removed: 1, damaged: [] });
    expectAll(engine, acks);
    // The opener's checkpoint covers everything now: the stopped writer's folder is gone.
    expect(listWriters(join(dir, 'wal')).filter((w) => !w.closed)).toHaveLength(1);
    await engine.close();
    const again = await openEngine({ path: dir });
    expect(again.recovery).toMatchObject({ restored: false, replayed: 0 });
    expectAll(again, acks);
  }, 60_000);

  it('keeps every acknowledged write when the pages written since the checkpoint never reached the disk', async () => {
    const { dir, acks } = await killedStore(60);
    const { checkpoint } = readCheckpointFile(join(stoppedWriter(dir), CHECKPOINT_FILE));
    expect(checkpoint).toBeDefined();
    // A power cut: every page past the checkpoint's last page is garbage, and so is the newer
    // meta page (LMDB would otherwise pick it and read those pages).
    const file = join(dir, 'keepr.mdb');
    const pageSize = checkpoint!.meta.pageSize;
    const fd = openSync(file, 'r+');
    const pages = Math.floor(statSync(file).size / pageSize);
    for (let page = checkpoint!.meta.lastPage + 1; page < pages; page++) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    const newer = 1 - (checkpoint!.txnId % 2);
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, newer * pageSize);
    closeSync(fd);
    const engine = await openEngine({ path: dir });
    expect(engine.recovery).toMatchObject({ restored: true, checkpointTxn: checkpoint!.txnId, replayed: 61 });
    expectAll(engine, acks);
  }, 60_000);

  it('refuses to open past a damaged log record, naming segment and offset, and changes nothing', async () => {
    const { dir } = await killedStore(30);
    const folder = stoppedWriter(dir);
    const [segment] = listSegments(folder);
    const { records } = readWriterLog(folder);
    // The namespace's creation, then k0..k29.
    expect(records).toHaveLength(31);
    // Flip one byte inside the frame of the write of k10 (B10 of B00-B29).
    const bytes = readFileSync(segment!.path);
    let at = 0;
    for (let i = 0; i < 11; i++) at += 16 + bytes.readUInt32LE(at + 4);
    const fd = openSync(segment!.path, 'r+');
    writeSync(fd, Buffer.from([bytes[at + 40]! ^ 0x10]), 0, 1, at + 40);
    closeSync(fd);
    const before = sha(join(dir, 'keepr.mdb'));
    const engine = new LmdbEngine({ path: dir });
    const error = (await engine.open().catch((err: unknown) => err)) as KeeprError;
    expect(isKeeprError(error, 'STORE_CORRUPT')).toBe(true);
    expect(error.details).toMatchObject({ segment: segment!.path, offset: at, reason: 'checksum mismatch' });
    expect(error.message).toContain(segment!.path);
    // Nothing changed: the log is still there and LMDB's file is byte for byte the same.
    expect(existsSync(segment!.path)).toBe(true);
    expect(sha(join(dir, 'keepr.mdb'))).toBe(before);
    expect(engine.status).toBe('closed');

    // Salvage keeps the ten writes before the damage and moves the damaged log aside.
    const salvaged = await openEngine({ path: dir, salvage: true });
    expect(salvaged.recovery).toMatchObject({ restored: true, replayed: 11, damaged: [{ segment: segment!.path, offset: at }] });
    expect(salvaged.getSync('n', key(9))).toBeDefined();
    expect(salvaged.getSync('n', key(10))).toBeUndefined();
    expect(readdirSync(join(dir, 'wal-salvaged'))).toHaveLength(1);
  }, 60_000);

  it('refuses a log whose first frame has a damaged length field', async () => {
    const { dir } = await killedStore(30);
    const [segment] = listSegments(stoppedWriter(dir));
    const fd = openSync(segment!.path, 'r+');
    writeSync(fd, Buffer.from([0xff, 0xff, 0x7f]), 0, 3, 4);
    closeSync(fd);
    const error = await new LmdbEngine({ path: dir }).open().catch((err: unknown) => err);
    expect(isKeeprError(error, 'STORE_CORRUPT')).toBe(true);
    expect((error as KeeprError).details).toMatchObject({ offset: 0 });
  }, 60_000);

  it('rewrites a damaged meta page from the checkpoint, or refuses a file without one, never crashing', async () => {
    const dir = makeTmpDir('keepr-meta-');
    const engine = await openEngine({ path: dir });
    await engine.createNamespace('n');
    for (let n = 0; n < 50; n++) await engine.put('n', key(n), writerValue(n));
    await engine.close();
    const file = join(dir, 'keepr.mdb');
    const flipMagic = (): void => {
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.from([0x00]), 0, 1, 24);
      closeSync(fd);
    };
    flipMagic();
    const repaired = await openEngine({ path: dir });
    expect(repaired.recovery).toMatchObject({ restored: true });
    expectAll(repaired, Array.from({ length: 50 }, (_, n) => n));
    await repaired.close();
    // Without the log folder (a copy of keepr.mdb alone) there is nothing to repair from.
    flipMagic();
    rmSync(join(dir, 'wal'), { recursive: true });
    const error = await new LmdbEngine({ path: dir }).open().catch((err: unknown) => err);
    expect(isKeeprError(error, 'STORE_CORRUPT')).toBe(true);
    expect((error as KeeprError).details).toMatchObject({ problems: [{ kind: 'meta-invalid' }] });
  }, 60_000);

  it('never replays a live writer: openers during steady writes see its state move only forward', async () => {
    const dir = makeTmpDir('keepr-live-');
    const writer = await openEngine({ path: dir });
    await writer.createNamespace('n');
    const state = { running: true };
    let last = -1;
    let backwards = 0;
    const loop = (async () => {
      for (let n = 0; state.running && writer.status === 'open'; n++) {
        await writer.put('n', Buffer.from('counter'), Buffer.from(String(n)));
        const seen = Number(Buffer.from(writer.getSync('n', Buffer.from('counter'))!).toString());
        if (seen < last) backwards++;
        last = seen;
      }
    })();
    const reports = [];
    for (let i = 0; i < 5; i++) {
      // Another engine of this process, then another process.
      const other = new LmdbEngine({ path: dir });
      await other.open();
      reports.push(other.recovery);
      await other.close();
      const child = fork(fileURLToPath(new URL('./fixtures/lmdb-child.ts', import.meta.url)), [dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const childReport = await new Promise<unknown>((resolve, reject) => {
        child.on('message', (msg: { ready?: boolean; recovery?: unknown }) => {
          if (msg.ready === true) resolve(msg.recovery);
        });
        child.on('exit', (code) => {
          reject(new Error(`the opener exited with ${String(code)}`));
        });
      });
      reports.push(childReport);
      await kill(child);
    }
    state.running = false;
    await loop;
    expect(backwards).toBe(0);
    for (const report of reports) expect(report).toMatchObject({ restored: false, replayed: 0 });
    // The writer's own log has no repeated sequence numbers.
    const own = listWriters(join(dir, 'wal')).filter((w) => w.pid === process.pid && !w.closed);
    const seqs = own.flatMap((w) => readWriterLog(join(dir, 'wal', w.name)).records.map((r) => r.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(last).toBeGreaterThan(10);
  }, 60_000);

  it('lets timers and I/O run during a loop of awaited writes, in both modes', async () => {
    for (const durability of ['sync', 'write-cache'] as const) {
      const engine = await openEngine({ path: makeTmpDir('keepr-loop-'), durability, flushDelayMs: 5 });
      await engine.createNamespace('n');
      let done = 0;
      let firedAt = -1;
      setTimeout(() => {
        firedAt = done;
      }, 1);
      const started = Date.now();
      while (Date.now() - started < 150) {
        await engine.put('n', key(done), writerValue(done));
        done++;
      }
      // The timer fired while the loop ran, not after it.
      expect(firedAt, durability).toBeGreaterThanOrEqual(0);
      expect(firedAt, durability).toBeLessThan(done);
    }
  }, 30_000);
});
