/**
 * {@link EngineFiles} for the LMDB engine: a store directory holds `keepr.mdb` (and its `-lock`
 * file) and the commit logs under `wal/`, one folder per writer process.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { open as openLmdb } from 'lmdb';
import type { EngineFiles, FileCheckReport, SalvageReport } from '../engine-files.js';
import { LmdbEngine } from './lmdb-engine.js';
import { LMDB_FILE_NAME, LOG_DIR_NAME } from './lmdb-engine-config.js';
import { checkLmdbFile, formatLmdbProblem, type LmdbFileProblem, type LmdbFileReport } from './lmdb-file-check.js';
import { SALVAGE_DIR_NAME, type RecoveryReport } from './lmdb-recovery.js';
import { isLive, listWriters } from './writer-registry.js';

/** Full checks of a data file that another process was writing, before giving up on a quiet read. */
const FILE_CHECK_TRIES = 3;

/** What `lmdbFiles.salvage` reports: the recovery report and where the damaged logs went. */
export type LmdbSalvageReport = RecoveryReport & SalvageReport;

function dataFile(dir: string): string {
  return join(dir, LMDB_FILE_NAME);
}

async function size(dir: string): Promise<number | undefined> {
  try {
    const info = await stat(dataFile(dir));
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with this id runs (EPERM: it runs under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Other live processes with the store open, from two traces: the writer folders
 * (`wal/<pid>.<start>.<boot>.<nonce>`) keepr processes keep while open, and LMDB's reader table
 * (any process that has read the store, keepr or not, while it still has it open).
 */
async function users(dir: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const writer of listWriters(join(dir, LOG_DIR_NAME))) if (isLive(writer)) pids.add(writer.pid);
  if ((await size(dir)) !== undefined) {
    const db = openLmdb({ path: dataFile(dir), readOnly: true });
    try {
      // Lines of "pid thread txnid" under a header line.
      for (const line of db.readerList().split('\n')) {
        const m = /^\s*(\d+)\s+[0-9a-fA-Fx]+\s+\S+/.exec(line);
        if (m !== null) pids.add(Number(m[1]));
      }
    } finally {
      await db.close();
    }
  }
  pids.delete(process.pid);
  return [...pids].filter(alive).sort((a, b) => a - b);
}

/**
 * The full structural check of `keepr.mdb` with preads, so a damaged file is reported, never
 * crashed on. Problems seen while another process committed (the metas changed during the read)
 * may be spurious: such a check is repeated a few times.
 */
async function check(dir: string): Promise<LmdbFileReport | undefined> {
  if ((await size(dir)) === undefined) return undefined;
  const path = dataFile(dir);
  let report = await checkLmdbFile(path, { full: true });
  for (let i = 1; i < FILE_CHECK_TRIES && !report.ok && !report.stable; i++) report = await checkLmdbFile(path, { full: true });
  return report;
}

/** Lines `BAD <tab> keepr.mdb <tab> page N: kind: message`, then a summary line. */
function describeCheck(report: FileCheckReport): string {
  const lmdb = report as Partial<LmdbFileReport>;
  if (report.ok) return `checked ${LMDB_FILE_NAME}: ${lmdb.pagesVisited ?? 0} pages, ${lmdb.entries ?? 0} entries: all good\n`;
  const bad = report.problems.map((p) => `BAD\t${LMDB_FILE_NAME}\t${formatLmdbProblem(p as LmdbFileProblem)}\n`).join('');
  const count = `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}${report.problemsCapped ? ' (the check stopped there)' : ''}`;
  return `${bad}checked ${LMDB_FILE_NAME}: ${count}; blocks not checked\n`;
}

/**
 * Puts the store staged in `staged` in place. The old commit logs go first: their records
 * belong to the old file and would be replayed onto the new one at the next open.
 */
async function install(staged: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await rm(join(dir, LOG_DIR_NAME), { recursive: true, force: true });
  await rm(`${dataFile(dir)}-lock`, { force: true });
  await rename(dataFile(staged), dataFile(dir));
}

async function salvage(dir: string): Promise<LmdbSalvageReport> {
  const engine = new LmdbEngine({ path: resolve(dir), salvage: true });
  await engine.open();
  try {
    // Set by every successful open.
    const report = engine.recovery!;
    return { ...report, movedTo: join(dir, SALVAGE_DIR_NAME) };
  } finally {
    await engine.close();
  }
}

/** The LMDB engine's files, for tools (`keepr backup`, `restore`, `compact`, `verify`, `salvage`). */
export const lmdbFiles: EngineFiles = Object.freeze({
  engine: 'lmdb',
  dataFile: LMDB_FILE_NAME,
  engineFor: (dir: string) => new LmdbEngine({ path: resolve(dir) }),
  size,
  users,
  check,
  describeCheck,
  install,
  salvage,
});
