/**
 * Peers that live only in `bench/node_modules` (installed by `npm run bench:install`). They are
 * loaded by resolved path with a dynamic import, and typed by the narrow interfaces below, so
 * the root `tsc` passes whether or not they are installed.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The peer packages and what the bench uses each for. */
export const PEER_PACKAGES = {
  'classic-level': 'LevelDB contender (W1 to W4)',
  'better-sqlite3': 'SQLite contender (W1 to W4)',
  autocannon: 'HTTP load generator (W6)',
} as const;

export type PeerPackage = keyof typeof PEER_PACKAGES;

/**
 * The bench directory: this file's parent, or `KEEPR_BENCH_DIR` when the driver runs the bench
 * compiled to JavaScript elsewhere.
 */
export const BENCH_DIR = process.env['KEEPR_BENCH_DIR'] ?? fileURLToPath(new URL('..', import.meta.url));

const requireFromBench = createRequire(join(BENCH_DIR, 'package.json'));

/** The resolved entry file of a peer, or undefined when it is not installed. */
export function resolvePeer(name: PeerPackage): string | undefined {
  try {
    return requireFromBench.resolve(name);
  } catch {
    return undefined;
  }
}

/** The file of a peer package's own path (e.g. `autocannon/autocannon.js`), or undefined. */
export function resolvePeerFile(specifier: string): string | undefined {
  try {
    return requireFromBench.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** The peers that are missing. */
export function missingPeers(): PeerPackage[] {
  return (Object.keys(PEER_PACKAGES) as PeerPackage[]).filter((name) => resolvePeer(name) === undefined);
}

/** Imports a peer (its CommonJS exports object or ESM namespace), or throws saying how to install it. */
export async function importPeer(name: PeerPackage): Promise<unknown> {
  const file = resolvePeer(name);
  if (file === undefined) throw new Error(`${name} is not installed: run npm run bench:install`);
  const mod: unknown = await import(pathToFileURL(file).href);
  return mod;
}

/** `mod.default` when the module has one (CommonJS through ESM), else `mod`. */
export function defaultExport(mod: unknown): unknown {
  if (typeof mod === 'object' && mod !== null && 'default' in mod) return mod.default;
  return mod;
}

/** classic-level's `ClassicLevel`, as far as the bench uses it. */
export interface ClassicLevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  put(key: string, value: Uint8Array, options?: { readonly sync?: boolean }): Promise<void>;
  batch(ops: readonly { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }[], options?: { readonly sync?: boolean }): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  getSync(key: string): Uint8Array | undefined;
  iterator(options?: { readonly gte?: string; readonly lt?: string; readonly limit?: number }): ClassicLevelIterator;
}

export interface ClassicLevelIterator {
  nextv(size: number): Promise<[string, Uint8Array][]>;
  close(): Promise<void>;
}

export type ClassicLevelClass = new (location: string, options: { readonly keyEncoding: 'utf8'; readonly valueEncoding: 'view' }) => ClassicLevelDb;

/** better-sqlite3's `Database`, as far as the bench uses it. */
export interface SqliteDb {
  pragma(source: string, options?: { readonly simple?: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): SqliteStatement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  iterate(...params: unknown[]): IterableIterator<unknown>;
  pluck(toggle?: boolean): SqliteStatement;
  raw(toggle?: boolean): SqliteStatement;
}

export type SqliteClass = new (file: string) => SqliteDb;

/** Loads `ClassicLevel`. */
export async function loadClassicLevel(): Promise<ClassicLevelClass> {
  const mod = await importPeer('classic-level');
  const ctor = (mod as { ClassicLevel?: unknown }).ClassicLevel ?? (defaultExport(mod) as { ClassicLevel?: unknown }).ClassicLevel;
  if (typeof ctor !== 'function') throw new Error('classic-level has no ClassicLevel export');
  return ctor as ClassicLevelClass;
}

/** Loads better-sqlite3's `Database`. */
export async function loadSqlite(): Promise<SqliteClass> {
  const ctor = defaultExport(await importPeer('better-sqlite3'));
  if (typeof ctor !== 'function') throw new Error('better-sqlite3 has no default export');
  return ctor as SqliteClass;
}
