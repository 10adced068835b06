/**
 * `keepr/testing`: the engine conformance suite, for engines written outside keepr. It runs
 * under Vitest (and uses fast-check); both are optional peer dependencies of keepr:
 *
 *   import { runEngineConformance } from 'keepr/testing';
 *   runEngineConformance({ name: 'mine', factory: () => new MyEngine(tmpDir()), reopen: (e) => new MyEngine(e.path) });
 */
export { runEngineConformance, type ConformanceOptions, type ConformanceSkip, type EngineFactory } from './conformance/index.js';
