/**
 * The console ships with the package (dist/console/, built from web/console/) and lives in the
 * store as file blocks of source {@link CONSOLE_SOURCE}, key `console/<file>` with URL attribute
 * `/console/<file>`, which the server publishes under {@link CONSOLE_PATH}. Installing compares
 * each file with the block already there and writes only what changed, in one transaction, so
 * starting the server twice writes nothing and a new package version upgrades the console whole.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import { LIST_MAX_LIMIT, keyId, type SourceOp } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { webMime } from '../util/mime.js';
import { KEEPR_VERSION } from '../util/package-version.js';

/** The source that holds the console's files. */
export const CONSOLE_SOURCE = 'keepr.console';

/** The URL path the console is served under. */
export const CONSOLE_PATH = '/console/';

/** Key prefix of the console's files in {@link CONSOLE_SOURCE} (their URL is `/` + key). */
const KEY_PREFIX = 'console/';

/** Where the built console is: dist/console/ of this package (src/server and dist/server alike). */
export const CONSOLE_FILES = fileURLToPath(new URL('../../dist/console/', import.meta.url));

/** What {@link installConsole} did. */
export interface ConsoleInstallReport {
  /** The keepr version whose console is now in the store. */
  readonly version: string;
  /** Files of the console. */
  readonly files: number;
  /** Blocks written (new or changed files); 0 when the store had this console already. */
  readonly written: number;
  /** Blocks deleted (files an older console had). */
  readonly deleted: number;
}

/** The file block of one console file. */
function consoleBlock(name: string, content: Uint8Array): Block {
  return Block.file(content, webMime(name), { url: `/${KEY_PREFIX}${name}`, filename: name });
}

/**
 * Loads the console of this keepr version into `store` (or from `from`, a built console
 * folder): new and changed files are written, files it no longer has are deleted, all in one
 * transaction. Throws `CONSOLE_NOT_BUILT` when the folder has no index.html.
 */
export async function installConsole(store: Store, from: string = CONSOLE_FILES): Promise<ConsoleInstallReport> {
  let names: string[];
  try {
    names = (await readdir(from, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (err) {
    throw new KeeprError('CONSOLE_NOT_BUILT', `the console is not built: ${from} cannot be read (run npm run build)`, { cause: err, details: { path: from } });
  }
  if (!names.includes('index.html')) throw new KeeprError('CONSOLE_NOT_BUILT', `the console is not built: ${from} has no index.html (run npm run build)`, { details: { path: from } });
  names.sort();
  const source = await store.source(CONSOLE_SOURCE);
  const ops: SourceOp[] = [];
  const wanted = new Set<string>();
  for (const name of names) {
    const key = `${KEY_PREFIX}${name}`;
    wanted.add(key);
    const block = consoleBlock(name, await readFile(join(from, name)));
    const existing = await source.get(key);
    if (existing?.hashHex !== block.hashHex) ops.push({ op: 'put', key, block });
  }
  const written = ops.length;
  let cursor: string | undefined;
  do {
    // As bytes: a key that is not UTF-8 is no console file either, and goes too.
    const page = await source.list({ limit: LIST_MAX_LIMIT, keyEncoding: 'binary', ...(cursor === undefined ? {} : { cursor }) });
    for (const item of page.items) if (!wanted.has(keyId(item.key))) ops.push({ op: 'delete', key: item.key });
    cursor = page.cursor;
  } while (cursor !== undefined);
  if (ops.length > 0) await source.write(ops);
  return { version: KEEPR_VERSION, files: names.length, written, deleted: ops.length - written };
}
