/**
 * `open()`: the one door to a store. `open(dir)` is the embedded default (the LMDB engine in
 * `dir`), loaded on first use so that a store on any other engine never loads LMDB;
 * `open({ engine })` takes any engine, e.g. `memoryEngine()` from `keepr/memory`.
 */
import { Engine } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { blockCacheFor, type BlockStoreOptions } from '../keepr/index.js';
import { isObject } from '../util/guards.js';
import { Store } from './store.js';

/** Options of `open(dir, options)`: the default LMDB engine in `dir`. */
export interface OpenOptions extends BlockStoreOptions {
  /** `sync` (default) or `write-cache`; every other LMDB option is an option of `lmdbEngine()` (`keepr/lmdb`). */
  readonly durability?: 'sync' | 'write-cache';
}

/** Options of `open({ engine })`: any engine. */
export interface OpenEngineOptions extends BlockStoreOptions {
  /** The engine, not yet opened: `lmdbEngine(dir, …)`, `memoryEngine()`, or an outside one. */
  readonly engine: Engine;
}

const PATH_OPTIONS = new Set(['durability', 'cache']);
const ENGINE_OPTIONS = new Set(['engine', 'cache']);

function invalid(option: string, message: string): KeeprError {
  return new KeeprError('OPTION_INVALID', message, { details: { option } });
}

function checkKeys(options: object, known: ReadonlySet<string>, hint: string): void {
  for (const key of Object.keys(options)) if (!known.has(key)) throw invalid(key, `unknown option ${JSON.stringify(key)}${hint}`);
}

async function defaultEngine(path: string, options: OpenOptions): Promise<Engine> {
  checkKeys(options, PATH_OPTIONS, ' (engine options belong to the engine: open({ engine: lmdbEngine(dir, options) }))');
  const durability: unknown = options.durability ?? 'sync';
  if (durability === 'transient') throw invalid('durability', 'a transient store keeps nothing on disk: open({ engine: memoryEngine() }) from keepr/memory');
  if (durability !== 'sync' && durability !== 'write-cache') throw invalid('durability', 'durability must be sync or write-cache');
  const { lmdbEngine } = await import('../engine/lmdb/index.js');
  return lmdbEngine(path, { durability });
}

/**
 * Opens (creating if needed) a store: `open(dir)` on the LMDB engine in directory `dir` (other
 * processes may open it at the same time), or `open({ engine })` on any engine.
 */
export async function open(path: string, options?: OpenOptions): Promise<Store>;
export async function open(options: OpenEngineOptions): Promise<Store>;
export async function open(target: string | OpenEngineOptions, options: OpenOptions = {}): Promise<Store> {
  let engine: Engine;
  let blockOptions: BlockStoreOptions;
  if (typeof target === 'string') {
    if (target.length === 0) throw invalid('path', 'the store directory path is empty');
    if (!isObject(options)) throw new KeeprError('OPTION_INVALID', 'options must be an object');
    engine = await defaultEngine(target, options);
    blockOptions = options;
  } else {
    if (!isObject(target)) throw invalid('path', 'open() takes a directory path or { engine }');
    checkKeys(target, ENGINE_OPTIONS, '');
    const given: unknown = target.engine;
    if (!(given instanceof Engine)) throw invalid('engine', 'engine must be an Engine, e.g. lmdbEngine(dir) or memoryEngine()');
    engine = given;
    blockOptions = target;
  }
  const cache = blockCacheFor(engine, blockOptions);
  await engine.open();
  return new Store(engine, cache);
}
