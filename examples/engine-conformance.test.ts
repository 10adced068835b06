// ./examples/engine-conformance.test.ts — keepr's engine conformance suite on an engine, under Vitest
import { memoryEngine } from 'keepr/memory';
import { runEngineConformance } from 'keepr/testing';

// An engine written elsewhere passes its own factory; every test opens a fresh engine.
runEngineConformance({ name: 'memory', factory: () => memoryEngine() });
