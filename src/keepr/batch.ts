/**
 * The batch pipeline of a source, embedded or remote: it only collects operations and hands
 * them to the commit function its source supplies, so both sides share one class. Imports no
 * engine, so the client may load it.
 */
import type { Block } from '../block/block.js';
import type { Key } from './keys.js';
import type { DeleteOptions, PutOptions, SourceOp } from './source-types.js';

/** A batch pipeline on one source: queue puts and deletes, then `write()` them in one transaction. */
export class Batch {
  readonly #commit: (ops: readonly SourceOp[]) => Promise<boolean[]>;
  readonly #ops: SourceOp[] = [];

  /** @internal Created by `source.batch()`, with the source's `write`. */
  constructor(commit: (ops: readonly SourceOp[]) => Promise<boolean[]>) {
    this.#commit = commit;
  }

  /** Number of queued operations. */
  get length(): number {
    return this.#ops.length;
  }

  /** Queues a put. */
  put(key: Key, block: Block, options: PutOptions = {}): this {
    this.#ops.push({ op: 'put', key, block, ...options });
    return this;
  }

  /** Queues a delete. */
  delete(key: Key, options: DeleteOptions = {}): this {
    this.#ops.push({ op: 'delete', key, ...options });
    return this;
  }

  /** Writes the queued operations in one transaction, all or nothing (see `Source.write`). */
  async write(): Promise<boolean[]> {
    return this.#commit([...this.#ops]);
  }
}

/**
 * `put`, `delete` and `batch()` over one `write(ops)`: the embedded and the remote source extend
 * it, so the three mean the same on both sides.
 */
export abstract class SourceWriter {
  /** Writes all operations in one transaction: all land or none does; one boolean per op. */
  abstract write(ops: readonly SourceOp[]): Promise<boolean[]>;

  /** Stores a block; write modes and `ifHash` make it conditional (`WRITE_*` errors). */
  async put(key: Key, block: Block, options: PutOptions = {}): Promise<void> {
    await this.write([{ op: 'put', key, block, ...options }]);
  }

  /** Removes a block; true when one was there. */
  async delete(key: Key, options: DeleteOptions = {}): Promise<boolean> {
    const [existed] = await this.write([{ op: 'delete', key, ...options }]);
    return existed ?? false;
  }

  /** Starts a batch pipeline: queue puts and deletes, then `write()` them in one transaction. */
  batch(): Batch {
    return new Batch((ops) => this.write(ops));
  }
}
