/**
 * Reading and checking single pages of an LMDB data file with plain preads (never a memory map,
 * so a damaged or short file gives a problem, not a signal), and the problem list the checker
 * fills. The tree walk is in lmdb-file-walk.ts.
 */
import { readSync } from 'node:fs';
import {
  F_BIGDATA,
  NODE_HEADER_BYTES,
  OVERFLOW_REF_BYTES,
  P_BRANCH,
  P_LEAF,
  P_META,
  P_OVERFLOW,
  PAGE_HEADER_BYTES,
  maxKeyBytes,
  nodeMax,
  readU64,
  type LmdbPageHeader,
} from './lmdb-file-layout.js';

/** What kind of damage a problem is; stable names for scripts and tests. */
export type LmdbProblemKind =
  /** The file is shorter than the pages it needs (a cut copy; LMDB would die by SIGBUS). */
  | 'file-truncated'
  /** A meta page is unusable or inconsistent (magic, version, page size, flags, counts). */
  | 'meta-invalid'
  /** A page number is outside the file's pages (a meta page, or past the last page). */
  | 'page-bounds'
  /** A page header does not fit where it was reached (its own number, or a txnid from the future). */
  | 'page-header'
  /** A page's flags are not the page type its position needs (branch, leaf, overflow). */
  | 'page-type'
  /** A page's free-space bounds, node pointers or node sizes fall outside the page. */
  | 'page-layout'
  /** A page is reached twice (a cycle, or two parents or values sharing it). */
  | 'page-shared'
  /** Keys are not in strictly increasing order, or lie outside their parent's separators. */
  | 'key-order'
  /** A leaf node has flags keepr never writes (sub-databases, duplicates). */
  | 'node-flags'
  /** An overflow value's run of pages is bad (header, page count, past the last page). */
  | 'overflow'
  /** A tree's counted entries, pages or depth differ from its DB record. */
  | 'tree-stats'
  /** The free-page DB lists a bad page, a page twice, or a page that is in use. */
  | 'free-list';

/** One thing found wrong. */
export interface LmdbFileProblem {
  readonly kind: LmdbProblemKind;
  /** The page it was found on, when there is one. */
  readonly page?: number;
  /** What is wrong, for people. */
  readonly message: string;
}

/** Collects problems up to a limit, so a badly damaged file gives a bounded report. */
export class ProblemList {
  /** The problems so far. */
  readonly items: LmdbFileProblem[] = [];
  constructor(readonly max: number) {}

  /** Records a problem (dropped once the limit is reached). */
  add(kind: LmdbProblemKind, page: number | undefined, message: string): void {
    // The same finding can come from two looks at one page (a root, then the walk): keep one.
    if (this.items.length >= this.max || this.items.some((p) => p.kind === kind && p.page === page && p.message === message)) return;
    this.items.push(page === undefined ? { kind, message } : { kind, page, message });
  }

  /** True when no more problems are kept: the checker stops. */
  get full(): boolean {
    return this.items.length >= this.max;
  }
}

/** Pages seen so far: a bitmap for a full walk, a set for the few pages of a quick check. */
export interface PageMarks {
  /** Marks the page; false when it was already marked. */
  mark(pgno: number): boolean;
  /** True when the page is marked. */
  has(pgno: number): boolean;
}

/** A bitmap over pages 0..size-1 (one bit a page, so a 1 TiB file of 4 KiB pages takes 32 MiB). */
export class PageBitmap implements PageMarks {
  /** The bits, page n at bit n % 8 of byte n >> 3. */
  readonly bits: Uint8Array;

  constructor(readonly size: number) {
    this.bits = new Uint8Array(Math.ceil(size / 8));
  }

  /** Marks the page; false when it was already marked (pages past the end are never marked). */
  mark(pgno: number): boolean {
    if (pgno >= this.size) return true;
    const byte = pgno >>> 3;
    const bit = 1 << (pgno & 7);
    if ((this.bits[byte]! & bit) !== 0) return false;
    this.bits[byte]! |= bit;
    return true;
  }

  /** True when the page is marked. */
  has(pgno: number): boolean {
    return pgno < this.size && (this.bits[pgno >>> 3]! & (1 << (pgno & 7))) !== 0;
  }

  /** Number of marked pages. */
  count(): number {
    let n = 0;
    for (const byte of this.bits) n += POPCOUNT[byte]!;
    return n;
  }
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => b.toString(2).replaceAll('0', '').length);

/** A page set for quick checks, which touch a handful of pages. */
export class PageSet implements PageMarks {
  readonly #pages = new Set<number>();

  /** Marks the page; false when it was already marked. */
  mark(pgno: number): boolean {
    if (this.#pages.has(pgno)) return false;
    this.#pages.add(pgno);
    return true;
  }

  /** True when the page is marked. */
  has(pgno: number): boolean {
    return this.#pages.has(pgno);
  }

  /** Number of marked pages. */
  get size(): number {
    return this.#pages.size;
  }
}

/** The data file read page by page with pread. */
export class PageFile {
  /** Whole pages the file holds. */
  readonly filePages: number;
  /** Reads done so far. */
  reads = 0;

  constructor(
    readonly fd: number,
    readonly fileBytes: number,
    readonly pageSize: number,
  ) {
    this.filePages = Math.floor(fileBytes / pageSize);
  }

  /** `length` bytes at `position` (fewer at the end of the file). */
  readAt(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    this.reads++;
    return got === length ? buf : buf.subarray(0, got);
  }

  /** The first `length` bytes (default: all) of page `pgno`; the caller made sure it is in the file. */
  page(pgno: number, length = this.pageSize): Buffer {
    return this.readAt(pgno * this.pageSize, length);
  }
}

/** Names a page's flags for messages. */
export function pageTypeName(flags: number): string {
  switch (flags) {
    case P_BRANCH:
      return 'a branch page';
    case P_LEAF:
      return 'a leaf page';
    case P_OVERFLOW:
      return 'an overflow page';
    case P_META:
      return 'a meta page';
    case 0:
      return 'a page with no type (zeroed?)';
    default:
      return `a page with flags 0x${flags.toString(16)}`;
  }
}

/** Up to 24 bytes of a key in hex, for messages. */
export function keyHex(key: Uint8Array): string {
  const hex = Buffer.from(key.buffer, key.byteOffset, Math.min(key.length, 24)).toString('hex');
  return key.length > 24 ? `${hex}... (${key.length} bytes)` : hex || '(empty)';
}

/** An F_BIGDATA node's reference to its overflow run. */
export interface OverflowRef {
  readonly pgno: number;
  readonly txnId: number;
  readonly pages: number;
}

/** A node of a branch or leaf page, decoded after its bounds were checked. */
export interface PageNode {
  /** The key, a view into the page. */
  readonly key: Buffer;
  /** Branch: the child page. Leaf: the node flags. */
  readonly child: number;
  readonly flags: number;
  /** Leaf: the data size. */
  readonly size: number;
  /** Leaf: the inline data (a view into the page), or null for an overflow value. */
  readonly data: Buffer | null;
  /** Leaf: the overflow run, for an F_BIGDATA node. */
  readonly overflow: OverflowRef | null;
}

/**
 * Decodes the nodes of a branch or leaf page, checking that the free-space bounds, every node
 * pointer and every node (header, key, inline data or overflow reference) lie inside the page.
 * Returns null after recording a `page-layout` problem.
 */
export function pageNodes(page: Buffer, header: LmdbPageHeader, pgno: number, leaf: boolean, problems: ProblemList, where: string): PageNode[] | null {
  const size = page.length;
  const bad = (message: string): null => {
    problems.add('page-layout', pgno, `${where}: ${message}`);
    return null;
  };
  const { lower, upper } = header;
  if ((lower & 1) !== 0 || lower > upper || upper > size - PAGE_HEADER_BYTES) {
    return bad(`free-space bounds lower=${lower} upper=${upper} do not fit a ${size}-byte page`);
  }
  const maxKey = maxKeyBytes(size);
  const maxNode = nodeMax(size);
  const nodes: PageNode[] = [];
  for (let i = 0; i < lower >> 1; i++) {
    const ptr = page.readUInt16LE(PAGE_HEADER_BYTES + 2 * i);
    const at = ptr + PAGE_HEADER_BYTES;
    if (ptr < upper || (ptr & 1) !== 0 || at + NODE_HEADER_BYTES > size) return bad(`node ${i} starts at ${at}, outside the node area ${upper + PAGE_HEADER_BYTES}..${size}`);
    const lo = page.readUInt16LE(at);
    const hi = page.readUInt16LE(at + 2);
    const flags = page.readUInt16LE(at + 4);
    const ksize = page.readUInt16LE(at + 6);
    const keyEnd = at + NODE_HEADER_BYTES + ksize;
    if (ksize > maxKey || keyEnd > size) return bad(`node ${i} has a ${ksize}-byte key, past the page end or above LMDB's ${maxKey}-byte limit`);
    const key = page.subarray(at + NODE_HEADER_BYTES, keyEnd);
    if (!leaf) {
      // A branch node keeps its 48-bit child page number in lo, hi and flags.
      nodes.push({ key, child: lo + hi * 0x10000 + flags * 0x1_0000_0000, flags: 0, size: 0, data: null, overflow: null });
      continue;
    }
    const dsize = lo + hi * 0x10000;
    if ((flags & F_BIGDATA) !== 0) {
      if (keyEnd + OVERFLOW_REF_BYTES > size) return bad(`node ${i}'s overflow reference ends past the page end`);
      const overflow = { pgno: readU64(page, keyEnd), txnId: readU64(page, keyEnd + 8), pages: readU64(page, keyEnd + 16) };
      nodes.push({ key, child: 0, flags, size: dsize, data: null, overflow });
    } else {
      if (keyEnd + dsize > size || NODE_HEADER_BYTES + ksize + dsize > maxNode) {
        return bad(`node ${i} holds ${dsize} bytes of data inline, past the page end or above LMDB's ${maxNode}-byte node limit`);
      }
      nodes.push({ key, child: 0, flags, size: dsize, data: page.subarray(keyEnd, keyEnd + dsize), overflow: null });
    }
  }
  return nodes;
}
