/**
 * The owner file and LevelDB's errors. LevelDB locks its folder (the `LOCK` file) but cannot say
 * who holds it, so the engine writes `keepr-owner.json` (pid, host, start time) once it holds
 * the lock and removes it on close; a refused open reads it to name the holder.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { KeeprError } from '../../errors.js';

/** Name of the owner file inside the store folder. */
export const OWNER_FILE = 'keepr-owner.json';

/** Who has a LevelDB store open. */
export interface LevelOwner {
  readonly pid: number;
  readonly host: string;
  /** When it opened the store (ISO 8601). */
  readonly since: string;
}

/** Writes the owner file for this process (atomically: a temp file renamed over it). */
export function writeOwner(dir: string): void {
  const owner: LevelOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const path = join(dir, OWNER_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(owner)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Removes the owner file when it names this process. */
export function removeOwner(dir: string): void {
  const owner = readOwner(dir);
  if (owner?.pid === process.pid && owner.host === hostname()) rmSync(join(dir, OWNER_FILE), { force: true });
}

/** The owner file's content, or undefined when it is missing or unreadable. */
export function readOwner(dir: string): LevelOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, host, since } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || typeof host !== 'string' || typeof since !== 'string') return undefined;
    return { pid, host, since };
  } catch {
    return undefined;
  }
}

/** True when a process with this id runs on this host (EPERM: it runs under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner of the store in `dir` when it is a live process (on another host: trusted as is). */
export function liveOwner(dir: string): LevelOwner | undefined {
  const owner = readOwner(dir);
  if (owner === undefined) return undefined;
  if (owner.host === hostname() && !isAlive(owner.pid)) return undefined;
  return owner;
}

/** The `code` of an error's cause chain that classic-level set (`LEVEL_LOCKED`, ...). */
function levelCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** True when LevelDB refused to open because another process (or this one) holds the lock. */
export function isLocked(err: unknown): boolean {
  return levelCodes(err).includes('LEVEL_LOCKED');
}

/** The `STORE_LOCKED` error for the store in `dir`, naming the holder when the owner file does. */
export function lockedError(dir: string, cause: unknown): KeeprError {
  const path = resolve(dir);
  const owner = liveOwner(path);
  const holder =
    owner === undefined
      ? 'another process (unknown: it left no owner file)'
      : `${owner.pid === process.pid && owner.host === hostname() ? 'this process' : 'process'} ${owner.pid} on ${owner.host} (open since ${owner.since})`;
  const details = owner === undefined ? { path } : { path, pid: owner.pid, host: owner.host, since: owner.since };
  return new KeeprError('STORE_LOCKED', `the LevelDB store in ${path} is locked by ${holder}: LevelDB stores open in one process at a time`, { cause, details });
}

/** True for an error that says the disk (or the user's quota) is full. */
function isNoSpace(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (/No space left|ENOSPC|Disk quota exceeded|EDQUOT/i.test(e.message)) return true;
  }
  return false;
}

/** Wraps a LevelDB error: `STORE_FULL` for a full disk, else `ENGINE_FAILURE` naming what failed. */
export function levelFailure(err: unknown, what: string): KeeprError {
  if (err instanceof KeeprError) return err;
  const causes: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) causes.push(e.message);
  const message = causes.length === 0 ? String(err) : causes.join(': ');
  if (isNoSpace(err)) {
    return new KeeprError('STORE_FULL', `level ${what} failed: no space left on the store's disk (${message}); nothing of this write was stored`, { cause: err });
  }
  return new KeeprError('ENGINE_FAILURE', `level ${what} failed: ${message}`, { cause: err });
}
