/**
 * The on-disk layout of the LMDB data file as written by the LMDB that lmdb-js 3.x vendors
 * (node_modules/lmdb/dependencies/lmdb/libraries/liblmdb/mdb.c, data version 2, 64-bit build):
 * byte offsets, flags and decoders for meta pages, page headers and nodes. Every number here
 * was read from that source and checked against files lmdb-js wrote; see docs/operations.md.
 */

/** `MDB_MAGIC`: the first field of every meta record. */
export const MDB_MAGIC = 0xbeefc0de;
/** `MDB_DATA_VERSION` of the vendored LMDB (999 only in MDB_DEVEL builds, which lmdb-js does not ship). */
export const MDB_DATA_VERSION = 2;
/** `sizeof(MDB_page_header)`: pgno u64, txnid u64, pad u16, flags u16, lower u16 + upper u16 (or pages u32). */
export const PAGE_HEADER_BYTES = 24;
/** `NODESIZE`: lo u16, hi u16, flags u16, ksize u16; the key and then the data follow. */
export const NODE_HEADER_BYTES = 8;
/** `sizeof(MDB_ovpage)`: the data of an F_BIGDATA node: first page u64, txnid u64, page count u64. */
export const OVERFLOW_REF_BYTES = 24;
/** `sizeof(MDB_meta)`: magic, version, address, mapsize, two MDB_db of 48 bytes, last page, txnid, boot_id. */
export const META_BYTES = 144;
/** `MAX_PAGESIZE` (64 KiB since PAGEBASE is the header size); lmdb-js uses the OS page size. */
export const MAX_PAGE_SIZE = 0x10000;
/** The smallest page size this checker accepts (LMDB has no lower bound; no OS pages are smaller). */
export const MIN_PAGE_SIZE = 512;
/** `CURSOR_STACK`: LMDB cannot descend deeper than this. */
export const MAX_DEPTH = 32;
/** `P_INVALID` (all ones): the root of an empty tree. */
export const NO_PAGE = -1;

/** Page flags (`P_*`). */
export const P_BRANCH = 0x01;
/** Leaf page. */
export const P_LEAF = 0x02;
/** First page of an overflow run. */
export const P_OVERFLOW = 0x04;
/** Meta page (pages 0 and 1). */
export const P_META = 0x08;

/** Leaf node flag: the data is on an overflow run (`F_BIGDATA`). */
export const F_BIGDATA = 0x01;

/** `MDB_INTEGERKEY`, set on the free DB (its keys are txnids). */
export const MDB_INTEGERKEY = 0x08;
/** `MDB_REVERSEKEY`. */
export const MDB_REVERSEKEY = 0x02;
/** `MDB_ENCRYPT` in the free DB's flags (the env flags persisted there): pages are encrypted. */
export const MDB_ENCRYPT = 0x2000;
/**
 * Bits the free DB's `md_flags` may hold: MDB_INTEGERKEY plus the env flags LMDB persists there
 * (FIXEDMAP, TRACK_METRICS, SAFE_RESTORE, OVERLAPPINGSYNC, ENCRYPT, NOSUBDIR).
 */
export const FREE_DB_FLAGS = 0x08 | 0x01 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000;

/** Byte offsets inside a meta page (the meta record starts after the page header). */
const META = {
  magic: 0,
  version: 4,
  mapSize: 16,
  dbs: 24,
  lastPage: 120,
  txnId: 128,
  bootId: 136,
} as const;
/** Size of one `MDB_db`: pad u32, flags u16, depth u16, branch, leaf, overflow, entries, root (u64 each). */
const DB_BYTES = 48;

/** An unsigned 64-bit little-endian field as a number (exact below 2^53; above that only "huge"). */
export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 4) * 0x1_0000_0000 + buf.readUInt32LE(offset);
}

/** A page number field: {@link NO_PAGE} for P_INVALID. */
function readPgno(buf: Buffer, offset: number): number {
  if (buf.readUInt32LE(offset) === 0xffffffff && buf.readUInt32LE(offset + 4) === 0xffffffff) return NO_PAGE;
  return readU64(buf, offset);
}

/** One `MDB_db` record of a meta page. */
export interface LmdbDbRecord {
  /** `md_flags` (for the free DB also the persisted env flags). */
  readonly flags: number;
  /** `md_depth`: levels of the tree, 0 when empty. */
  readonly depth: number;
  readonly branchPages: number;
  readonly leafPages: number;
  readonly overflowPages: number;
  /** `md_entries`: number of key/value pairs. */
  readonly entries: number;
  /** Root page number, or null for an empty tree. */
  readonly root: number | null;
}

/** A decoded meta record. */
export interface LmdbMetaRecord {
  readonly magic: number;
  /** Low 16 bits of `mm_version` (the only ones LMDB compares). */
  readonly version: number;
  /** `mm_psize` (the free DB's `md_pad`). */
  readonly pageSize: number;
  /** `mm_mapsize`: the map size it was written with (LMDB grows the map to at least the last page). */
  readonly mapSize: number;
  readonly lastPage: number;
  readonly txnId: number;
  readonly free: LmdbDbRecord;
  readonly main: LmdbDbRecord;
}

function decodeDb(buf: Buffer, offset: number): LmdbDbRecord {
  const root = readPgno(buf, offset + 40);
  return {
    flags: buf.readUInt16LE(offset + 4),
    depth: buf.readUInt16LE(offset + 6),
    branchPages: readU64(buf, offset + 8),
    leafPages: readU64(buf, offset + 16),
    overflowPages: readU64(buf, offset + 24),
    entries: readU64(buf, offset + 32),
    root: root === NO_PAGE ? null : root,
  };
}

/** Decodes the meta record at `offset` (the byte after a meta page's header) of `buf`. */
export function decodeMeta(buf: Buffer, offset: number): LmdbMetaRecord {
  return {
    magic: buf.readUInt32LE(offset + META.magic),
    version: buf.readUInt32LE(offset + META.version) & 0xffff,
    pageSize: buf.readUInt32LE(offset + META.dbs),
    mapSize: readU64(buf, offset + META.mapSize),
    lastPage: readU64(buf, offset + META.lastPage),
    txnId: readU64(buf, offset + META.txnId),
    free: decodeDb(buf, offset + META.dbs),
    main: decodeDb(buf, offset + META.dbs + DB_BYTES),
  };
}

/** A decoded page header. */
export interface LmdbPageHeader {
  /** `mp_pgno`: the page's own number (written on every page LMDB flushes). */
  readonly pgno: number;
  /** `mp_txnid`: the transaction that wrote the page (at most the meta's txnid). */
  readonly txnId: number;
  readonly flags: number;
  /** `mp_lower`: bytes of node pointers (relative to the header end, so 2 x keys). */
  readonly lower: number;
  /** `mp_upper`: start of the node area, relative to the header end. */
  readonly upper: number;
  /** `mp_pages` of an overflow page (the same bytes as lower/upper). */
  readonly pages: number;
}

/** Decodes the page header at the start of `buf`. */
export function decodePageHeader(buf: Buffer): LmdbPageHeader {
  return {
    pgno: readU64(buf, 0),
    txnId: readU64(buf, 8),
    flags: buf.readUInt16LE(18),
    lower: buf.readUInt16LE(20),
    upper: buf.readUInt16LE(22),
    pages: buf.readUInt32LE(20),
  };
}

/** `me_nodemax`: the largest node kept on a page; bigger data goes to overflow pages. */
export function nodeMax(pageSize: number): number {
  return (Math.floor((pageSize - PAGE_HEADER_BYTES) / 2) & ~1) - 2;
}

/** `me_maxkey` with MDB_MAXKEYSIZE=0 (lmdb-js's build): the largest key LMDB writes. */
export function maxKeyBytes(pageSize: number): number {
  return nodeMax(pageSize) - (NODE_HEADER_BYTES + DB_BYTES);
}

/** `OVPAGES`: pages an overflow value of `size` bytes needs. */
export function overflowPagesFor(size: number, pageSize: number): number {
  return Math.floor((PAGE_HEADER_BYTES - 1 + size) / pageSize) + 1;
}

/** `mdb_cmp_memn`: bytewise, a prefix first (what Buffer.compare does). */
export function compareMemn(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** `mdb_cmp_memnr`: bytewise from the last byte backwards, a suffix first. */
export function compareMemnr(a: Uint8Array, b: Uint8Array): number {
  for (let i = a.length - 1, j = b.length - 1; i >= 0 && j >= 0; i--, j--) {
    if (a[i] !== b[j]) return a[i]! - b[j]!;
  }
  return a.length - b.length;
}

/** `mdb_cmp_cint` for keys of one size: unsigned little-endian integers. */
export function compareUintLE(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}

/** The key order LMDB's `mdb_default_cmp` gives a DB with these flags (lmdb-js sets no other for the unnamed DB). */
export function keyComparator(dbFlags: number): (a: Uint8Array, b: Uint8Array) => number {
  if ((dbFlags & MDB_REVERSEKEY) !== 0) return compareMemnr;
  if ((dbFlags & MDB_INTEGERKEY) !== 0) return compareUintLE;
  return compareMemn;
}
