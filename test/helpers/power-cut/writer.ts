/**
 * Traced child of the power-cut harness: opens a store with keepr's public API and runs its
 * writer's plan (single puts and deletes, `source.batch()` and `source.write(ops)` batches,
 * overwrites, new sources). After each acknowledged op it appends `ack <writer> <n>` to the
 * marker file, so the trace places every ack among the file-system calls.
 * Usage: node --import tsx writer.ts '<WriterConfig as JSON>'
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { openStore, type StoreOptions as OpenOptions } from '../open-store.js';
import { planSequence } from './writer-plan.js';

/** What a writer child is told to do. */
export interface WriterConfig {
  readonly dir: string;
  readonly markers: string;
  readonly writer: number;
  readonly seed: number;
  /** Stop after this many ops, or after `durationMs`, whichever comes first. */
  readonly ops: number;
  readonly durationMs: number;
  readonly options: OpenOptions;
  /**
   * False (usual): yield to the event loop after each op, as a server between requests does.
   * True: await op after op without ever reaching the timers phase.
   */
  readonly tightLoop: boolean;
}

const config = JSON.parse(process.argv[2] ?? '') as WriterConfig;
const marker = openSync(config.markers, 'a');
const note = (line: string): void => {
  writeSync(marker, `${line}\n`);
};

const store = await openStore(config.dir, config.options);
const started = Date.now();
for (const op of planSequence(config.seed, config.writer)) {
  if (op.n >= config.ops || Date.now() - started > config.durationMs) break;
  const source = await store.source(op.changes[0]!.source);
  if (op.api === 'put' || op.api === 'delete') {
    const [change] = op.changes;
    if (change!.block === undefined) await source.delete(change!.key);
    else await source.put(change!.key, change!.block);
  } else if (op.api === 'batch') {
    const batch = source.batch();
    for (const c of op.changes) {
      if (c.block === undefined) batch.delete(c.key);
      else batch.put(c.key, c.block);
    }
    await batch.write();
  } else {
    await source.write(op.changes.map((c) => (c.block === undefined ? { op: 'delete' as const, key: c.key } : { op: 'put' as const, key: c.key, block: c.block })));
  }
  note(`ack ${config.writer} ${op.n}`);
  if (!config.tightLoop) await new Promise<void>((resolve) => setImmediate(resolve));
}
await store.close();
note(`closed ${config.writer}`);
closeSync(marker);
