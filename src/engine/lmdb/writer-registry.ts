/**
 * The writers of a store: every engine that opens a store gets a folder `wal/<id>` holding its
 * commit log and its checkpoint file. The folder's name says which process made it
 * (`<pid>.<start>.<boot>.<nonce>`: process id, the process's start time in clock ticks since
 * boot, the first 8 hex digits of the boot id, and a random nonce), so other processes can tell
 * a live writer from a dead one even after the pid is reused or the machine rebooted. A closed
 * engine renames its folder to `closed.<id>`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir } from './log-segments.js';

/** A writer folder's parsed name. */
export interface WriterId {
  /** The folder name. */
  readonly name: string;
  readonly pid: number;
  /** Start time of the process in clock ticks since boot ('0' where unknown). */
  readonly start: string;
  /** First 8 hex digits of the boot id ('0' where unknown). */
  readonly boot: string;
  /** True once the engine closed (the folder is `closed.<id>`). */
  readonly closed: boolean;
}

const NAME = /^(closed\.)?(\d+)\.(\d+)\.([0-9a-f]+)\.([0-9a-f]{8})$/;

/** The boot id's first 8 hex digits ('0' off Linux): it changes when the machine restarts. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replaceAll('-', '').slice(0, 8) || '0';
  } catch {
    return '0';
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** A fresh folder name for a writer of this process. */
export function newWriterName(): string {
  return `${process.pid}.${processStart(process.pid) ?? '0'}.${currentBootId()}.${randomBytes(4).toString('hex')}`;
}

/** Parses a writer folder name; undefined for anything else in `wal/`. */
export function parseWriterName(name: string): WriterId | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  return { name, closed: m[1] !== undefined, pid: Number(m[2]), start: m[3]!, boot: m[4]! };
}

/** True when the writer's process still runs this engine: same boot, same process, not closed. */
export function isLive(id: WriterId, boot = currentBootId()): boolean {
  if (id.closed) return false;
  if (id.boot !== '0' && boot !== '0' && id.boot !== boot) return false;
  try {
    process.kill(id.pid, 0);
  } catch (err) {
    // EPERM: the process exists under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(id.pid);
  return start === undefined || id.start === '0' || start === id.start;
}

/** Every writer folder of a log root (other names are ignored). */
export function listWriters(root: string): WriterId[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.map(parseWriterName).filter((id): id is WriterId => id !== undefined);
}

/** Marks a writer closed: its folder (now only its checkpoint) becomes `closed.<id>`. */
export function closeWriter(root: string, name: string): void {
  renameSync(join(root, name), join(root, `closed.${name}`));
  syncDir(root);
}
