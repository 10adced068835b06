/**
 * Sequence numbers and log replay. Every committed write transaction bumps a sequence number
 * stored in LMDB inside the same transaction, so LMDB always says how far it got. After a
 * machine crash LMDB may come back older than what the commit logs hold; on open, the records
 * that follow LMDB's sequence number without a gap are applied again, then LMDB is synced.
 * After a process crash (the page cache survives) there is nothing to replay.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeeprLmdb } from './lmdb-snapshot.js';
import { listSegments } from './commit-log.js';
import { decodeRecords, type LogRecord, type LoggedOp } from './log-record.js';

/** Registry key of the sequence number of the last committed write transaction. */
export const REGISTRY_SEQ_KEY = Buffer.from([0, 0, 0, 0, 0, 3]);

/** The sequence number LMDB holds (0 for a new store). */
export function readSeq(db: KeeprLmdb): number {
  // getBinaryFast: a shared buffer, read at once; this runs in every write transaction.
  const raw = db.getBinaryFast(REGISTRY_SEQ_KEY);
  if (raw === undefined || raw.length !== 8) return 0;
  return (((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0) * 2 ** 32 + (((raw[4]! << 24) | (raw[5]! << 16) | (raw[6]! << 8) | raw[7]!) >>> 0);
}

const seqScratch = Buffer.alloc(8);

/** Writes the sequence number (inside a write transaction; lmdb copies the value at once). */
export function writeSeq(db: KeeprLmdb, seq: number): void {
  seqScratch.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  seqScratch.writeUInt32BE(seq >>> 0, 4);
  db.putSync(REGISTRY_SEQ_KEY, seqScratch);
}

/** Syncs LMDB's data file (all committed transactions) to disk. */
export function syncEnv(db: KeeprLmdb): Promise<void> {
  // lmdb-js has env.sync (mdb_env_sync with force) on the database but not in its typings.
  const env = db as unknown as { sync(callback: (err?: unknown) => void): void };
  return new Promise<void>((resolve, reject) => {
    env.sync((err?: unknown) => {
      if (err === undefined || err === null) resolve();
      else reject(err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'lmdb env sync failed'));
    });
  });
}

/** Applies one logged operation inside a write transaction. */
export function applyLogged(db: KeeprLmdb, op: LoggedOp): void {
  if (op.type === 'put') {
    db.putSync(op.prefix === undefined ? op.key : Buffer.concat([op.prefix, op.key]), op.value);
  } else if (op.type === 'delete') {
    db.removeSync(op.prefix === undefined ? op.key : Buffer.concat([op.prefix, op.key]));
  } else {
    // Collect in chunks before removing: never delete under a live cursor.
    for (;;) {
      const keys = Array.from(db.getKeys({ start: op.key, end: op.end, limit: 4096 }));
      if (keys.length === 0) break;
      for (const key of keys) db.removeSync(key);
    }
  }
}

/** True when a process with this id runs (EPERM means it runs under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A segment's bytes; empty when it vanished (checkpointed by its live owner). */
async function readSegment(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

/** What {@link recover} did. */
export interface RecoveryReport {
  /** Records applied again. */
  readonly replayed: number;
  /** Folders of dead writers removed. */
  readonly removed: number;
}

/**
 * Replays every log record newer than LMDB's sequence number, in order and stopping at the
 * first gap (a later record may depend on the missing one), then syncs LMDB and removes the
 * folders of writers that no longer run. `own` is skipped (this process's fresh folder).
 */
export async function recover(db: KeeprLmdb, root: string): Promise<RecoveryReport> {
  const dirs = await readdir(root).catch(() => [] as string[]);
  const base = readSeq(db);
  const records = new Map<number, LogRecord>();
  for (const name of dirs) {
    for (const segment of await listSegments(join(root, name))) {
      // A live writer may recycle or delete a segment meanwhile: its records are then in LMDB.
      for (const record of decodeRecords(await readSegment(segment))) {
        if (record.seq > base) records.set(record.seq, record);
      }
    }
  }
  let next = base + 1;
  if (records.has(next)) {
    db.transactionSync(() => {
      for (let r = records.get(next); r !== undefined; r = records.get(++next)) {
        for (const op of r.ops) applyLogged(db, op);
      }
      writeSeq(db, next - 1);
    });
  }
  await syncEnv(db);
  let removed = 0;
  for (const name of dirs) {
    const pid = Number(/^(\d+)-[0-9a-f]+$/.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
      await rm(join(root, name), { recursive: true, force: true });
      removed++;
    }
  }
  return { replayed: next - 1 - base, removed };
}
