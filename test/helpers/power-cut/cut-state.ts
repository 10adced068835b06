/**
 * Power-cut states: what the disk may hold if the power failed right after trace record k-1.
 *
 * - A file's changes that a completed fsync/fdatasync of that file covered (they completed
 *   before the sync started), and synchronous writes, are kept.
 * - Every other 4 KiB page touched since then independently holds its last durable version,
 *   its latest version before the cut, or any version in between; the file size likewise
 *   (an uncovered extension or truncation may be lost; lost pages inside the size read as the
 *   older bytes or zeros).
 * - Namespace changes (create, rename, unlink, mkdir...) are kept as a prefix, ext4-like
 *   (ordered metadata journal): at least up to the last one that a completed fsync of its
 *   directory covered, at most all of them.
 */
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../mulberry32.js';
import { PAGE, applyNsOp, type FileNode, type FsHistory, type PageVersion, type SizeVersion } from './fs-history.js';

/** How a state is drawn: everything kept (like SIGKILL), only what was synced, or a mix. */
export type CutStrategy = 'kill' | 'strict' | 'mixed';

/** A cut point and the choices of one power-cut state. */
export interface CutState {
  /** Records 0..cut-1 happened. */
  readonly cut: number;
  readonly strategy: CutStrategy;
  readonly seed: number;
}

/** What a materialized state looked like (for reports). */
export interface CutSummary {
  /** Pages that ended older than their latest version. */
  readonly pagesDropped: number;
  /** Pages that could have been dropped (written but not covered by a sync). */
  readonly pagesUncovered: number;
  /** Namespace operations lost / not covered by a directory sync. */
  readonly nsDropped: number;
  readonly nsUncovered: number;
  /** Files whose size ended below their latest size. */
  readonly sizesDropped: number;
}

/** Number of items with `index < cut` in a list sorted by index. */
function countBefore(list: readonly { readonly index: number }[], cut: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.index < cut) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Highest `covers` among the syncs of a file (and global syncs) completed before the cut. */
function coveredBy(history: FsHistory, node: FileNode, cut: number): number {
  let covers = 0;
  for (const s of node.syncs) if (s.index < cut) covers = Math.max(covers, s.covers);
  for (const s of history.globalSyncs) if (s.index < cut) covers = Math.max(covers, s.covers);
  return covers;
}

/** Position of the last durable version (-1: the content before the trace) among the first `n`. */
function floorOf(versions: readonly (PageVersion | SizeVersion)[], n: number, covers: number): number {
  let floor = countBefore(versions, covers) - 1;
  for (let i = n - 1; i > floor; i--) {
    if (versions[i]!.dsync) {
      floor = i;
      break;
    }
  }
  return floor;
}

/** Namespace operations a completed directory sync (or global sync) made durable: a prefix length. */
export function coveredNsOps(history: FsHistory, cut: number): number {
  let covered = 0;
  const { nsOps } = history;
  for (const s of history.dirSyncs) {
    if (s.index >= cut) continue;
    for (let j = countBefore(nsOps, s.covers) - 1; j >= covered; j--) {
      if (nsOps[j]!.dirs.includes(s.dir)) {
        covered = j + 1;
        break;
      }
    }
  }
  for (const s of history.globalSyncs) if (s.index < cut) covered = Math.max(covered, countBefore(nsOps, s.covers));
  return covered;
}

/** Picks a version position in [floor, latest] for the strategy. */
function pick(random: () => number, strategy: CutStrategy, keepLatest: number, floor: number, latest: number): number {
  if (strategy === 'kill' || floor >= latest) return latest;
  if (strategy === 'strict') return floor;
  const r = random();
  if (r < 0.15) return floor + 1 + Math.floor(random() * (latest - floor)); // intermediate (or latest)
  return random() < keepLatest ? latest : floor;
}

/** Content of a file in a cut state. */
function fileContent(history: FsHistory, node: FileNode, state: CutState, random: () => number, keepLatest: number, tally: { pagesDropped: number; pagesUncovered: number; sizesDropped: number }): Buffer {
  const covers = coveredBy(history, node, state.cut);
  const nSizes = countBefore(node.sizes, state.cut);
  const sizeFloor = floorOf(node.sizes, nSizes, covers);
  const sizeAt = pick(random, state.strategy, keepLatest, sizeFloor, nSizes - 1);
  const size = sizeAt < 0 ? node.initial.length : node.sizes[sizeAt]!.size;
  const latestSize = nSizes === 0 ? node.initial.length : node.sizes[nSizes - 1]!.size;
  if (size < latestSize) tally.sizesDropped++;
  const out = Buffer.alloc(size);
  node.initial.copy(out, 0, 0, Math.min(size, node.initial.length));
  for (const [page, versions] of node.pages) {
    const n = countBefore(versions, state.cut);
    if (n === 0) continue;
    const floor = floorOf(versions, n, covers);
    const at = pick(random, state.strategy, keepLatest, floor, n - 1);
    if (floor < n - 1) tally.pagesUncovered++;
    if (at < n - 1) tally.pagesDropped++;
    const start = page * PAGE;
    if (start >= size) continue;
    const data = at < 0 ? node.initial.subarray(start, start + PAGE) : versions[at]!.data;
    const end = Math.min(size, start + PAGE);
    out.fill(0, start, end);
    if (data !== null) data.copy(out, start, 0, Math.min(data.length, end - start));
  }
  return out;
}

/** Writes the state's files under `dir` (which must not exist yet); returns what was dropped. */
export function materialize(history: FsHistory, state: CutState, dir: string): CutSummary {
  const random = mulberry32(state.seed);
  const keepLatest = 0.05 + random() * 0.9;
  const nsCount = countBefore(history.nsOps, state.cut);
  const nsFloor = coveredNsOps(history, state.cut);
  const nsKept = state.strategy === 'kill' ? nsCount : state.strategy === 'strict' ? nsFloor : nsFloor + Math.floor(random() * (nsCount - nsFloor + 1));
  const names = new Map(history.initialNames);
  for (let j = 0; j < nsKept; j++) applyNsOp(names, history.nsOps[j]!);
  const tally = { pagesDropped: 0, pagesUncovered: 0, sizesDropped: 0 };
  const written = new Map<number, string>();
  // Parents before children: sorted paths put "a" before "a/b".
  for (const path of [...names.keys()].sort()) {
    const node = history.nodes[names.get(path)!]!;
    const target = path === '' ? dir : join(dir, path);
    if (node.type === 'dir') mkdirSync(target, { recursive: true });
    else if (node.type === 'symlink') symlinkSync(node.target, target);
    else if (written.has(node.id)) linkSync(written.get(node.id)!, target);
    else {
      writeFileSync(target, fileContent(history, node, state, random, keepLatest, tally));
      written.set(node.id, target);
    }
  }
  return { ...tally, nsDropped: nsCount - nsKept, nsUncovered: nsCount - nsFloor };
}

/** Draws `count` cut states over a trace of `records` records (deterministic per seed). */
export function drawStates(records: number, count: number, seed: number): CutState[] {
  const random = mulberry32(seed ^ 0x9e3779b9);
  const states: CutState[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    const strategy: CutStrategy = r < 0.1 ? 'kill' : r < 0.25 ? 'strict' : 'mixed';
    // The very end (everything closed) once; otherwise anywhere in the trace.
    const cut = i === 0 ? records : 1 + Math.floor(random() * records);
    states.push({ cut, strategy, seed: (seed * 1000003 + i * 7919) >>> 0 });
  }
  return states;
}
