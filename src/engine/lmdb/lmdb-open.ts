/**
 * Opening an LMDB store, under the store's open lock: recovery (lmdb-recovery.ts), then LMDB
 * itself, this writer's folder, its first checkpoint and log, and the removal of the folders of
 * stopped writers that the checkpoint now covers.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { CHECKPOINT_FILE, CheckpointFile } from './checkpoint-file.js';
import { LmdbCommitter } from './lmdb-commit.js';
import { LMDB_FILE_NAME, type ResolvedLmdbEngineConfig } from './lmdb-engine-config.js';
import { checkDataFile } from './lmdb-meta.js';
import { planRecovery, replay, retireWriters, type RecoveryReport } from './lmdb-recovery.js';
import type { KeeprLmdb } from './lmdb-keys.js';
import { syncDir } from './log-segments.js';
import { newWriterName } from './writer-registry.js';
import { SHARED_VALUES } from './lmdb-values.js';

/** Initial LMDB map size on 64-bit machines (address space, not disk): 64 GiB. */
export const DEFAULT_MAP_SIZE = 2 ** 36;

/** An opened store: LMDB, this writer's committer and folder, and what recovery did. */
export interface OpenedStore {
  readonly db: KeeprLmdb;
  readonly committer: LmdbCommitter;
  /** This writer's folder name under `wal/`. */
  readonly writer: string;
  /** A descriptor of the data file, for reading meta pages. */
  readonly dataFd: number;
  readonly recovery: RecoveryReport;
}

/** Opens the store in `config.path` (the caller holds the open lock of `root`, its `wal/`). */
export function openLocked(config: ResolvedLmdbEngineConfig, root: string): OpenedStore {
  const file = join(config.path, LMDB_FILE_NAME);
  const self = newWriterName();
  const plan = planRecovery(root, file, self, config.salvage);
  const dir = join(root, self);
  let db: KeeprLmdb | undefined;
  let dataFd: number | undefined;
  try {
    if (existsSync(file)) checkDataFile(file);
    mkdirSync(dir);
    const checkpoints = CheckpointFile.open(join(dir, CHECKPOINT_FILE));
    syncDir(root);
    db = open<Uint8Array, Uint8Array>({
      path: file,
      keyEncoding: 'binary',
      encoding: 'binary',
      // Reads hand out lmdb-js's shared buffer; the engine copies (or borrows) per read.
      encoder: SHARED_VALUES,
      cache: false,
      // LMDB never syncs at commit: the commit log makes writes durable, checkpoints sync LMDB.
      noSync: true,
      // Decompression stays on even when compressing is off (threshold never reached), so a
      // store written with compression reads back under any setting. Blocks start with 'K'
      // (0x4B), never with lmdb-js's compressed-value marker bytes (250 and up).
      compression: { threshold: config.compression === false ? 0xffffffff : config.compression.threshold },
      // A large map from the start: lmdb-js keeps every outgrown map of the file until close, so
      // growing from its 128 KiB default maps the same pages many times over (RSS counts each).
      // It is address space only: the file grows with the data.
      ...(config.mapSize === undefined ? (arch().endsWith('64') ? { mapSize: DEFAULT_MAP_SIZE } : {}) : { mapSize: config.mapSize }),
    });
    // The data file, its lock file and wal/ are entries of the store directory.
    syncDir(config.path);
    const replayed = plan.live.length === 0 ? replay(db, plan) : { replayed: 0, dropped: 0 };
    dataFd = openSync(file, 'r');
    const committer = LmdbCommitter.open(
      db,
      {
        durability: config.durability,
        dir,
        storeDir: config.path,
        dataFd,
        flushDelayMs: config.flushDelayMs,
        checkpointMs: config.checkpointMs,
        segmentBytes: config.segmentBytes,
      },
      checkpoints,
    );
    const damaged = retireWriters(root, plan, config.path);
    const recovery: RecoveryReport = {
      restored: plan.restoredTo !== undefined,
      checkpointTxn: plan.restoredTo?.txnId,
      replayed: replayed.replayed,
      dropped: replayed.dropped,
      torn: [...plan.logs.values()].filter((l) => l.torn !== undefined).length,
      removed: plan.stopped.length,
      damaged,
    };
    return { db, committer, writer: self, dataFd, recovery };
  } catch (err) {
    if (dataFd !== undefined) closeSync(dataFd);
    rmSync(dir, { recursive: true, force: true });
    void db?.close();
    throw err;
  }
}
