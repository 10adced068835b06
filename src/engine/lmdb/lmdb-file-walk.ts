/**
 * Walks one B-tree of an LMDB data file (the main DB or the free-page DB) from its root, page by
 * page with preads, checking what LMDB trusts when it reads: page numbers, page types for their
 * depth, page layout, key order against the separators above, overflow runs, and the counts in
 * the DB record. Bounded: every page is visited at most once (a page reached twice is reported,
 * never followed), the stack holds at most depth x fanout frames, and the walk stops when the
 * problem list is full.
 */
import { F_BIGDATA, MAX_DEPTH, P_BRANCH, P_LEAF, P_OVERFLOW, PAGE_HEADER_BYTES, decodePageHeader, keyComparator, overflowPagesFor, readU64, type LmdbDbRecord } from './lmdb-file-layout.js';
import { keyHex, pageNodes, pageTypeName, type PageFile, type PageMarks, type PageNode, type ProblemList } from './lmdb-file-pages.js';

/** What a tree walk counted. */
export interface LmdbTreeCounts {
  /** Levels seen (1 for a root leaf, 0 for an empty tree). */
  readonly depth: number;
  readonly branchPages: number;
  readonly leafPages: number;
  readonly overflowPages: number;
  readonly entries: number;
}

/** What a walk shares with the rest of the check. */
export interface WalkContext {
  readonly file: PageFile;
  /** The chosen meta's last page and txnid: no page may be past the one or newer than the other. */
  readonly lastPage: number;
  readonly txnId: number;
  readonly visited: PageMarks;
  readonly problems: ProblemList;
  /** Pages in use that lie past the end of the file (reported once, by the caller). */
  readonly beyondEnd: { count: number; first: number };
  /** Called with every run of pages (first page, length) a free-list record lists (free DB only). */
  readonly onFreeRun?: (pgno: number, pages: number, record: number) => void;
}

interface Frame {
  readonly pgno: number;
  readonly depth: number;
  /** Keys of this subtree are at least `lo` and below `hi` (null: unbounded). */
  readonly lo: Buffer | null;
  readonly hi: Buffer | null;
  readonly parent: number | null;
}

/** Pages between yields to the event loop, so a long walk does not stall a server. */
const YIELD_EVERY = 1024;

/**
 * Walks the tree of `db` (`which` names it in messages) and returns what it counted, or null when
 * the tree is empty. Problems go to `ctx.problems`; a count that disagrees with the DB record is
 * reported only when the walk found nothing else wrong in this tree (else it is a consequence).
 * `rootOnly` checks the root page alone (its layout, keys and node flags): the quick check.
 */
export function* walkTree(ctx: WalkContext, which: 'main' | 'free', db: LmdbDbRecord, rootOnly = false): Generator<void, LmdbTreeCounts | null> {
  if (db.root === null) return null;
  const { file, problems } = ctx;
  const before = problems.items.length;
  const compare = keyComparator(db.flags);
  const counts = { depth: 0, branchPages: 0, leafPages: 0, overflowPages: 0, entries: 0 };
  const stack: Frame[] = [{ pgno: db.root, depth: 1, lo: null, hi: null, parent: null }];
  let prevKey: Buffer | null = null;
  let pages = 0;
  while (stack.length > 0 && !problems.full) {
    const frame = stack.pop()!;
    const { pgno, depth } = frame;
    const where = `${which} DB page ${pgno} (depth ${depth} of ${db.depth}${frame.parent === null ? ', root' : `, child of page ${frame.parent}`})`;
    if (!pageInBounds(ctx, pgno, 1, where)) continue;
    if (!ctx.visited.mark(pgno)) {
      problems.add('page-shared', pgno, `${where} was reached before: a cycle or a page with two parents`);
      continue;
    }
    if (++pages % YIELD_EVERY === 0) yield;
    const page = file.page(pgno);
    const header = decodePageHeader(page);
    const leaf = depth >= db.depth;
    const want = leaf ? P_LEAF : P_BRANCH;
    if (header.flags !== want) {
      problems.add('page-type', pgno, `${where} is ${pageTypeName(header.flags)}, expected ${pageTypeName(want)}`);
      continue;
    }
    if (!headerFits(ctx, header.pgno, header.txnId, pgno, where)) continue;
    const nodes = pageNodes(page, header, pgno, leaf, problems, where);
    if (nodes === null) continue;
    counts.depth = Math.max(counts.depth, depth);
    if (!leaf) {
      counts.branchPages++;
      // The first key of a branch page is never compared (LMDB searches from index 1).
      if (nodes.length < (which === 'main' ? 2 : 1)) {
        problems.add('page-layout', pgno, `${where} has ${nodes.length} keys; a branch page has at least 2`);
        continue;
      }
      if (depth >= MAX_DEPTH) {
        problems.add('page-type', pgno, `${where}: the tree is deeper than LMDB's ${MAX_DEPTH}-level cursor stack`);
        continue;
      }
      if (!keysInOrder(nodes, 1, frame, null, compare, problems, pgno, where) || rootOnly) continue;
      for (let i = nodes.length - 1; i >= 0; i--) {
        const lo = i === 0 ? frame.lo : nodes[i]!.key;
        const hi = i === nodes.length - 1 ? frame.hi : nodes[i + 1]!.key;
        stack.push({ pgno: nodes[i]!.child, depth: depth + 1, lo, hi, parent: pgno });
      }
      continue;
    }
    counts.leafPages++;
    counts.entries += nodes.length;
    if (nodes.length === 0) problems.add('page-layout', pgno, `${where} is an empty leaf page (LMDB merges those away)`);
    keysInOrder(nodes, 0, frame, prevKey, compare, problems, pgno, where);
    if (nodes.length > 0) prevKey = nodes[nodes.length - 1]!.key;
    for (const [i, node] of nodes.entries()) {
      if ((node.flags & ~F_BIGDATA) !== 0) {
        problems.add('node-flags', pgno, `${where}: node ${i} has flags 0x${node.flags.toString(16)}; keepr's DBs hold plain values only (no sub-databases or duplicates)`);
        continue;
      }
      if (which === 'free' && node.key.length !== 8) {
        problems.add('free-list', pgno, `${where}: node ${i} has a ${node.key.length}-byte key; free-list keys are 8-byte txnids`);
        continue;
      }
      if (rootOnly) continue;
      const run = node.overflow === null ? null : checkOverflow(ctx, node, `${where}, node ${i}`, pgno);
      if (run !== null) counts.overflowPages += run.pages;
      if (which === 'free' && (run === null || run.readable)) readFreeList(ctx, node, readU64(node.key, 0), `${where}, node ${i}`, pgno);
    }
  }
  if (problems.items.length === before && !problems.full && !rootOnly) compareCounts(problems, which, db, counts);
  return counts;
}

/** Checks that pages pgno..pgno+count-1 exist; pages past the file end are counted for one report. */
function pageInBounds(ctx: WalkContext, pgno: number, count: number, where: string): boolean {
  if (pgno < 2 || count < 1 || pgno + count - 1 > ctx.lastPage) {
    const what = count > 1 ? `pages ${pgno}..${pgno + count - 1}` : `page ${pgno}`;
    const is = count > 1 ? 'are' : 'is';
    ctx.problems.add('page-bounds', pgno, `${where}: ${what} ${pgno < 2 ? `${is} a meta page or before one` : `${is} past the last page ${ctx.lastPage}`}`);
    return false;
  }
  const end = pgno + count;
  if (end > ctx.file.filePages) {
    const first = Math.max(pgno, ctx.file.filePages);
    if (ctx.beyondEnd.count === 0 || first < ctx.beyondEnd.first) ctx.beyondEnd.first = first;
    ctx.beyondEnd.count += end - first;
    return false;
  }
  return true;
}

/** Checks a page header's own number and txnid. */
function headerFits(ctx: WalkContext, headerPgno: number, txnId: number, pgno: number, where: string): boolean {
  if (headerPgno !== pgno) {
    ctx.problems.add('page-header', pgno, `${where}: its header says it is page ${headerPgno}`);
    return false;
  }
  if (txnId > ctx.txnId) {
    // LMDB would take such a page for one of its own dirty pages and write into the read-only map.
    ctx.problems.add('page-header', pgno, `${where}: written by txn ${txnId}, after the meta's txn ${ctx.txnId}`);
    return false;
  }
  return true;
}

/**
 * Checks keys from index `from` on: strictly increasing (also after `prev`, the last key of the
 * previous leaf) and inside the parent's bounds. One problem per page at most.
 */
function keysInOrder(nodes: readonly PageNode[], from: number, frame: Frame, prev: Buffer | null, compare: (a: Uint8Array, b: Uint8Array) => number, problems: ProblemList, pgno: number, where: string): boolean {
  let last = prev;
  for (let i = from; i < nodes.length; i++) {
    const key = nodes[i]!.key;
    if (last !== null && compare(last, key) >= 0) {
      problems.add('key-order', pgno, `${where}: key ${i} (${keyHex(key)}) is not above the key before it (${keyHex(last)})`);
      return false;
    }
    if ((frame.lo !== null && compare(key, frame.lo) < 0) || (frame.hi !== null && compare(key, frame.hi) >= 0)) {
      const range = `${frame.lo === null ? '-inf' : keyHex(frame.lo)} .. ${frame.hi === null ? '+inf' : keyHex(frame.hi)}`;
      problems.add('key-order', pgno, `${where}: key ${i} (${keyHex(key)}) is outside the range its parent gives it (${range})`);
      return false;
    }
    last = key;
  }
  return true;
}

/** Checks an overflow value's run and marks its pages; gives the pages it counts and whether its data can be read. */
function checkOverflow(ctx: WalkContext, node: PageNode, where: string, leafPgno: number): { pages: number; readable: boolean } {
  const ref = node.overflow!;
  const { problems, file } = ctx;
  const need = overflowPagesFor(node.size, file.pageSize);
  if (ref.pages < need) {
    problems.add('overflow', leafPgno, `${where}: a ${node.size}-byte value on ${ref.pages} overflow pages needs ${need}`);
    return { pages: 0, readable: false };
  }
  if (ref.txnId > ctx.txnId) {
    problems.add('overflow', leafPgno, `${where}: overflow reference written by txn ${ref.txnId}, after the meta's txn ${ctx.txnId}`);
    return { pages: 0, readable: false };
  }
  if (!pageInBounds(ctx, ref.pgno, ref.pages, `${where}: its overflow run`)) return { pages: ref.pages, readable: false };
  for (let p = ref.pgno; p < ref.pgno + ref.pages; p++) {
    if (!ctx.visited.mark(p)) {
      problems.add('page-shared', p, `${where}: overflow page ${p} (of the run at ${ref.pgno}) was reached before`);
      return { pages: 0, readable: false };
    }
  }
  const header = decodePageHeader(file.page(ref.pgno, PAGE_HEADER_BYTES));
  const head = `${where}: overflow page ${ref.pgno}`;
  let readable = false;
  if (header.flags !== P_OVERFLOW) problems.add('page-type', ref.pgno, `${head} is ${pageTypeName(header.flags)}, expected an overflow page`);
  else if (header.pages !== ref.pages) problems.add('overflow', ref.pgno, `${head} says its run is ${header.pages} pages, the leaf says ${ref.pages}`);
  else readable = headerFits(ctx, header.pgno, header.txnId, ref.pgno, head);
  return { pages: ref.pages, readable };
}

/** Entries read from a free-list record at a time (bounded memory for a huge record). */
const FREE_LIST_CHUNK = 65536;

/**
 * Reads a free-list record and hands on each run of free pages. The vendored LMDB keeps sparse
 * lists (midl.c, mdb_midl_xmerge): a count, then that many 64-bit entries, each 0 (an empty
 * slot), a page number, or minus a run length followed by the run's first page.
 */
function readFreeList(ctx: WalkContext, node: PageNode, record: number, where: string, leafPgno: number): void {
  const onFreeRun = ctx.onFreeRun;
  if (onFreeRun === undefined) return;
  // An overflow record's bytes follow its run's page header (the run was checked just before).
  const base = node.overflow === null ? 0 : node.overflow.pgno * ctx.file.pageSize + PAGE_HEADER_BYTES;
  const read = (offset: number, length: number): Buffer => (node.data === null ? ctx.file.readAt(base + offset, length) : node.data.subarray(offset, offset + length));
  const slots = Math.floor(node.size / 8) - 1;
  const count = slots >= 0 ? readU64(read(0, 8), 0) : -1;
  if (count < 0 || count > slots) {
    ctx.problems.add('free-list', leafPgno, `${where}: free-list record ${record} of ${node.size} bytes says it has ${count} entries`);
    return;
  }
  // A run's first page may sit in the slot after the count (LMDB reads it there too).
  const last = Math.min(count + 1, slots);
  let run = 0;
  for (let done = 0; done < last; done += FREE_LIST_CHUNK) {
    const n = Math.min(FREE_LIST_CHUNK, last - done);
    const chunk = read(8 + done * 8, n * 8);
    for (let i = 0; i < n; i++) {
      if (done + i === count && run === 0) return;
      const hi = chunk.readInt32LE(i * 8 + 4);
      const entry = hi * 0x1_0000_0000 + chunk.readUInt32LE(i * 8);
      if (run > 0) {
        onFreeRun(entry, run, record);
        run = 0;
      } else if (entry < 0) run = -entry;
      else if (entry > 0) onFreeRun(entry, 1, record);
    }
  }
  if (run > 0) ctx.problems.add('free-list', leafPgno, `${where}: free-list record ${record} ends inside a run of ${run} pages`);
}

function compareCounts(problems: ProblemList, which: string, db: LmdbDbRecord, counts: LmdbTreeCounts): void {
  const fields = [
    ['depth', 'md_depth'],
    ['entries', 'md_entries'],
    ['branchPages', 'md_branch_pages'],
    ['leafPages', 'md_leaf_pages'],
    ['overflowPages', 'md_overflow_pages'],
  ] as const;
  for (const [field, name] of fields) {
    if (counts[field] !== db[field]) problems.add('tree-stats', db.root ?? undefined, `${which} DB: the walk counted ${field === 'depth' ? 'a depth of ' : ''}${counts[field]}${field === 'depth' ? '' : ` ${field.replace('Pages', ' pages')}`}, its record says ${name}=${db[field]}`);
  }
}
