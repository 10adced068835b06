/**
 * A structural check of keepr's LMDB data file (`keepr.mdb`) in plain JavaScript. LMDB has no
 * checksums and trusts its file: reading a damaged one through its memory map can kill the
 * process by a signal (SIGSEGV, SIGBUS, SIGABRT). This checker reads the file with preads only,
 * so damage becomes a report. A quick check (a few preads) can run before lmdb-js opens a file;
 * a full check walks every page in use. The layout is in lmdb-file-layout.ts.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  FREE_DB_FLAGS,
  MAX_DEPTH,
  MAX_PAGE_SIZE,
  MDB_DATA_VERSION,
  MDB_ENCRYPT,
  MDB_INTEGERKEY,
  MDB_MAGIC,
  META_BYTES,
  MIN_PAGE_SIZE,
  P_META,
  PAGE_HEADER_BYTES,
  decodeMeta,
  decodePageHeader,
  readU64,
  type LmdbDbRecord,
  type LmdbMetaRecord,
} from './lmdb-file-layout.js';
import { PageBitmap, PageFile, PageSet, ProblemList, type LmdbFileProblem, type PageMarks } from './lmdb-file-pages.js';
import { walkTree, type LmdbTreeCounts, type WalkContext } from './lmdb-file-walk.js';

export type { LmdbDbRecord, LmdbMetaRecord } from './lmdb-file-layout.js';
export type { LmdbFileProblem, LmdbProblemKind } from './lmdb-file-pages.js';
export type { LmdbTreeCounts } from './lmdb-file-walk.js';

/** Options of {@link checkLmdbFile}. */
export interface LmdbFileCheckOptions {
  /** Walk every page of both trees (default false: metas, file length and root pages only). */
  readonly full?: boolean;
  /** Stop after this many problems (default 100). */
  readonly maxProblems?: number;
}

/** Which meta record: the two meta pages, or lmdb-js's "flushed" meta (overlappingSync) at half of page 0. */
export type LmdbMetaSlot = 'meta0' | 'meta1' | 'flushed';

/** One meta record as found in the file (its fields as decoded, even when they are garbage). */
export interface LmdbMetaInfo extends LmdbMetaRecord {
  readonly slot: LmdbMetaSlot;
  /** Byte offset of the record in the file. */
  readonly offset: number;
  /** True when LMDB could use it (the flushed meta: when it is present and consistent). */
  readonly usable: boolean;
  /** Why it is not usable (empty when it is). */
  readonly faults: readonly string[];
}

/** What {@link checkLmdbFile} found. */
export interface LmdbFileReport {
  /** True when no problem was found. */
  readonly ok: boolean;
  readonly mode: 'quick' | 'full';
  readonly fileBytes: number;
  /** Page size, last page and txnid of the meta LMDB would open (null when none is usable). */
  readonly pageSize: number | null;
  readonly lastPage: number | null;
  readonly txnId: number | null;
  /** The meta LMDB would open: the usable one with the higher txnid (meta0 on a tie), as mdb_pick_meta does. */
  readonly meta: LmdbMetaSlot | null;
  readonly metas: readonly LmdbMetaInfo[];
  /** Pages checked: read in a quick check; in use by both trees (overflow runs included) in a full one. */
  readonly pagesVisited: number;
  /** Main DB entries: counted by a full check, from the DB record in a quick one. */
  readonly entries: number | null;
  /** What a full check counted in each tree (null in a quick check or for an empty tree). */
  readonly main: LmdbTreeCounts | null;
  readonly free: LmdbTreeCounts | null;
  /** Full check: pages the free DB lists, and pages up to the last one that are neither in use nor free. */
  readonly freePages: number | null;
  readonly unaccountedPages: number | null;
  /** False when the metas or the file's length changed while the file was read (another process writes it): problems may be spurious. */
  readonly stable: boolean;
  readonly problems: readonly LmdbFileProblem[];
  /** True when the check stopped at `maxProblems`: there may be more. */
  readonly problemsCapped: boolean;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/**
 * Checks the LMDB data file at `path` without mapping it. Quick (default): both meta pages,
 * the choice LMDB makes between them, the file length against the last page, and the root pages
 * of the main and free DBs of each usable meta. Full: also walks every page of both trees from
 * the chosen meta and the free lists. Never throws for damage; throws the fs error (ENOENT,
 * EACCES, EIO...) when the file cannot be opened or read.
 */
export async function checkLmdbFile(path: string, options: LmdbFileCheckOptions = {}): Promise<LmdbFileReport> {
  const { steps, close } = startCheck(path, options);
  try {
    // The check yields every 1,024 pages: let other work run between.
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done === true) return step.value;
      await nextTurn();
    }
  } finally {
    close();
  }
}

/** The same check without yielding to the event loop (for the engine's open, under its lock). */
export function checkLmdbFileSync(path: string, options: LmdbFileCheckOptions = {}): LmdbFileReport {
  const { steps, close } = startCheck(path, options);
  try {
    for (let step = steps.next(); ; step = steps.next()) if (step.done === true) return step.value;
  } finally {
    close();
  }
}

/** Opens the file and sets up the check as steps (a generator that pauses every 1,024 pages). */
function startCheck(path: string, options: LmdbFileCheckOptions): { steps: Generator<void, LmdbFileReport>; close: () => void } {
  const fd = openSync(path, 'r');
  return { steps: checkOpenFile(fd, options.full === true, new ProblemList(options.maxProblems ?? 100)), close: () => { closeSync(fd); } };
}

/** One problem as a line: `page N: kind: message`. */
export function formatLmdbProblem(problem: LmdbFileProblem): string {
  return `${problem.page === undefined ? '' : `page ${problem.page}: `}${problem.kind}: ${problem.message}`;
}

function* checkOpenFile(fd: number, full: boolean, problems: ProblemList): Generator<void, LmdbFileReport> {
  const fileBytes = fstatSync(fd).size;
  const probe = new PageFile(fd, fileBytes, MAX_PAGE_SIZE);
  const pageSize = findPageSize(probe);
  const file = new PageFile(fd, fileBytes, pageSize);
  const metas = [readMeta(file, 'meta0', 0), readMeta(file, 'meta1', pageSize)];
  const chosen = pickMeta(metas, file, problems);
  const flushed = chosen === null ? null : readFlushed(file, chosen, problems);
  const shown = (flushed === null ? metas : [...metas, flushed]).map(({ short: _, ...meta }) => meta);
  const base = { mode: full ? 'full' : 'quick', fileBytes, metas: shown } as const;
  if (chosen === null) {
    return { ...base, ok: false, pageSize: null, lastPage: null, txnId: null, meta: null, pagesVisited: 0, entries: null, main: null, free: null, freePages: null, unaccountedPages: null, stable: stableMetas(file, metas), problems: problems.items, problemsCapped: problems.full };
  }
  const result = full ? yield* fullWalk(file, metas, chosen, problems) : yield* quickRoots(file, metas, chosen, problems);
  return {
    ...base,
    ...result,
    ok: problems.items.length === 0,
    pageSize,
    lastPage: chosen.lastPage,
    txnId: chosen.txnId,
    meta: chosen.slot,
    stable: stableMetas(file, metas),
    problems: problems.items,
    problemsCapped: problems.full,
  };
}

type WalkResult = Pick<LmdbFileReport, 'pagesVisited' | 'entries' | 'main' | 'free' | 'freePages' | 'unaccountedPages'>;

/**
 * The page size as LMDB finds it: from meta 0. When meta 0 is unusable, the first power of two
 * at which a meta page naming that page size sits (so meta 1 can still be reported).
 */
function findPageSize(probe: PageFile): number {
  const at = (offset: number): number => {
    const buf = probe.readAt(offset, PAGE_HEADER_BYTES + META_BYTES);
    if (buf.length < PAGE_HEADER_BYTES + META_BYTES || buf.readUInt32LE(PAGE_HEADER_BYTES) !== MDB_MAGIC) return 0;
    return buf.readUInt32LE(PAGE_HEADER_BYTES + 24);
  };
  const size0 = at(0);
  if (isPowerOfTwo(size0) && size0 >= MIN_PAGE_SIZE && size0 <= MAX_PAGE_SIZE) return size0;
  for (let size = MIN_PAGE_SIZE; size <= MAX_PAGE_SIZE; size *= 2) if (at(size) === size) return size;
  return 4096;
}

interface ReadMeta extends LmdbMetaInfo {
  /** The file ends before it. */
  readonly short?: true;
}

function readMeta(file: PageFile, slot: 'meta0' | 'meta1', offset: number): ReadMeta {
  const buf = file.readAt(offset, PAGE_HEADER_BYTES + META_BYTES);
  const empty: LmdbDbRecord = { flags: 0, depth: 0, branchPages: 0, leafPages: 0, overflowPages: 0, entries: 0, root: null };
  if (buf.length < PAGE_HEADER_BYTES + META_BYTES) {
    const faults = [`the file (${file.fileBytes} bytes) ends before this meta page`];
    return { slot, offset: offset + PAGE_HEADER_BYTES, usable: false, magic: 0, version: 0, pageSize: 0, mapSize: 0, lastPage: 0, txnId: 0, main: empty, free: empty, faults, short: true };
  }
  const header = decodePageHeader(buf);
  const meta = decodeMeta(buf, PAGE_HEADER_BYTES);
  const faults: string[] = [];
  const index = slot === 'meta0' ? 0 : 1;
  if (header.flags !== P_META || header.pgno !== index) faults.push(`its page header says page ${header.pgno} with flags 0x${header.flags.toString(16)}, not meta page ${index}`);
  if (meta.magic !== MDB_MAGIC) faults.push(`magic 0x${meta.magic.toString(16)} is not LMDB's 0x${MDB_MAGIC.toString(16)}`);
  if (meta.version !== MDB_DATA_VERSION) faults.push(`data version ${meta.version} is not ${MDB_DATA_VERSION}`);
  if (meta.pageSize !== file.pageSize) faults.push(`page size ${meta.pageSize} is not ${file.pageSize}`);
  faults.push(...recordFaults(meta.free, meta.lastPage, 'free'), ...recordFaults(meta.main, meta.lastPage, 'main'));
  if ((meta.free.flags & MDB_INTEGERKEY) === 0 || (meta.free.flags & ~FREE_DB_FLAGS) !== 0) faults.push(`free DB flags 0x${meta.free.flags.toString(16)} are not LMDB's`);
  if ((meta.free.flags & MDB_ENCRYPT) !== 0) faults.push('the file is encrypted; its pages cannot be checked');
  if (meta.main.flags !== 0) faults.push(`main DB flags 0x${meta.main.flags.toString(16)}: keepr opens its DB with none (no dupsort, integer or reverse keys)`);
  if (meta.lastPage < 1 || meta.lastPage >= 2 ** 48) faults.push(`last page ${meta.lastPage} is impossible`);
  return { slot, offset: offset + PAGE_HEADER_BYTES, usable: faults.length === 0, ...meta, faults };
}

/** Faults of one DB record against its meta's last page. */
function recordFaults(db: LmdbDbRecord, lastPage: number, which: string): string[] {
  if (db.root === null) {
    const empty = db.depth === 0 && db.entries === 0 && db.branchPages === 0 && db.leafPages === 0 && db.overflowPages === 0;
    return empty ? [] : [`the ${which} DB has no root but depth ${db.depth} and ${db.entries} entries`];
  }
  const faults: string[] = [];
  if (db.root < 2 || db.root > lastPage) faults.push(`the ${which} DB's root page ${db.root} is outside pages 2..${lastPage}`);
  if (db.depth < 1 || db.depth > MAX_DEPTH) faults.push(`the ${which} DB's depth ${db.depth} is outside 1..${MAX_DEPTH}`);
  if (db.leafPages < 1 || db.branchPages + db.leafPages + db.overflowPages > lastPage) faults.push(`the ${which} DB's page counts do not fit pages 2..${lastPage}`);
  return faults;
}

/** Reports unusable metas and picks the one LMDB opens; also checks the file holds its pages. */
function pickMeta(metas: readonly ReadMeta[], file: PageFile, problems: ProblemList): ReadMeta | null {
  for (const [i, meta] of metas.entries()) {
    if (meta.faults.length === 0) continue;
    const consequence = i === 0 ? 'LMDB reads the page size from meta page 0 and refuses (or crashes on) a file whose meta 0 is bad' : 'LMDB does not check meta page 1 and would use it when its txnid is the higher';
    problems.add(meta.short === true ? 'file-truncated' : 'meta-invalid', i, `meta page ${i}: ${meta.faults.join('; ')} (${consequence})`);
  }
  const usable = metas.filter((m) => m.usable);
  if (usable.length === 0) return null;
  const chosen = usable.reduce((a, b) => (b.txnId > a.txnId ? b : a));
  txnOrder(metas, problems);
  const need = (chosen.lastPage + 1) * file.pageSize;
  if (file.fileBytes < need && chosen.lastPage >= file.filePages + TAIL_LIMIT) {
    problems.add('file-truncated', undefined, `the file has ${file.fileBytes} bytes (${file.filePages} pages) but ${chosen.slot}'s last page is ${chosen.lastPage}`);
  }
  return chosen;
}

/**
 * Txn N writes meta page N % 2, so meta 0 holds even txnids and meta 1 odd ones, one apart
 * (a fresh file or a compacted copy has txnid 0 in one of them). A changed txnid breaks that;
 * LMDB would open the higher one, perhaps an older snapshot, and lose the commits after it.
 */
function txnOrder(metas: readonly ReadMeta[], problems: ProblemList): void {
  const [m0, m1] = metas as [ReadMeta, ReadMeta];
  if (m0.usable && m0.txnId % 2 !== 0) problems.add('meta-invalid', 0, `meta page 0: txn ${m0.txnId} is odd; LMDB writes even txns there`);
  if (m1.usable && m1.txnId % 2 !== 1 && m1.txnId !== 0) problems.add('meta-invalid', 1, `meta page 1: txn ${m1.txnId} is even; LMDB writes odd txns there`);
  if (m0.usable && m1.usable && Math.abs(m0.txnId - m1.txnId) !== 1 && Math.min(m0.txnId, m1.txnId) !== 0) {
    problems.add('meta-invalid', undefined, `the meta pages hold txns ${m0.txnId} and ${m1.txnId}, which are not consecutive: one was changed (LMDB opens the higher)`);
  }
}

/** A short file whose missing tail is at most this many pages is judged by what the free DB lists there. */
const TAIL_LIMIT = 1 << 20;

/** lmdb-js's flushed meta (overlappingSync): at half of page 0, written from its mapsize field on. */
function readFlushed(file: PageFile, chosen: ReadMeta, problems: ProblemList): ReadMeta | null {
  const offset = file.pageSize / 2 + PAGE_HEADER_BYTES;
  const buf = file.readAt(offset, META_BYTES);
  if (buf.length < META_BYTES) return null;
  const meta = decodeMeta(buf, 0);
  if (meta.txnId === 0) return null;
  const faults = [...recordFaults(meta.main, meta.lastPage, 'main'), ...recordFaults(meta.free, meta.lastPage, 'free')];
  // It records a synced commit, so it is never newer than the committed metas; lmdb-js would open it if it were.
  if (meta.txnId > chosen.txnId) faults.push(`its txn ${meta.txnId} is newer than the newest meta's txn ${chosen.txnId}`);
  if (meta.lastPage > chosen.lastPage) faults.push(`its last page ${meta.lastPage} is past the newest meta's ${chosen.lastPage}`);
  if (faults.length > 0) problems.add('meta-invalid', 0, `flushed meta (overlappingSync, byte ${offset}): ${faults.join('; ')}`);
  return { slot: 'flushed', offset, usable: faults.length === 0, ...meta, faults };
}

function context(file: PageFile, meta: ReadMeta, problems: ProblemList, visited: PageMarks, onFreeRun?: WalkContext['onFreeRun']): WalkContext {
  return { file, lastPage: meta.lastPage, txnId: meta.txnId, visited, problems, beyondEnd: { count: 0, first: 0 }, ...(onFreeRun === undefined ? {} : { onFreeRun }) };
}

function reportBeyondEnd(ctx: WalkContext, what: string): void {
  if (ctx.beyondEnd.count === 0) return;
  const { file } = ctx;
  ctx.problems.add('file-truncated', ctx.beyondEnd.first, `the file has ${file.fileBytes} bytes (pages 0..${file.filePages - 1}) but ${ctx.beyondEnd.count} ${what} lie past its end (the first is page ${ctx.beyondEnd.first})`);
}

/**
 * The root pages of both trees of each usable meta in `metas` (LMDB may open either snapshot),
 * skipping pages in `skip` (already walked). Gives the number of pages read.
 */
function* checkRoots(file: PageFile, metas: readonly ReadMeta[], problems: ProblemList, skip?: PageMarks): Generator<void, number> {
  const seen = new PageSet();
  const newest = metas.reduce<ReadMeta | undefined>((best, m) => (m.usable && (best === undefined || m.txnId > best.txnId) ? m : best), undefined);
  for (const meta of metas) {
    if (!meta.usable) continue;
    // keepr's recovery writes a checkpoint's meta into both slots, the older one labelled one
    // txn earlier (as lmdb-js's own rollback does): that copy's trees are the newest meta's.
    if (meta !== newest && newest !== undefined && sameTrees(meta, newest)) continue;
    const ctx = context(file, meta, problems, seen);
    for (const which of ['main', 'free'] as const) {
      const db = meta[which];
      if (db.root !== null && !seen.has(db.root) && skip?.has(db.root) !== true) yield* walkTree(ctx, which, db, true);
    }
    reportBeyondEnd(ctx, `root pages of ${meta.slot}`);
  }
  return seen.size;
}

/** True when two metas name the same trees (a copy of one written into the other slot). */
function sameTrees(a: ReadMeta, b: ReadMeta): boolean {
  const same = (x: LmdbDbRecord, y: LmdbDbRecord): boolean => x.root === y.root && x.entries === y.entries && x.depth === y.depth && x.leafPages === y.leafPages && x.branchPages === y.branchPages && x.overflowPages === y.overflowPages;
  return a.lastPage === b.lastPage && same(a.main, b.main) && same(a.free, b.free);
}

/** Quick: the root pages of both trees of each usable meta, and for a short file, the free DB. */
function* quickRoots(file: PageFile, metas: readonly ReadMeta[], chosen: ReadMeta, problems: ProblemList): Generator<void, WalkResult> {
  const pagesVisited = yield* checkRoots(file, metas, problems);
  const missing = chosen.lastPage + 1 - file.filePages;
  if (missing > 0 && missing < TAIL_LIMIT && !problems.full) {
    // Pages LMDB allocated and freed in one commit are never written, so a file may end before
    // its last page when the free DB lists every page past the end.
    const tail = new PageBitmap(missing);
    const ctx = context(file, chosen, problems, new PageSet(), (pgno, pages) => {
      for (let p = Math.max(pgno, file.filePages); p < pgno + pages && p <= chosen.lastPage; p++) tail.mark(p - file.filePages);
    });
    yield* walkTree(ctx, 'free', chosen.free);
    const notFree = missing - tail.count();
    if (notFree > 0) problems.add('file-truncated', file.filePages, `the file has ${file.fileBytes} bytes (pages 0..${file.filePages - 1}) but its last page is ${chosen.lastPage}, and ${notFree} of the pages past its end are not free`);
  }
  return { pagesVisited, entries: chosen.main.entries, main: null, free: null, freePages: null, unaccountedPages: null };
}

/**
 * Full: every page of the main DB and the free DB from the chosen meta, then the free lists
 * against the pages in use, and the root pages of the other meta's snapshot.
 */
function* fullWalk(file: PageFile, metas: readonly ReadMeta[], chosen: ReadMeta, problems: ProblemList): Generator<void, WalkResult> {
  const size = Math.max(2, Math.min(chosen.lastPage + 1, file.filePages));
  const visited = new PageBitmap(size);
  const freeMap = new PageBitmap(size);
  visited.mark(0);
  visited.mark(1);
  // LMDB ignores a page listed free twice (mdb_page_alloc), so only pages outside the file count;
  // and the lists may name at most a few times the file's pages in all (a bound for damaged ones).
  let budget = 4 * size;
  let badRecord = -1;
  const onFreeRun = (pgno: number, pages: number, record: number): void => {
    if (record === badRecord) return;
    if (pgno < 2 || pgno + pages - 1 > chosen.lastPage || pages > budget) {
      const what = pages > 1 ? `pages ${pgno}..${pgno + pages - 1}` : `page ${pgno}`;
      problems.add('free-list', undefined, `free-list record ${record} lists ${what}, outside pages 2..${chosen.lastPage}${pages > budget ? ' or more pages than the file has' : ''}`);
      badRecord = record; // one problem per record: a damaged record would repeat it for every page
      return;
    }
    budget -= pages;
    for (let p = pgno; p < pgno + pages; p++) freeMap.mark(p);
  };
  const ctx = context(file, chosen, problems, visited, onFreeRun);
  const main = yield* walkTree(ctx, 'main', chosen.main);
  const free = problems.full ? null : yield* walkTree(ctx, 'free', chosen.free);
  reportBeyondEnd(ctx, 'pages in use');
  let both = 0;
  let first = -1;
  let neither = 0;
  for (let byte = 0; byte < visited.bits.length; byte++) {
    const used = visited.bits[byte]!;
    const listed = freeMap.bits[byte]!;
    const overlap = used & listed;
    if (overlap !== 0) {
      if (first < 0) first = byte * 8 + 31 - Math.clz32(overlap & -overlap);
      both += popcount(overlap);
    }
    neither += 8 - popcount(used | listed);
  }
  neither -= visited.bits.length * 8 - size; // the bits past the last page
  if (!problems.full) yield* checkRoots(file, metas.filter((m) => m !== chosen), problems, visited);
  if (both > 0) problems.add('free-list', first, `${both} pages are both in use and listed free (the first is page ${first}): LMDB would hand them out again and overwrite live data`);
  return { pagesVisited: visited.count() - 2, entries: main?.entries ?? 0, main, free, freePages: freeMap.count(), unaccountedPages: neither };
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}

/**
 * Re-reads the txnids of both meta pages and the file's length: unchanged means no commit landed
 * during the check. The length counts too: it was read before the metas, so a commit that grew
 * the file between the two reads shows a meta whose pages lie past that length.
 */
function stableMetas(file: PageFile, metas: readonly ReadMeta[]): boolean {
  if (fstatSync(file.fd).size !== file.fileBytes) return false;
  return metas.every((m) => {
    const buf = file.readAt(m.offset + 128, 8);
    return buf.length < 8 ? m.txnId === 0 : readU64(buf, 0) === m.txnId;
  });
}
