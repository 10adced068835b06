/** LMDB engines for a test file: opened on demand, closed after each test. */
import { afterEach } from 'vitest';
import { LmdbEngine, type LmdbEngineConfig } from '../../src/engine/lmdb/index.js';

/**
 * Registers an `afterEach` that closes every engine opened through the returned function (call
 * it at the top of a `describe`). Closing an engine a test closed already is harmless.
 */
export function lmdbEngines(): (config: LmdbEngineConfig) => Promise<LmdbEngine> {
  const engines: LmdbEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });
  return async (config) => {
    const engine = new LmdbEngine(config);
    engines.push(engine);
    await engine.open();
    return engine;
  };
}
