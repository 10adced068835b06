import { describe } from 'vitest';
import { LevelEngine, type LevelEngineOptions } from '../../src/engine/level/index.js';
import { runEngineConformance } from '../../src/testing/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

// The default write path (synced group commit) and the write cache.
const VARIANTS: readonly [string, LevelEngineOptions][] = [
  ['level', {}],
  ['level write-cache', { durability: 'write-cache' }],
];
for (const [name, options] of VARIANTS) {
  runEngineConformance({
    name,
    factory: () => new LevelEngine({ path: makeTmpDir('keepr-level-'), ...options }),
    reopen: (closed) => {
      if (!(closed instanceof LevelEngine)) throw new Error('reopen expects a LevelEngine');
      return new LevelEngine(closed.config);
    },
  });
}

describe.todo('LevelEngine specifics');
