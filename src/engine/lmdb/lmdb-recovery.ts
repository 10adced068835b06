/**
 * Recovery at open, run while the opener holds the store's open lock (so no other engine opens
 * or recovers meanwhile).
 *
 * LMDB runs without a sync per commit; each writer checkpoints (syncs LMDB and records the
 * synced transaction's meta page in its checkpoint file, keeping that transaction pinned so
 * LMDB never overwrites its pages) and logs every commit. When no writer of the store is
 * running, the newest meta may be one whose pages a power cut kept from the disk, so recovery
 * writes back the newest checkpoint's meta (whose pages are intact) and replays every logged
 * record after it, in sequence order, up to the first gap (records after a gap were never
 * acknowledged). When some writer runs, LMDB's own state is current (no power cut can have
 * happened since it opened) and nothing is replayed: records of live writers are never touched.
 * A damaged log or checkpoint stops the open with `STORE_CORRUPT` before anything is changed,
 * unless the engine was opened to salvage.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KeeprError } from '../../errors.js';
import { CHECKPOINT_FILE, readCheckpointFile, type Checkpoint } from './checkpoint-file.js';
import { latestMeta, readMetas, restoreMeta } from './lmdb-meta.js';
import { applyLogged, readSeq, writeSeq } from './lmdb-seq.js';
import type { KeeprLmdb } from './lmdb-keys.js';
import { readWriterLog, type LogDamage, type WriterLog } from './log-reader.js';
import { syncDir } from './log-segments.js';
import type { LogRecord } from './log-record.js';
import { isLive, listWriters, type WriterId } from './writer-registry.js';

/** What recovery did when the store was opened. */
export interface RecoveryReport {
  /** True when LMDB was set back to the newest checkpoint (no writer was running). */
  readonly restored: boolean;
  /** The LMDB transaction recovery started from (the checkpoint's), when it restored. */
  readonly checkpointTxn: number | undefined;
  /** Log records applied again. */
  readonly replayed: number;
  /** Records not applied: after a gap (never acknowledged), or after damage when salvaging. */
  readonly dropped: number;
  /** Logs that ended in a torn (unacknowledged) write. */
  readonly torn: number;
  /** Writer folders of stopped writers removed after the open's checkpoint covered them. */
  readonly removed: number;
  /** Damage found and skipped (salvage only; otherwise damage stops the open). */
  readonly damaged: readonly LogDamage[];
}

/** What recovery found before LMDB opened the file. */
export interface RecoveryPlan {
  /** Writers (other than the opener) that still run. */
  readonly live: readonly WriterId[];
  /** Writers that stopped or closed: their folders go once a checkpoint covers them. */
  readonly stopped: readonly WriterId[];
  /** Logs of stopped writers, read when no writer runs. */
  readonly logs: ReadonlyMap<string, WriterLog>;
  /** The checkpoint LMDB was set back to, if it was. */
  readonly restoredTo: Checkpoint | undefined;
}

function corrupt(message: string, details: Record<string, unknown>): KeeprError {
  return new KeeprError('STORE_CORRUPT', message, { details });
}

/** The newest checkpoint among the writers' checkpoint files. */
function newestCheckpoint(root: string, writers: readonly WriterId[]): Checkpoint | undefined {
  let best: Checkpoint | undefined;
  for (const writer of writers) {
    const { checkpoint } = readCheckpointFile(join(root, writer.name, CHECKPOINT_FILE));
    if (checkpoint !== undefined && (best === undefined || checkpoint.txnId > best.txnId)) best = checkpoint;
  }
  return best;
}

/**
 * Reads the writers' checkpoints and logs and, when no writer runs and LMDB's newest meta is
 * newer than the newest checkpoint, writes that checkpoint's meta back into `file`.
 * Throws `STORE_CORRUPT` (changing nothing) for a damaged log or a missing checkpoint.
 */
export function planRecovery(root: string, file: string, self: string, salvage: boolean): RecoveryPlan {
  const writers = listWriters(root).filter((w) => w.name !== self);
  const live = writers.filter((w) => isLive(w));
  const stopped = writers.filter((w) => !live.includes(w));
  if (live.length > 0) return { live, stopped, logs: new Map(), restoredTo: undefined };
  const best = newestCheckpoint(root, writers);
  const logs = new Map<string, WriterLog>();
  for (const writer of stopped) {
    const log = readWriterLog(join(root, writer.name));
    if (log.damage !== undefined && !salvage) {
      const { segment, offset, reason } = log.damage;
      throw corrupt(`the commit log is damaged at ${segment} offset ${offset} (${reason}); acknowledged writes after it cannot be replayed. Nothing was changed: open the store with salvage (keepr salvage) to keep what comes before the damage`, { ...log.damage });
    }
    // Segments are deleted only once a checkpoint covers them: a log that starts after the newest
    // checkpoint lost the checkpoint that allowed it.
    if (log.firstSeq !== undefined && log.records.length > 0 && log.firstSeq - 1 > (best?.seq ?? 0) && !salvage) {
      throw corrupt(`the checkpoint that covers the start of the commit log in ${join(root, writer.name)} is missing or damaged (its log starts at record ${log.firstSeq})`, { segment: join(root, writer.name) });
    }
    logs.set(writer.name, log);
  }
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { live, stopped, logs, restoredTo: undefined };
    throw err;
  }
  try {
    const [a, b] = readMetas(fd);
    const latest = latestMeta(fd);
    // A meta page that is not one is rewritten from the checkpoint too (LMDB cannot open it).
    const whole = a !== undefined && b !== undefined;
    if (best === undefined || (whole && latest !== undefined && latest.txnId <= best.txnId)) {
      if (latest !== undefined && best !== undefined && latest.txnId < best.txnId) {
        throw corrupt(`${file} holds transaction ${latest.txnId}, older than its checkpoint ${best.txnId}: the data file was replaced or rolled back behind keepr's back`, { file });
      }
      return { live, stopped, logs, restoredTo: undefined };
    }
    const needed = (best.meta.lastPage + 1) * best.meta.pageSize;
    if (fstatSync(fd).size < needed) {
      throw corrupt(`${file} is ${fstatSync(fd).size} bytes, shorter than its last checkpoint needs (${needed}): the file was truncated`, { file });
    }
    restoreMeta(fd, best.meta);
    return { live, stopped, logs, restoredTo: best };
  } finally {
    closeSync(fd);
  }
}

const REPLAY_CHUNK = 1000;

/**
 * Applies, after LMDB opened, every logged record newer than LMDB's sequence number, in order,
 * up to the first gap. Only called when no other writer runs.
 */
export function replay(db: KeeprLmdb, plan: RecoveryPlan): { replayed: number; dropped: number } {
  const base = readSeq(db);
  const records = new Map<number, LogRecord>();
  for (const log of plan.logs.values()) for (const record of log.records) if (record.seq > base) records.set(record.seq, record);
  let next = base + 1;
  while (records.has(next)) {
    db.transactionSync(() => {
      for (let n = 0; n < REPLAY_CHUNK && records.has(next); n++, next++) {
        for (const op of records.get(next)!.ops) applyLogged(db, op);
      }
      writeSeq(db, next - 1);
    });
  }
  const replayed = next - 1 - base;
  return { replayed, dropped: records.size - replayed };
}

/** Folder (beside `wal/`) that salvage moves damaged logs into; nothing there is read again. */
export const SALVAGE_DIR_NAME = 'wal-salvaged';

/**
 * Once the opener's own checkpoint covers everything, removes the folders of stopped writers;
 * with salvage, a folder whose log was damaged is moved to `wal-salvaged/` instead. Returns the
 * damage so moved.
 */
export function retireWriters(root: string, plan: RecoveryPlan, storeDir: string): LogDamage[] {
  const damaged: LogDamage[] = [];
  for (const writer of plan.stopped) {
    const damage = plan.logs.get(writer.name)?.damage;
    if (damage === undefined) {
      rmSync(join(root, writer.name), { recursive: true, force: true });
      continue;
    }
    const aside = join(storeDir, SALVAGE_DIR_NAME);
    mkdirSync(aside, { recursive: true });
    renameSync(join(root, writer.name), join(aside, `${writer.name}.${Date.now()}`));
    syncDir(aside);
    damaged.push(damage);
  }
  if (plan.stopped.length > 0) syncDir(root);
  return damaged;
}
