/** The in-memory engine. */
export { MemoryEngine } from './memory-engine.js';
export type { MemoryEngineConfig } from './memory-engine-config.js';
