/**
 * `keepr load-www`: walks a folder of web files and uploads them into a source as file blocks
 * whose `url` attribute is `'/' + key`, so the server can publish them at those URLs.
 */
import type { Dirent } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { Block } from '../../block/index.js';
import { KeeprError } from '../../errors.js';
import { LIST_MAX_LIMIT, assertKey, assertName, keyId, type SourceOp } from '../../keepr/index.js';
import { type Store } from '../../store/index.js';
import { DEFAULT_WEB_SOURCE } from '../../server/options.js';
import { webMime } from '../../util/mime.js';

/** The source `load-www` fills unless told otherwise: the one the server publishes by default. */
export { DEFAULT_WEB_SOURCE } from '../../server/options.js';

/** A file found by {@link walkWebFolder}. */
export interface WebFile {
  /** The block key: the path relative to the folder, with `/` separators. */
  readonly key: string;
  /** Where to read it. */
  readonly path: string;
  /** Its size in bytes. */
  readonly byteLength: number;
}

/** What {@link walkWebFolder} found. */
export interface WebWalk {
  /** Files in key order. */
  readonly files: readonly WebFile[];
  /** Relative paths left out: hidden entries, broken links, sockets and the like. */
  readonly skipped: readonly string[];
}

/** Options of {@link walkWebFolder}. */
export interface WalkOptions {
  /** Include files and folders whose name starts with a dot (default false). */
  readonly hidden?: boolean;
}

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Lists the files under `root`, following symbolic links that stay inside it. A link that
 * resolves outside the folder is `PATH_OUTSIDE_ROOT` (nothing is uploaded then); a file name that
 * is not a valid block key is `NAME_INVALID`.
 */
export async function walkWebFolder(root: string, options: WalkOptions = {}): Promise<WebWalk> {
  let rootReal: string;
  try {
    rootReal = await realpath(root);
    if (!(await stat(rootReal)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new KeeprError('ARGUMENT_INVALID', `${root} is not a readable folder`, { cause: err, details: { path: root } });
  }
  const files: WebFile[] = [];
  const skipped: string[] = [];
  // Real paths of folders walked so far: a link back to an ancestor must not loop forever.
  const visited = new Set<string>([rootReal]);

  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.name.startsWith('.') && options.hidden !== true) {
        skipped.push(rel);
        continue;
      }
      const full = join(dir, entry.name);
      let real = full;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          real = await realpath(full);
        } catch {
          skipped.push(rel);
          continue;
        }
        if (!inside(rootReal, real)) {
          throw new KeeprError('PATH_OUTSIDE_ROOT', `${rel} is a symbolic link to ${real}, outside ${rootReal}`, { details: { path: rel, target: real } });
        }
        const target = await stat(real);
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        const realDir = real === full ? await realpath(full) : real;
        if (visited.has(realDir)) {
          skipped.push(rel);
          continue;
        }
        visited.add(realDir);
        await walk(full, rel);
      } else if (isFile) {
        assertKey(rel);
        files.push({ key: rel, path: full, byteLength: (await stat(real)).size });
      } else {
        skipped.push(rel);
      }
    }
  };
  await walk(rootReal, '');
  // Keys sort by their UTF-8 bytes, like the store lists them.
  files.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  return { files, skipped };
}

/** The file block `load-www` stores for a file. */
export function webBlock(key: string, content: Uint8Array): Block {
  return Block.file(content, webMime(key), { url: `/${key}`, filename: basename(key) });
}

/** Options of {@link loadWebFolder}. */
export interface LoadWebOptions extends WalkOptions {
  /** Target source (default `www`). */
  readonly source?: string;
  /** Also delete blocks of the source that the folder no longer has. */
  readonly prune?: boolean;
  /** Most file bytes per transaction (default 16 MiB; a larger file goes alone). */
  readonly batchBytes?: number;
  /** Called once the walk is done, with the number of files and their total size in bytes. */
  readonly onStart?: (files: number, byteLength: number) => void;
  /** Called after each committed batch with the running counts. */
  readonly onProgress?: (files: number, byteLength: number) => void;
}

/** What {@link loadWebFolder} did. */
export interface LoadWebReport {
  readonly source: string;
  readonly files: number;
  /** Bytes of file content uploaded. */
  readonly byteLength: number;
  readonly skipped: readonly string[];
  /** Keys deleted by `prune`. */
  readonly pruned: number;
}

/**
 * Uploads a folder into a source: every file becomes a file block under its relative path,
 * with the MIME type from its extension, `url` = `'/' + key` and `filename`. The folder is walked
 * completely before anything is written, so a refused link writes nothing. Files go in batches
 * of one transaction each.
 */
export async function loadWebFolder(store: Store, root: string, options: LoadWebOptions = {}): Promise<LoadWebReport> {
  const name = options.source ?? DEFAULT_WEB_SOURCE;
  assertName(name, 'source');
  const maxBytes = options.batchBytes ?? 16 * 1024 * 1024;
  const { files, skipped } = await walkWebFolder(root, options);
  const total = files.reduce((sum, f) => sum + f.byteLength, 0);
  options.onStart?.(files.length, total);
  const source = await store.source(name);
  let ops: SourceOp[] = [];
  let opBytes = 0;
  let done = 0;
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (ops.length === 0) return;
    await source.write(ops);
    done += ops.filter((op) => op.op === 'put').length;
    bytes += opBytes;
    ops = [];
    opBytes = 0;
    options.onProgress?.(done, bytes);
  };
  for (const file of files) {
    const content = await readFile(file.path);
    if (opBytes + content.length > maxBytes) await flush();
    ops.push({ op: 'put', key: file.key, block: webBlock(file.key, content) });
    opBytes += content.length;
  }
  let pruned = 0;
  if (options.prune === true) {
    const keep = new Set(files.map((f) => f.key));
    let cursor: string | undefined;
    do {
      // As bytes: a key that is not UTF-8 is no file of the folder either, and goes too.
      const page = await source.list({ limit: LIST_MAX_LIMIT, keyEncoding: 'binary', ...(cursor === undefined ? {} : { cursor }) });
      for (const item of page.items) {
        if (keep.has(keyId(item.key))) continue;
        ops.push({ op: 'delete', key: item.key });
        pruned++;
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  await flush();
  return { source: name, files: done, byteLength: bytes, skipped, pruned };
}
