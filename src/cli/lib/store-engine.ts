/**
 * The engines the CLI opens stores on, in one table: `--engine` (or `KEEPR_ENGINE`) picks an
 * entry, and every command opens its store through {@link openStore}. Engines whose stores are
 * files in a directory ship an {@link EngineFiles} (backup, restore, compact, salvage and the
 * structural check of verify use only that); PostgreSQL has no files, so those commands refuse
 * it by name. Adding an engine is one entry in {@link ENGINES} (and its name in
 * {@link ENGINE_NAMES}).
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EngineFiles } from '../../engine/engine-files.js';
import type { Engine } from '../../engine/engine.js';
import { levelEngine, levelFiles } from '../../engine/level/index.js';
import { lmdbEngine, lmdbFiles } from '../../engine/lmdb/index.js';
import { KeeprError } from '../../errors.js';
import { open, type Store } from '../../store/index.js';

/** The names `--engine` accepts. */
export const ENGINE_NAMES = ['lmdb', 'level', 'postgres'] as const;

/** An engine name of {@link ENGINE_NAMES}. */
export type EngineName = (typeof ENGINE_NAMES)[number];

/** The engine used when neither `--engine` nor `KEEPR_ENGINE` names one. */
export const DEFAULT_ENGINE: EngineName = 'lmdb';

/** The PostgreSQL schema used when neither `--schema` nor `KEEPR_PG_SCHEMA` names one. */
export const DEFAULT_PG_SCHEMA = 'keepr';

/** Where a store is: a directory of a file engine, or a PostgreSQL database and schema. */
export type StoreLocation =
  | { readonly engine: Exclude<EngineName, 'postgres'>; readonly dir: string }
  | { readonly engine: 'postgres'; readonly url: string; readonly schema: string };

/** When writes are acknowledged, as `keepr serve --durability` says it (transient is handled by serve). */
export type StoreDurability = 'sync' | 'write-cache';

/** One engine of the table. */
interface EngineEntry {
  /** The store's files, for the commands that work on files; undefined when there are none. */
  readonly files: EngineFiles | undefined;
  /** What to use instead of the file commands when {@link files} is undefined. */
  readonly instead?: string;
  /** The engine over the store at `location`, not yet open. */
  create(location: StoreLocation, durability: StoreDurability): Promise<Engine>;
  /** True when a store exists at `location` (so read-only commands never create one by a typo). */
  exists(location: StoreLocation): Promise<boolean>;
}

/**
 * True when `path` certainly does not exist (ENOENT). Any other answer (a path under a regular
 * file, a directory without permission) is left to the open, which names the cause.
 */
function fileMissing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function dirOf(location: StoreLocation): string {
  if (location.engine === 'postgres') throw new KeeprError('INTERNAL', 'a postgres location has no directory');
  return location.dir;
}

function pgOf(location: StoreLocation): { url: string; schema: string } {
  if (location.engine !== 'postgres') throw new KeeprError('INTERNAL', `an ${location.engine} location has no connection string`);
  return location;
}

const ENGINES: Record<EngineName, EngineEntry> = {
  lmdb: {
    files: lmdbFiles,
    create: (location, durability) => Promise.resolve(lmdbEngine(dirOf(location), { durability })),
    exists: (location) => Promise.resolve(!fileMissing(join(dirOf(location), lmdbFiles.dataFile))),
  },
  level: {
    files: levelFiles,
    create: (location, durability) => Promise.resolve(levelEngine(dirOf(location), { durability })),
    exists: (location) => Promise.resolve(!fileMissing(join(dirOf(location), levelFiles.dataFile))),
  },
  postgres: {
    files: undefined,
    instead: 'keepr copy (to or from a directory store) or pg_dump / pg_restore',
    // Loaded on use: commands on a directory store never load pg.
    create: async (location, durability) => {
      const { postgresEngine } = await import('../../engine/postgres/index.js');
      const { url, schema } = pgOf(location);
      return postgresEngine(url, { schema, durability });
    },
    exists: async (location) => {
      const { postgresStoreExists } = await import('../../engine/postgres/index.js');
      const { url, schema } = pgOf(location);
      return postgresStoreExists(url, { schema });
    },
  },
};

/** The engine options every store command takes (global options of the program). */
export interface EngineOptions {
  /** `--engine`, default {@link DEFAULT_ENGINE}. */
  readonly engine?: string;
  /** `--url`: the PostgreSQL connection string. */
  readonly url?: string;
  /** `--schema`: the PostgreSQL schema, default {@link DEFAULT_PG_SCHEMA}. */
  readonly schema?: string;
}

/** Checks an engine name (`OPTION_INVALID` naming the choices). */
export function engineName(name: string): EngineName {
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) {
    throw new KeeprError('OPTION_INVALID', `unknown engine ${JSON.stringify(name)}: --engine (or KEEPR_ENGINE) must be one of ${ENGINE_NAMES.join(', ')}`, { details: { option: 'engine', engines: [...ENGINE_NAMES] } });
  }
  return name as EngineName;
}

/** The store the options name: `--dir` for a file engine, `--url` and `--schema` for postgres. */
export function storeLocation(dir: string, options: EngineOptions): StoreLocation {
  const engine = engineName(options.engine ?? DEFAULT_ENGINE);
  if (engine !== 'postgres') return { engine, dir };
  if (options.url === undefined || options.url === '') {
    throw new KeeprError('OPTION_INVALID', '--engine postgres needs a connection string: give --url postgres://user@host:port/database or set KEEPR_PG_URL', { details: { option: 'url' } });
  }
  return { engine, url: options.url, schema: options.schema ?? DEFAULT_PG_SCHEMA };
}

/**
 * A store named on the command line (`keepr copy --from/--to`): a `postgres://` or
 * `postgresql://` connection string with the schema as its fragment (`#name`, default
 * `keepr`), `<engine>:<dir>` for a directory engine (`lmdb:./data`), or a plain directory (LMDB).
 */
export function parseStoreSpec(spec: string, option: string): StoreLocation {
  if (spec === '') throw new KeeprError('ARGUMENT_INVALID', `${option} is empty: give a directory or a postgres:// URL`, { details: { option } });
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const hash = spec.indexOf('#');
    const schema = hash < 0 ? DEFAULT_PG_SCHEMA : spec.slice(hash + 1);
    return { engine: 'postgres', url: hash < 0 ? spec : spec.slice(0, hash), schema };
  }
  const prefixed = /^([a-z]+):(.*)$/s.exec(spec);
  const engine = prefixed?.[1];
  if (engine === 'postgres') throw new KeeprError('ARGUMENT_INVALID', `${option} ${JSON.stringify(spec)}: a PostgreSQL store is named by its URL, postgres://user@host:port/database#schema`, { details: { option } });
  if (prefixed !== null && engine !== undefined && engine !== 'postgres' && (ENGINE_NAMES as readonly string[]).includes(engine)) {
    const dir = prefixed[2] ?? '';
    if (dir === '') throw new KeeprError('ARGUMENT_INVALID', `${option} ${JSON.stringify(spec)} names no directory after ${engine}:`, { details: { option } });
    return { engine: engine as Exclude<EngineName, 'postgres'>, dir };
  }
  return { engine: 'lmdb', dir: spec };
}

/** A connection string without its password, for messages and reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/** The store for people: its directory, or `<url without password>#<schema>`. */
export function describeLocation(location: StoreLocation): string {
  return location.engine === 'postgres' ? `${redactUrl(location.url)}#${location.schema}` : location.dir;
}

/** True when two locations are the same store (the same directory, or the same database and schema). */
export function sameLocation(a: StoreLocation, b: StoreLocation): boolean {
  if (a.engine !== b.engine) return false;
  if (a.engine === 'postgres' || b.engine === 'postgres') return describeLocation(a) === describeLocation(b);
  return resolve(a.dir) === resolve(b.dir);
}

/** True when a store exists at `location`. */
export function storeExists(location: StoreLocation): Promise<boolean> {
  return ENGINES[location.engine].exists(location);
}

/** Opens (creating if needed) the store at `location`. */
export async function openStore(location: StoreLocation, durability: StoreDurability = 'sync'): Promise<Store> {
  return open({ engine: await ENGINES[location.engine].create(location, durability) });
}

/** The files of the store's engine, or undefined when it keeps none (postgres). */
export function filesOf(location: StoreLocation): EngineFiles | undefined {
  return ENGINES[location.engine].files;
}

/**
 * The files of the store's engine, for the commands that work on files (`what` names the
 * command); `ENGINE_NOT_SUPPORTED` naming the alternative when the engine keeps no files.
 */
export function storeFilesFor(location: StoreLocation, what: string): EngineFiles {
  const entry = ENGINES[location.engine];
  if (entry.files !== undefined) return entry.files;
  throw new KeeprError('ENGINE_NOT_SUPPORTED', `keepr ${what} works on a store's files, and the ${location.engine} engine keeps none: use ${entry.instead ?? 'another command'}`, {
    details: { engine: location.engine, operation: what },
  });
}

/** The files of the default engine's stores (LMDB). */
export const storeFiles: EngineFiles = lmdbFiles;
