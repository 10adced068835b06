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
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { KeeprError } from '../../errors.js';

/** Bytes of a meta page that LMDB reads (header and `MDB_meta`). */
export const META_BYTES = 168;
const MAGIC = 0xbeefc0de;
const VERSION = 2;
const P_META = 0x08;
const OFF_PGNO = 0;
const OFF_FLAGS = 18;
const OFF_MAGIC = 24;
const OFF_VERSION = 28;
const OFF_PSIZE = 48;
const OFF_LAST_PG = 144;
const OFF_TXNID = 152;

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
  if (bytes.readUInt32LE(OFF_MAGIC) !== MAGIC || bytes.readUInt32LE(OFF_VERSION) !== VERSION) return undefined;
  if ((bytes.readUInt16LE(OFF_FLAGS) & P_META) === 0 || Number(bytes.readBigUInt64LE(OFF_PGNO)) !== slot) return undefined;
  const pageSize = bytes.readUInt32LE(OFF_PSIZE);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  return {
    slot,
    txnId: Number(bytes.readBigUInt64LE(OFF_TXNID)),
    pageSize,
    lastPage: Number(bytes.readBigUInt64LE(OFF_LAST_PG)),
    bytes: Buffer.from(bytes.subarray(0, META_BYTES)),
  };
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

const OFF_FREE_ROOT = 88;
const OFF_MAIN_ROOT = 136;
const P_INVALID = 0xffffffffffffffffn;

/**
 * The quick check before LMDB maps a file (LMDB trusts the file; a bad meta page or a root page
 * past the end crashes the process by a signal): both meta pages valid, and the trees' roots
 * inside the file. Returns a description of the damage, or undefined when the file may be opened.
 */
export function metaDamage(fd: number): string | undefined {
  const [a, b] = readMetas(fd);
  // The size after the metas: LMDB writes a commit's pages before its meta and never shrinks the
  // file, so a concurrent commit cannot make a sound file look short.
  const fileBytes = fstatSync(fd).size;
  if (a === undefined) return 'meta page 0 is not a valid LMDB meta page (magic, version, flags or page size)';
  if (b === undefined) return 'meta page 1 is not a valid LMDB meta page (magic, version, flags or page size)';
  const latest = a.txnId >= b.txnId ? a : b;
  const pages = Math.floor(fileBytes / latest.pageSize);
  for (const [name, offset] of [['free-page', OFF_FREE_ROOT], ['main', OFF_MAIN_ROOT]] as const) {
    const root = latest.bytes.readBigUInt64LE(offset);
    if (root !== P_INVALID && root >= BigInt(pages)) {
      return `the ${name} tree's root page ${root} of meta page ${latest.slot} lies past the end of the file (${pages} pages): the file was truncated`;
    }
  }
  return undefined;
}

/** Throws `STORE_CORRUPT` naming the damage when {@link metaDamage} finds any in `file`. */
export function checkDataFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).size === 0) return;
    const damage = metaDamage(fd);
    if (damage !== undefined) throw new KeeprError('STORE_CORRUPT', `${file} is damaged: ${damage}; keepr verify checks the whole file`, { details: { file } });
  } finally {
    closeSync(fd);
  }
}
