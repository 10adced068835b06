/** The in-memory engine (nothing on disk, `transient` durability): the `keepr/memory` entry. */
import { MemoryEngine } from './memory-engine.js';
import type { MemoryEngineConfig } from './memory-engine-config.js';

export { MemoryEngine } from './memory-engine.js';
export type { MemoryEngineConfig } from './memory-engine-config.js';

/** An in-memory engine, for `open({ engine: memoryEngine() })`. */
export function memoryEngine(options: MemoryEngineConfig = {}): MemoryEngine {
  return new MemoryEngine(options);
}
