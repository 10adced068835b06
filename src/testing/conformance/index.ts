/**
 * The engine conformance suite. Every engine runs it unchanged:
 *
 *   runEngineConformance({ name: 'lmdb', factory: () => lmdbEngine(makeTmpDir()), reopen });
 */
import { afterEach, describe } from 'vitest';
import { batchTests } from './batches.js';
import { ConformanceContext, type ConformanceOptions } from './context.js';
import { keyValueTests } from './keys-values.js';
import { lifecycleTests } from './lifecycle.js';
import { namespaceTests } from './namespaces.js';
import { rangeModelTests } from './range-model.js';
import { rangeTests } from './ranges.js';
import { snapshotTests } from './snapshots.js';
import { statsTests } from './stats.js';

export type { ConformanceOptions, ConformanceSkip, EngineFactory } from './context.js';

/** Registers the whole conformance suite for one engine. */
export function runEngineConformance(options: ConformanceOptions): void {
  describe(`engine conformance: ${options.name}`, () => {
    const ctx = new ConformanceContext(options);
    afterEach(() => ctx.closeAll());
    describe('lifecycle', () => {
      lifecycleTests(ctx);
    });
    describe('namespaces', () => {
      namespaceTests(ctx);
    });
    describe('keys and values', () => {
      keyValueTests(ctx);
    });
    describe('ranges', () => {
      rangeTests(ctx);
      rangeModelTests(ctx);
    });
    describe('atomic batches', () => {
      batchTests(ctx);
    });
    describe('snapshots', () => {
      snapshotTests(ctx);
    });
    describe('stats and backup', () => {
      statsTests(ctx);
    });
    ctx.checkSkips();
  });
}
