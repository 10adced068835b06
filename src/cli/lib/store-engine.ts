/**
 * The engine behind the stores the CLI works on: LMDB stores in a directory. Commands reach the
 * store's files only through this {@link EngineFiles}, so the CLI never reads an engine's files
 * itself and another engine plugs in here.
 */
import type { EngineFiles } from '../../engine/engine-files.js';
import { lmdbFiles } from '../../engine/lmdb/index.js';

/** The files of the CLI's stores. */
export const storeFiles: EngineFiles = lmdbFiles;
