/**
 * Whole-store file operations behind `keepr backup`, `restore` and `compact`: a hot backup
 * through the engine, and replacing a store's data with a checked copy. Replacing is only safe
 * when no other process has the store open (LMDB maps the file), so it is refused then.
 */
import { copyFile, cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { KeeprError } from '../../errors.js';
import { copyStore, type DumpSummary } from '../../keepr/index.js';
import { open, type Store } from '../../store/index.js';
import type { EngineFiles } from '../../engine/engine-files.js';
import { storeFiles } from './store-engine.js';
import { verifyStore, type VerifyReport } from './verify-store.js';

/** Size of a store's data in bytes, or undefined when `dir` holds no store. */
export function storeFileSize(dir: string, files: EngineFiles = storeFiles): Promise<number | undefined> {
  return files.size(dir);
}

/** Ids of other live processes that have the store in `dir` open. */
export function storeUsers(dir: string, files: EngineFiles = storeFiles): Promise<number[]> {
  return files.users(dir);
}

/** Throws `STORE_BUSY` when another process has the store open. */
export async function assertNotInUse(dir: string, what: string, files: EngineFiles = storeFiles): Promise<void> {
  const pids = await storeUsers(dir, files);
  if (pids.length > 0) {
    throw new KeeprError('STORE_BUSY', `cannot ${what}: the store in ${dir} is open in process ${pids.join(', ')} (stop keepr serve and other users first)`, { details: { pids } });
  }
}

/** Throws `OPTION_INVALID` unless `dir` holds a store (so a mistyped `--dir` creates nothing). */
export async function assertStore(dir: string, files: EngineFiles = storeFiles): Promise<void> {
  if ((await storeFileSize(dir, files)) === undefined) {
    throw new KeeprError('OPTION_INVALID', `no keepr store at ${dir}`, { details: { option: 'dir', path: dir } });
  }
}

/** Opens a store, runs `fn` and always closes it. */
async function using<R>(dir: string, files: EngineFiles, fn: (store: Store) => Promise<R>): Promise<R> {
  const store = await open({ engine: files.engineFor(dir) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A fresh staging folder beside `dir` (same file system, so the final rename is atomic). */
async function stagingDir(dir: string, purpose: string): Promise<string> {
  const parent = dirname(resolve(dir));
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `.${basename(resolve(dir))}.${purpose}-`));
}

/** What {@link backupStore} made. */
export interface BackupReport {
  readonly target: string;
  readonly byteLength: number;
}

/** Copies the store in `dir` to a new directory `target` while it stays in use (the engine's hot backup). */
export async function backupStore(dir: string, target: string, files: EngineFiles = storeFiles): Promise<BackupReport> {
  await assertStore(dir, files);
  await using(dir, files, (store) => store.engine.backup(target));
  return { target, byteLength: (await storeFileSize(target, files)) ?? 0 };
}

/** Options of {@link restoreStore}. */
export interface RestoreOptions {
  /** Replace a store that holds sources (default false: `STORE_NOT_EMPTY`). */
  readonly force?: boolean;
  /** Check every block of the backup before using it (default true). */
  readonly verify?: boolean;
  /** Called once the backup is opened, with its number of stored entries. */
  readonly onStart?: (entries: number) => void;
  /** Progress of the check. */
  readonly onBlock?: (blocks: number, bytes: number) => void;
  /** The engine's files (default LMDB's). */
  readonly files?: EngineFiles;
}

/** What {@link restoreStore} did. */
export interface RestoreReport {
  readonly sources: number;
  readonly blocks: number;
  readonly byteLength: number;
}

// Files of an open store that a restored copy must not inherit.
const LOCK_FILES = /^(LOCK|keepr-owner\.json|.*-lock)$/;

/**
 * Brings a backup (a directory made by `keepr backup`, or its `keepr.mdb`) back as the store in
 * `dir`: the file is copied beside the store, opened and checked block by block, then renamed
 * into place. Refuses a store in use (`STORE_BUSY`), a store with sources unless `force`
 * (`STORE_NOT_EMPTY`) and a backup with bad blocks (`STORE_CORRUPT`, nothing replaced).
 */
export async function restoreStore(backup: string, dir: string, options: RestoreOptions = {}): Promise<RestoreReport> {
  const files = options.files ?? storeFiles;
  const isDir = (await stat(backup).catch(() => undefined))?.isDirectory() === true;
  const source = isDir ? join(backup, files.dataFile) : backup;
  if ((await stat(source).catch(() => undefined))?.isFile() !== true) {
    throw new KeeprError('ARGUMENT_INVALID', `no keepr backup at ${backup}`, { details: { path: backup } });
  }
  if (resolve(source) === resolve(join(dir, files.dataFile))) throw new KeeprError('ARGUMENT_INVALID', 'the backup is the store itself');
  await assertNotInUse(dir, 'restore', files);
  if ((await storeFileSize(dir, files)) !== undefined && options.force !== true) {
    const sources = await using(dir, files, (store) => store.sources());
    if (sources.length > 0) {
      throw new KeeprError('STORE_NOT_EMPTY', `the store in ${dir} holds ${sources.length} source(s); use --force to replace it`, { details: { sources: sources.length } });
    }
  }
  const stage = await stagingDir(dir, 'restore');
  try {
    if (isDir) {
      // A backup directory is copied whole (a LevelDB store is several files), leaving out lock
      // and owner files that belong to whoever had the backup open.
      await cp(backup, stage, { recursive: true, filter: (path) => !LOCK_FILES.test(basename(path)) });
    } else {
      await copyFile(source, join(stage, files.dataFile));
    }
    const report = await using(stage, files, async (store): Promise<VerifyReport> => {
      options.onStart?.((await store.engine.stats()).extra['dataEntries'] ?? 0);
      if (options.verify === false) return { sources: (await store.sources()).length, blocks: 0, byteLength: 0, bad: [] };
      return verifyStore(store, options.onBlock === undefined ? {} : { onBlock: options.onBlock });
    });
    if (report.bad.length > 0) {
      const first = report.bad[0]!;
      throw new KeeprError('STORE_CORRUPT', `the backup has ${report.bad.length} corrupt block(s), first ${JSON.stringify(first.key)} of source ${JSON.stringify(first.source)}; nothing was restored`, {
        details: { bad: report.bad.slice(0, 100) },
      });
    }
    await files.install(stage, dir);
    return { sources: report.sources, blocks: report.blocks, byteLength: report.byteLength };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** What {@link compactStore} did. */
export interface CompactReport extends DumpSummary {
  /** Data file size before and after, in bytes. */
  readonly before: number;
  readonly after: number;
}

/** Options of {@link compactStore}. */
export interface CompactOptions {
  /** Called once with the number of blocks to copy. */
  readonly onStart?: (blocks: number) => void;
  /** Progress of the copy. */
  readonly onBlock?: (blocks: number) => void;
  /** The engine's files (default LMDB's). */
  readonly files?: EngineFiles;
}

/**
 * Rewrites the store into a minimal file: every source and block is copied (and checked) into
 * a fresh store beside it, which then replaces the old file with one rename. Not lmdb's
 * compacting copy, which has an open corruption report (lmdb-js#198). Refused while another
 * process has the store open (`STORE_BUSY`). Compression settings are not carried over.
 */
export async function compactStore(dir: string, options: CompactOptions = {}): Promise<CompactReport> {
  const files = options.files ?? storeFiles;
  await assertStore(dir, files);
  await assertNotInUse(dir, 'compact', files);
  const before = (await storeFileSize(dir, files)) ?? 0;
  const stage = await stagingDir(dir, 'compact');
  try {
    const summary = await using(dir, files, async (from) => {
      const stats = await from.engine.stats();
      options.onStart?.(stats.extra['dataEntries'] ?? 0);
      return using(stage, files, (to) => copyStore(from, to, options.onBlock === undefined ? {} : { onBlock: options.onBlock }));
    });
    // Checked again just before the swap: a server may have started during the copy.
    await assertNotInUse(dir, 'compact', files);
    await files.install(stage, dir);
    return { ...summary, before, after: (await storeFileSize(dir, files)) ?? 0 };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
