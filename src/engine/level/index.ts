/** The LevelDB engine (classic-level): the `keepr/level` entry. */
import { resolve } from 'node:path';
import { LevelEngine } from './level-engine.js';
import type { LevelEngineConfig } from './level-engine-config.js';

export { LevelEngine } from './level-engine.js';
export type { LevelDurability, LevelEngineConfig } from './level-engine-config.js';
export { levelFiles } from './level-files.js';

/** Options of {@link levelEngine}: the LevelDB engine's options but its directory. */
export type LevelEngineOptions = Omit<LevelEngineConfig, 'path'>;

/** A LevelDB engine over directory `path` (created when missing), for `open({ engine })`. */
export function levelEngine(path: string, options: LevelEngineOptions = {}): LevelEngine {
  return new LevelEngine({ ...options, path: resolve(path) });
}
