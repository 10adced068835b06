/**
 * The sequence number: every committed write transaction bumps a number stored in LMDB inside
 * the same transaction, so LMDB always says how far it got, the log says which records follow,
 * and a writer can tell when another process committed in between.
 */
import type { KeeprLmdb } from './lmdb-keys.js';
import type { LoggedOp } from './log-record.js';

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

/** Syncs LMDB's data file (all committed transactions) to disk, off the main thread. */
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
