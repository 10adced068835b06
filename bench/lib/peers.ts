/**
 * Peers that live only in `bench/node_modules` (installed by `npm run bench:install`). They are
 * loaded by resolved path with a dynamic import, and typed by the narrow interfaces below, so
 * the root `tsc` passes whether or not they are installed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The peer packages and what the bench uses each for. */
export const PEER_PACKAGES = {
  'classic-level': 'LevelDB contender (W1 to W4)',
  'better-sqlite3': 'SQLite contender (W1 to W4)',
  autocannon: 'HTTP load generator (W6)',
  '@ethereumjs/mpt': 'Merkle Patricia Trie contender, on classic-level (W5)',
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

/**
 * The ESM entry of a peer whose package.json `exports` has an `import` condition (require.resolve
 * only sees the CommonJS one), or its resolved entry otherwise.
 */
function esmEntry(name: PeerPackage, file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    let pkg: { name?: unknown; exports?: unknown };
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; exports?: unknown };
    } catch {
      continue;
    }
    if (pkg.name !== name) continue;
    const root = typeof pkg.exports === 'object' && pkg.exports !== null ? (pkg.exports as Record<string, unknown>)['.'] : undefined;
    const imp = typeof root === 'object' && root !== null ? (root as Record<string, unknown>)['import'] : undefined;
    const target = typeof imp === 'string' ? imp : typeof imp === 'object' && imp !== null ? (imp as Record<string, unknown>)['default'] : undefined;
    return typeof target === 'string' ? join(dir, target) : file;
  }
  return file;
}

/** Imports a peer (its ESM namespace, or its CommonJS exports object), or throws saying how to install it. */
export async function importPeer(name: PeerPackage): Promise<unknown> {
  const file = resolvePeer(name);
  if (file === undefined) throw new Error(`${name} is not installed: run npm run bench:install`);
  const mod: unknown = await import(pathToFileURL(esmEntry(name, file)).href);
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
  del(key: string, options?: { readonly sync?: boolean }): Promise<void>;
  batch(ops: readonly ClassicLevelBatchOp[], options?: { readonly sync?: boolean }): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  getSync(key: string): Uint8Array | undefined;
  iterator(options?: { readonly gte?: string; readonly lt?: string; readonly limit?: number }): ClassicLevelIterator;
}

export type ClassicLevelBatchOp = { readonly type: 'put'; readonly key: string; readonly value: Uint8Array } | { readonly type: 'del'; readonly key: string };

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

/**
 * `@ethereumjs/util`'s `DB` as `@ethereumjs/mpt` 10 calls it: keys are unprefixed hex strings
 * (its CheckpointDB converts), values `Uint8Array` with `valueEncoding: 'view'`; `opts` carry
 * encodings the bench's wrapper does not need (its database is opened with fixed encodings).
 */
export interface MptDb {
  get(key: string, opts?: unknown): Promise<Uint8Array | string | undefined>;
  put(key: string, value: Uint8Array | string, opts?: unknown): Promise<void>;
  del(key: string, opts?: unknown): Promise<void>;
  batch(ops: readonly MptBatchOp[]): Promise<void>;
  shallowCopy(): MptDb;
  open(): Promise<void>;
}

export type MptBatchOp = { readonly type: 'put'; readonly key: string; readonly value: Uint8Array | string; readonly opts?: unknown } | { readonly type: 'del'; readonly key: string; readonly opts?: unknown };

/** The options of `createMPT` the bench sets (`MPTOpts`). */
export interface MptOptions {
  readonly db: MptDb;
  readonly root?: Uint8Array;
  readonly useKeyHashing: boolean;
  readonly valueEncoding: 'view';
  readonly useRootPersistence: boolean;
  readonly useNodePruning: boolean;
  readonly cacheSize: number;
}

/** `MerklePatriciaTrie`, as far as the bench uses it. */
export interface MptTrie {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | null>;
  /** The current root; with an argument, sets it (a root committed earlier: reads then see that version). */
  root(value?: Uint8Array): Uint8Array;
  checkpoint(): void;
  /** Commits the checkpoint; the outermost one flushes its writes to the DB in one `batch`. */
  commit(): Promise<void>;
}

/** The functions of `@ethereumjs/mpt` 10 the bench calls. */
export interface MptModule {
  createMPT(opts: MptOptions): Promise<MptTrie>;
  /** EIP-1186 proof: the serialized nodes from the root to the key. */
  createMerkleProof(trie: MptTrie, key: Uint8Array): Promise<Uint8Array[]>;
  /** The proven value (null: proven absent); throws on an invalid proof. */
  verifyMerkleProof(key: Uint8Array, proof: Uint8Array[], opts: { readonly root: Uint8Array; readonly useKeyHashing: boolean }): Promise<Uint8Array | null>;
}

/** Loads `@ethereumjs/mpt`. */
export async function loadMpt(): Promise<MptModule> {
  const mod = (await importPeer('@ethereumjs/mpt')) as Partial<MptModule>;
  const found = typeof mod.createMPT === 'function' ? mod : (defaultExport(mod) as Partial<MptModule>);
  if (typeof found.createMPT !== 'function' || typeof found.createMerkleProof !== 'function' || typeof found.verifyMerkleProof !== 'function') {
    throw new Error('@ethereumjs/mpt has no createMPT / createMerkleProof / verifyMerkleProof exports');
  }
  return found as MptModule;
}

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
