/**
 * LMDB's two meta pages, read and written with plain file I/O. A meta page says which
 * transaction the file holds (its id, the roots of the main and free-page trees, the last page).
 * LMDB picks the meta with the higher transaction id. keepr runs LMDB without a sync per commit,
 * so after a power cut the newer meta may point at pages that never reached the disk; recovery
 * then writes back the meta of the last checkpoint, whose pages are on disk and were never
 * overwritten since (a pinned read transaction kept LMDB from reusing them).
 *
 * Layout (lmdb-js's LMDB, data version 2, little-endian, 64-bit): page header of 24 bytes
 * (u64 page number, u64 txnid, u16 pad, u16 flags = 0x08 for a meta page, u32 lower/upper),
 * then `MDB_meta`: u32 magic 0xBEEFC0DE, u32 version, u64 address, u64 map size, two 48-byte
 * `MDB_db` records (free pages, main; the first's u32 pad is the page size), u64 last page,
 * u64 txnid, i64 boot id: 168 bytes in all. Meta 0 is page 0, meta 1 is page 1.
 */
import { fdatasyncSync, readSync, writeSync } from 'node:fs';
import { KeeprError } from '../../errors.js';
import { checkLmdbFileSync, formatLmdbProblem, type LmdbFileReport } from './lmdb-file-check.js';
import { MAX_PAGE_SIZE, MDB_DATA_VERSION, MDB_MAGIC, META_BYTES as MDB_META_BYTES, MIN_PAGE_SIZE, P_META, PAGE_HEADER_BYTES, decodeMeta } from './lmdb-file-layout.js';

/** Bytes of a meta page that LMDB reads (the page header and `MDB_meta`): 168. */
export const META_BYTES = PAGE_HEADER_BYTES + MDB_META_BYTES;
const OFF_PGNO = 0;
const OFF_FLAGS = 18;
// mm_txnid, after magic, version, address, map size, two MDB_db of 48 bytes and the last page.
const OFF_TXNID = PAGE_HEADER_BYTES + 128;

/** One meta page as read. */
export interface MetaPage {
  /** 0 or 1. */
  readonly slot: number;
  readonly txnId: number;
  readonly pageSize: number;
  readonly lastPage: number;
  /** The first {@link META_BYTES} bytes of the page. */
  readonly bytes: Buffer;
}

/** A meta page's fields, or undefined when it is not a valid meta page. */
export function parseMeta(bytes: Buffer, slot: number): MetaPage | undefined {
  if (bytes.length < META_BYTES) return undefined;
  if ((bytes.readUInt16LE(OFF_FLAGS) & P_META) === 0 || Number(bytes.readBigUInt64LE(OFF_PGNO)) !== slot) return undefined;
  const meta = decodeMeta(bytes, PAGE_HEADER_BYTES);
  if (meta.magic !== MDB_MAGIC || meta.version !== MDB_DATA_VERSION) return undefined;
  const { pageSize } = meta;
  if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) return undefined;
  return { slot, txnId: meta.txnId, pageSize, lastPage: meta.lastPage, bytes: Buffer.from(bytes.subarray(0, META_BYTES)) };
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/** Both meta pages of an LMDB data file (undefined for one that is missing or not valid). */
export function readMetas(fd: number): [MetaPage | undefined, MetaPage | undefined] {
  const first = parseMeta(readAt(fd, META_BYTES, 0), 0);
  // The second meta sits one page in; take the page size from the first (or the usual 4 KiB).
  const sizes = first === undefined ? [4096, 8192, 16384, 65536] : [first.pageSize];
  for (const size of sizes) {
    const second = parseMeta(readAt(fd, META_BYTES, size), 1);
    if (second !== undefined && (first === undefined || second.pageSize === first.pageSize)) return [first, second];
  }
  return [first, undefined];
}

/** The meta LMDB would use: the valid one with the higher transaction id. */
export function latestMeta(fd: number): MetaPage | undefined {
  const [a, b] = readMetas(fd);
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.txnId >= b.txnId ? a : b;
}

/**
 * Writes `meta` (of transaction T) back as the file's newest state: T into its own slot and
 * a copy marked T - 1 into the other, as lmdb-js's own rollback does, then syncs.
 */
export function restoreMeta(fd: number, meta: MetaPage): void {
  const own = meta.txnId % 2;
  for (const slot of [own, 1 - own]) {
    const page = Buffer.from(meta.bytes);
    page.writeBigUInt64LE(BigInt(slot), OFF_PGNO);
    page.writeBigUInt64LE(BigInt(slot === own ? meta.txnId : Math.max(0, meta.txnId - 1)), OFF_TXNID);
    writeSync(fd, page, 0, page.length, slot * meta.pageSize);
  }
  fdatasyncSync(fd);
}

/**
 * The quick structural check (lmdb-file-check.ts: both meta pages, the file length, the root
 * pages) before LMDB maps `file`: LMDB trusts the file, and a damaged one can crash the process
 * by a signal. Throws `STORE_CORRUPT` naming the first problem. A check that saw the file change
 * (another process committed) is repeated; after three such tries the file is taken as sound,
 * since a process is writing it successfully.
 */
export function checkDataFile(file: string): void {
  let report: LmdbFileReport | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    report = checkLmdbFileSync(file, { maxProblems: 10 });
    if (report.ok || report.stable) break;
  }
  if (report === undefined || report.ok || !report.stable || report.fileBytes === 0) return;
  const first = report.problems[0];
  const where = first === undefined ? 'no usable meta page' : formatLmdbProblem(first);
  throw new KeeprError('STORE_CORRUPT', `${file} is damaged: ${where}; keepr verify checks the whole file`, { details: { file, problems: report.problems } });
}
