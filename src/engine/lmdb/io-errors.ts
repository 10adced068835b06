/** What an LMDB engine failure means: a full disk gets its own code, anything else names what failed. */
import { existsSync, statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KeeprError } from '../../errors.js';

const NO_SPACE = new Set<unknown>(['ENOSPC', 'EDQUOT', 28, 122]);
const IO_ERROR = new Set<unknown>(['EIO', 5]);

/** True when the store's file system has room (at least 1 MiB free; true when unknown). */
export function hasFreeSpace(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize >= 1024 * 1024;
  } catch {
    return true;
  }
}

/** True for an error that says the disk (or the user's quota) is full. */
export function isNoSpace(err: unknown, dir?: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (NO_SPACE.has(code)) return true;
  // LMDB reports a short page write as EIO: on a full file system that is a full disk.
  return dir !== undefined && IO_ERROR.has(code) && !hasFreeSpace(dir);
}

/**
 * Wraps an error of the engine's: `STORE_FULL` for a full disk, else `ENGINE_FAILURE` naming
 * what failed. `dir` (the store directory) lets an LMDB I/O error on a full disk say so.
 */
export function engineFailure(err: unknown, what: string, dir?: string): KeeprError {
  if (err instanceof KeeprError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isNoSpace(err, dir)) {
    return new KeeprError('STORE_FULL', `lmdb ${what} failed: no space left on the store's disk (${message}); nothing of this write was stored`, { cause: err });
  }
  return new KeeprError('ENGINE_FAILURE', `lmdb ${what} failed: ${message}`, { cause: err });
}

/** The system error code of a cause (`ENOTDIR`, `EACCES`, an LMDB code), when it has one. */
function causeCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/**
 * Wraps an error met while opening the store in `path`: the message names the directory and
 * the cause (`cannot open the LMDB store in /x/README.md/sub: ENOTDIR: not a directory, mkdir
 * '…'`), and `details` holds `path` and the cause's code (`cause: 'ENOTDIR'`). Keepr errors
 * (a corrupt file, a busy store) pass unchanged; a full disk is `STORE_FULL`.
 */
export function openFailure(err: unknown, path: string): KeeprError {
  if (err instanceof KeeprError) return err;
  const dir = resolve(path);
  const code = causeCode(err);
  const raw = err instanceof Error ? err.message : String(err);
  const reason = code === undefined || raw.startsWith(code) ? raw : `${code}: ${raw}`;
  const details = code === undefined ? { path: dir } : { path: dir, cause: code };
  if (isNoSpace(err, existsSync(dir) ? dir : undefined)) {
    return new KeeprError('STORE_FULL', `cannot open the LMDB store in ${dir}: no space left on its disk (${reason})`, { cause: err, details });
  }
  return new KeeprError('ENGINE_FAILURE', `cannot open the LMDB store in ${dir}: ${reason}`, { cause: err, details });
}
