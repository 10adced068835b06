/**
 * {@link EngineFiles} for the LevelDB engine: a store folder holds LevelDB's own files
 * (`CURRENT`, `LOCK`, `LOG`, `MANIFEST-*`, `*.log`, `*.ldb`) and, while a process has it open,
 * keepr's owner file.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { KeeprError } from '../../errors.js';
import type { EngineFiles, FileCheckReport, LogDamageReport, SalvageReport } from '../engine-files.js';
import { LevelEngine } from './level-engine.js';
import { isLocked, levelFailure, liveOwner, lockedError, OWNER_FILE } from './level-owner.js';

/** The file every LevelDB folder has: it names the current manifest. */
const CURRENT = 'CURRENT';
/** Where LevelDB's repair puts files it could not use. */
const LOST_DIR = 'lost';
/** LevelDB's file names (db/filename.cc), plus the owner file. */
const LEVEL_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp)|keepr-owner\.json)$/;

async function isStore(dir: string): Promise<boolean> {
  return (await stat(join(dir, CURRENT)).catch(() => undefined))?.isFile() === true;
}

async function size(dir: string): Promise<number | undefined> {
  if (!(await isStore(dir))) return undefined;
  let total = 0;
  for (const name of await readdir(dir)) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() === true) total += info.size;
  }
  return total;
}

/** The process the owner file names, when it is alive and not this one (LevelDB allows one). */
function users(dir: string): Promise<number[]> {
  const owner = liveOwner(dir);
  if (owner === undefined || owner.host !== hostname() || owner.pid === process.pid) return Promise.resolve([]);
  return Promise.resolve([owner.pid]);
}

/** LevelDB has no structural check of its files short of opening the store. */
function check(_dir: string): Promise<FileCheckReport | undefined> {
  return Promise.resolve(undefined);
}

function describeCheck(report: FileCheckReport): string {
  if (report.ok) return 'checked the LevelDB store: all good\n';
  const bad = report.problems.map((p) => `BAD\t${p.kind}: ${p.message}\n`).join('');
  return `${bad}checked the LevelDB store: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n`;
}

/** Replaces the LevelDB files in `dir` with those of the store staged in `staged`. */
async function install(staged: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (LEVEL_FILE.test(name)) await rm(join(dir, name), { force: true });
  }
  for (const name of await readdir(staged)) {
    if (LEVEL_FILE.test(name) && name !== OWNER_FILE) await rename(join(staged, name), join(dir, name));
  }
}

/**
 * Runs LevelDB's repair on the store in `dir` (not open anywhere): it rebuilds the manifest from
 * the table and log files it can read, turns logs into tables, keeps every record it can parse
 * and moves the files it is done with (old logs and manifests, unusable tables) to `lost/`.
 * The report comes from repair's own `LOG`: `replayed` counts the log records it saved,
 * `damaged` lists each log stretch and table it had to drop (`dropped` counts those).
 */
async function salvage(dir: string): Promise<SalvageReport> {
  const path = resolve(dir);
  if (!(await isStore(path))) throw new KeeprError('ARGUMENT_INVALID', `${path} holds no LevelDB store`, { details: { path } });
  // Repair takes no lock itself: make sure nobody has the store open first.
  const probe = new ClassicLevel(path, { createIfMissing: false });
  try {
    await probe.open();
  } catch (err) {
    if (isLocked(err)) throw lockedError(path, err);
    // A store too damaged to open is what repair is for.
  }
  await probe.close().catch(() => undefined);
  try {
    await ClassicLevel.repair(path);
  } catch (err) {
    throw levelFailure(err, 'repair');
  }
  // Repair starts a fresh LOG (the previous one becomes LOG.old), so every line is its own.
  const log = await readFile(join(path, 'LOG'), 'utf8').catch(() => '');
  let replayed = 0;
  const damaged: LogDamageReport[] = [];
  for (const line of log.split('\n')) {
    const saved = /Log #(\d+): (\d+) ops saved/.exec(line);
    if (saved !== null) replayed += Number(saved[2]);
    const dropping = /Log #(\d+): dropping (\d+) bytes; (.*)$/.exec(line);
    if (dropping !== null) damaged.push({ segment: `${dropping[1]!.padStart(6, '0')}.log`, offset: 0, reason: `dropped ${dropping[2]!} bytes: ${dropping[3]!}` });
    const table = /Table #(\d+): ignoring (.*)$/.exec(line);
    if (table !== null) damaged.push({ segment: `${table[1]!.padStart(6, '0')}.ldb`, offset: 0, reason: `table ignored: ${table[2]!}` });
  }
  return { replayed, dropped: damaged.length, damaged, movedTo: join(path, LOST_DIR) };
}

/** The LevelDB engine's files, for tools (`keepr backup`, `restore`, `compact`, `verify`, `salvage`). */
export const levelFiles: EngineFiles = Object.freeze({
  engine: 'level',
  dataFile: CURRENT,
  engineFor: (dir: string) => new LevelEngine({ path: resolve(dir) }),
  size,
  users,
  check,
  describeCheck,
  install,
  salvage,
});
