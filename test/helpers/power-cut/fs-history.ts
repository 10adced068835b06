/**
 * The file-system history of a trace: every file's content as 4 KiB page versions and sizes,
 * every sync and what it covers, and the namespace operations in order. Built once per trace;
 * cut-state.ts then picks, for a cut point, which versions a power cut left on disk.
 */
import { dirname } from 'node:path';
import { KIND, OPEN_FLAGS, type TraceRecord } from './trace.js';

/** Page size of the model (the page cache's and LMDB's). */
export const PAGE = 4096;

/** A page after one write: its bytes (null when all zero), at trace index `index`. */
export interface PageVersion {
  readonly index: number;
  readonly data: Buffer | null;
  /** Written by a synchronous write: durable as soon as it completed. */
  readonly dsync: boolean;
}

/** A file size after one change. */
export interface SizeVersion {
  readonly index: number;
  readonly size: number;
  readonly dsync: boolean;
}

/** A completed sync: every change to its target with an index below `covers` is durable. */
export interface SyncPoint {
  readonly index: number;
  readonly covers: number;
}

/** A regular file (an inode: it keeps its identity across renames). */
export interface FileNode {
  readonly type: 'file';
  readonly id: number;
  /** Content before the trace (durable). */
  readonly initial: Buffer;
  readonly pages: Map<number, PageVersion[]>;
  readonly sizes: SizeVersion[];
  readonly syncs: SyncPoint[];
}

/** A directory or a symbolic link. */
export type OtherNode = { readonly type: 'dir'; readonly id: number } | { readonly type: 'symlink'; readonly id: number; readonly target: string };

/** Any inode. */
export type FsNode = FileNode | OtherNode;

/** A namespace change, in trace order. `dirs`: the directories whose fsync makes it durable. */
export interface NsOp {
  readonly index: number;
  readonly type: 'create' | 'mkdir' | 'symlink' | 'rename' | 'exchange' | 'unlink' | 'rmdir' | 'link';
  readonly path: string;
  readonly path2: string;
  readonly node: number;
  readonly dirs: readonly string[];
}

/** A directory fsync. */
export interface DirSync extends SyncPoint {
  readonly dir: string;
}

/** A file or directory present before the trace started (all durable). */
export type InitialEntry = { readonly path: string; readonly type: 'file'; readonly content: Buffer } | { readonly path: string; readonly type: 'dir' } | { readonly path: string; readonly type: 'symlink'; readonly target: string };

/** Everything cut-state.ts needs. */
export interface FsHistory {
  readonly nodes: readonly FsNode[];
  /** Names before the trace (path relative to the root, '' is the root) -> node id. */
  readonly initialNames: ReadonlyMap<string, number>;
  readonly nsOps: readonly NsOp[];
  readonly dirSyncs: readonly DirSync[];
  /** sync() and syncfs(): they cover every file and every namespace change. */
  readonly globalSyncs: readonly SyncPoint[];
  readonly recordCount: number;
}

const FALLOC_KEEP_SIZE = 1;
const FALLOC_PUNCH_HOLE = 2;
const FALLOC_ZERO_RANGE = 0x10;
const RENAME_EXCHANGE = 2;
const ZERO_PAGE = Buffer.alloc(PAGE);

/** Live content of a file while the history is built. */
interface Live {
  buf: Buffer;
  size: number;
}

/** Applies a rename to a name map: the entry and, for a directory, everything under it. */
export function renameIn(names: Map<string, number>, from: string, to: string, exchange: boolean): void {
  const moved: [string, number][] = [];
  for (const [path, id] of names) {
    if (path === from || path.startsWith(from + '/')) moved.push([to + path.slice(from.length), id]);
  }
  const swapped: [string, number][] = [];
  for (const [path, id] of names) {
    if (path === to || path.startsWith(to + '/')) {
      if (exchange) swapped.push([from + path.slice(to.length), id]);
      names.delete(path);
    }
  }
  for (const [path] of moved) names.delete(from + path.slice(to.length));
  for (const [path, id] of [...moved, ...swapped]) names.set(path, id);
}

/** Applies one namespace operation to a name map (used to build and to replay a prefix). */
export function applyNsOp(names: Map<string, number>, op: NsOp): void {
  switch (op.type) {
    case 'create':
    case 'mkdir':
    case 'symlink':
      names.set(op.path, op.node);
      break;
    case 'link':
      names.set(op.path2, op.node);
      break;
    case 'rename':
    case 'exchange':
      renameIn(names, op.path, op.path2, op.type === 'exchange');
      break;
    case 'unlink':
    case 'rmdir':
      names.delete(op.path);
      break;
  }
}

/** Builds the history of `records`, starting from `initial`; paths for which `ignore` is true are left out. */
export function buildHistory(records: readonly TraceRecord[], initial: readonly InitialEntry[], ignore: (path: string) => boolean): FsHistory {
  const nodes: FsNode[] = [];
  const live = new Map<number, Live>();
  const names = new Map<string, number>();
  const nsOps: NsOp[] = [];
  const dirSyncs: DirSync[] = [];
  const globalSyncs: SyncPoint[] = [];

  const newFile = (content: Buffer): FileNode => {
    const node: FileNode = { type: 'file', id: nodes.length, initial: content, pages: new Map(), sizes: [], syncs: [] };
    nodes.push(node);
    const buf = Buffer.alloc(Math.max(PAGE, Math.ceil(content.length / PAGE) * PAGE));
    content.copy(buf);
    live.set(node.id, { buf, size: content.length });
    return node;
  };
  const newOther = (node: OtherNode): OtherNode => {
    nodes.push(node);
    return node;
  };
  if (!initial.some((e) => e.path === '')) names.set('', newOther({ type: 'dir', id: nodes.length }).id);
  for (const entry of initial) {
    const node = entry.type === 'file' ? newFile(entry.content) : newOther(entry.type === 'dir' ? { type: 'dir', id: nodes.length } : { type: 'symlink', id: nodes.length, target: entry.target });
    names.set(entry.path, node.id);
  }
  const initialNames = new Map(names);

  const fileAt = (r: TraceRecord): FileNode => {
    const id = names.get(r.path);
    const node = id === undefined ? undefined : nodes[id];
    if (node?.type !== 'file') throw new Error(`power-cut model: record ${r.index} changes ${r.path}, which is not a known file`);
    return node;
  };
  const pushPage = (node: FileNode, l: Live, page: number, index: number, dsync: boolean): void => {
    const slice = l.buf.subarray(page * PAGE, (page + 1) * PAGE);
    const data = slice.equals(ZERO_PAGE) ? null : Buffer.from(slice);
    let versions = node.pages.get(page);
    if (versions === undefined) node.pages.set(page, (versions = []));
    versions.push({ index, data, dsync });
  };
  const grow = (l: Live, end: number): void => {
    if (end <= l.buf.length) return;
    const buf = Buffer.alloc(Math.max(Math.ceil(end / PAGE) * PAGE, l.buf.length * 2));
    l.buf.copy(buf);
    l.buf = buf;
  };
  const setSize = (node: FileNode, l: Live, size: number, index: number, dsync: boolean): void => {
    if (size === l.size) return;
    if (size < l.size) {
      // Shrinking: the bytes past the new end read as zeros if the file grows again.
      l.buf.fill(0, size, l.size);
      const first = Math.floor(size / PAGE);
      for (let p = first; p < Math.ceil(l.size / PAGE); p++) if (p > first || size % PAGE !== 0) pushPage(node, l, p, index, dsync);
    }
    l.size = size;
    node.sizes.push({ index, size, dsync });
  };
  const zeroRange = (node: FileNode, l: Live, from: number, to: number, index: number): void => {
    const end = Math.min(to, l.size);
    if (end <= from) return;
    l.buf.fill(0, from, end);
    for (let p = Math.floor(from / PAGE); p * PAGE < end; p++) pushPage(node, l, p, index, false);
  };
  const ns = (r: TraceRecord, type: NsOp['type'], node: number, path2 = ''): void => {
    const dirs = [dirname(r.path) === '.' ? '' : dirname(r.path)];
    if (path2 !== '') dirs.push(dirname(path2) === '.' ? '' : dirname(path2));
    const op: NsOp = { index: r.index, type, path: r.path, path2, node, dirs };
    nsOps.push(op);
    applyNsOp(names, op);
  };

  for (const r of records) {
    if (r.kind === KIND.marker || r.kind === KIND.syncRange) continue;
    if (r.kind === KIND.syncAll) {
      globalSyncs.push({ index: r.index, covers: r.covers });
      continue;
    }
    if (r.kind === KIND.unsupported) throw new Error(`power-cut model: ${r.data.toString()} on ${r.path} (record ${r.index}) is not modelled`);
    if (r.path.startsWith('/') || r.path2.startsWith('/')) throw new Error(`power-cut model: record ${r.index} moves a file across the traced root`);
    if (ignore(r.path) || (r.path2 !== '' && ignore(r.path2))) continue;
    switch (r.kind) {
      case KIND.open: {
        if ((r.aux & OPEN_FLAGS.create) !== 0 && !names.has(r.path)) ns(r, 'create', newFile(Buffer.alloc(0)).id);
        if ((r.aux & OPEN_FLAGS.truncate) !== 0) {
          const node = fileAt(r);
          setSize(node, live.get(node.id)!, 0, r.index, false);
        }
        break;
      }
      case KIND.write: {
        const node = fileAt(r);
        const l = live.get(node.id)!;
        const end = r.offset + r.data.length;
        grow(l, end);
        r.data.copy(l.buf, r.offset);
        for (let p = Math.floor(r.offset / PAGE); p * PAGE < end; p++) pushPage(node, l, p, r.index, r.dsync);
        if (end > l.size) setSize(node, l, end, r.index, r.dsync);
        break;
      }
      case KIND.truncate: {
        const node = fileAt(r);
        const l = live.get(node.id)!;
        grow(l, r.length);
        setSize(node, l, r.length, r.index, false);
        break;
      }
      case KIND.fallocate: {
        const node = fileAt(r);
        const l = live.get(node.id)!;
        if ((r.aux & ~(FALLOC_KEEP_SIZE | FALLOC_PUNCH_HOLE | FALLOC_ZERO_RANGE)) !== 0) throw new Error(`power-cut model: fallocate mode ${r.aux} is not modelled`);
        if ((r.aux & (FALLOC_PUNCH_HOLE | FALLOC_ZERO_RANGE)) !== 0) zeroRange(node, l, r.offset, r.offset + r.length, r.index);
        if ((r.aux & FALLOC_KEEP_SIZE) === 0 && r.offset + r.length > l.size) {
          grow(l, r.offset + r.length);
          setSize(node, l, r.offset + r.length, r.index, false);
        }
        break;
      }
      case KIND.fsync:
      case KIND.fdatasync: {
        const id = names.get(r.path);
        const node = id === undefined ? undefined : nodes[id];
        if (node?.type === 'file') node.syncs.push({ index: r.index, covers: r.covers });
        else if (node?.type === 'dir') dirSyncs.push({ index: r.index, covers: r.covers, dir: r.path });
        break;
      }
      case KIND.rename:
        ns(r, r.aux & RENAME_EXCHANGE ? 'exchange' : 'rename', names.get(r.path) ?? -1, r.path2);
        break;
      case KIND.unlink:
      case KIND.rmdir:
        ns(r, r.kind === KIND.unlink ? 'unlink' : 'rmdir', names.get(r.path) ?? -1);
        break;
      case KIND.mkdir:
        ns(r, 'mkdir', newOther({ type: 'dir', id: nodes.length }).id);
        break;
      case KIND.link:
        ns(r, 'link', names.get(r.path) ?? -1, r.path2);
        break;
      case KIND.symlink:
        ns(r, 'symlink', newOther({ type: 'symlink', id: nodes.length, target: r.data.toString() }).id);
        break;
    }
  }
  return { nodes, initialNames, nsOps, dirSyncs, globalSyncs, recordCount: records.length };
}
