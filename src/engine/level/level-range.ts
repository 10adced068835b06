/**
 * Range reads over a LevelDB iterator: entries come in batches (`nextv`), growing from a small
 * first batch (ranges that stop early read little) to {@link MAX_BATCH}. From the second batch
 * on, the next batch is read (on libuv's thread pool) while the caller consumes the current one.
 */
import type { Iterator as ClassicIterator, Snapshot } from 'classic-level';
import type { EngineEntry, NormalizedRange } from '../engine-types.js';
import type { LevelDb } from './level-commit.js';
import { plain, rangeBounds } from './level-keys.js';
import { levelFailure } from './level-owner.js';

const FIRST_BATCH = 64;
const MAX_BATCH = 1024;
// classic-level stops a batch once it holds this many bytes (its default, 16 KiB, is 16 values
// of 1 KiB: a thread-pool round trip per 16 entries).
const BATCH_BYTES = 2 * 1024 * 1024;

type Batch = [Uint8Array, Uint8Array][];

type LevelIterator = ClassicIterator<LevelDb, Uint8Array, Uint8Array>;

/** Where a range reads from: the database, a snapshot of it, and the checks before each step. */
export interface RangeSource {
  readonly db: LevelDb;
  readonly snapshot: Snapshot | undefined;
  /** Throws `STORE_CLOSED` / `SNAPSHOT_CLOSED` when reads are no longer allowed. */
  readonly guard: () => void;
  /** The key prefix of the namespace; throws `NAMESPACE_NOT_FOUND`. */
  readonly prefix: () => Uint8Array;
}

/** The entries of a range, read on demand: nothing happens before the first step. */
export function levelRange(source: RangeSource, range: NormalizedRange): AsyncIterable<EngineEntry> {
  return {
    [Symbol.asyncIterator]: () => new LevelRangeIterator(source, range),
  };
}

class LevelRangeIterator implements AsyncIterator<EngineEntry, undefined> {
  readonly #source: RangeSource;
  readonly #range: NormalizedRange;
  #iterator: LevelIterator | undefined;
  #prefixLength = 0;
  #batch: Batch = [];
  // The next batch, already asked for.
  #ahead: Promise<Batch> | undefined;
  #batches = 0;
  #pos = 0;
  #size = FIRST_BATCH;
  #ended = false;
  // A step waiting for its batch; a step asked for meanwhile waits behind it.
  #pending: Promise<IteratorResult<EngineEntry, undefined>> | undefined;

  constructor(source: RangeSource, range: NormalizedRange) {
    this.#source = source;
    this.#range = range;
  }

  next(): Promise<IteratorResult<EngineEntry, undefined>> {
    if (this.#pending !== undefined) return this.#pending.then(() => this.next());
    try {
      this.#source.guard();
    } catch (err) {
      return this.#fail(err);
    }
    if (this.#pos < this.#batch.length) return Promise.resolve(this.#take());
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    const pending = this.#fill().finally(() => {
      this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }

  async return(): Promise<IteratorResult<EngineEntry, undefined>> {
    await this.#close();
    return { done: true, value: undefined };
  }

  #take(): IteratorResult<EngineEntry, undefined> {
    const [key, value] = this.#batch[this.#pos++]!;
    return { done: false, value: { key: plain(key, this.#prefixLength), value: plain(value) } };
  }

  async #fill(): Promise<IteratorResult<EngineEntry, undefined>> {
    try {
      if (this.#iterator === undefined) {
        const prefix = this.#source.prefix();
        if (this.#range.limit === 0) {
          this.#ended = true;
          return { done: true, value: undefined };
        }
        this.#prefixLength = prefix.length;
        this.#iterator = this.#source.db.iterator<Uint8Array, Uint8Array>({
          ...rangeBounds(prefix, this.#range),
          snapshot: this.#source.snapshot,
          keyEncoding: 'view',
          valueEncoding: 'view',
          highWaterMarkBytes: BATCH_BYTES,
        });
      }
      let batch: Batch;
      try {
        const ahead = this.#ahead;
        this.#ahead = undefined;
        batch = await (ahead ?? this.#iterator.nextv(this.#size));
      } catch (err) {
        // Closed underneath (engine or snapshot closed while reading): say so the usual way.
        this.#source.guard();
        throw levelFailure(err, 'range read');
      }
      this.#source.guard();
      this.#size = Math.min(this.#size * 4, MAX_BATCH);
      this.#batch = batch;
      this.#pos = 0;
      if (batch.length === 0) {
        this.#ended = true;
        await this.#close();
        return { done: true, value: undefined };
      }
      // The first batch alone for a range that may stop early; after that, read ahead.
      if (++this.#batches > 1) this.#readAhead();
      return this.#take();
    } catch (err) {
      return this.#fail(err);
    }
  }

  #readAhead(): void {
    const ahead = this.#iterator!.nextv(this.#size);
    // Awaited by the next #fill; until then a failure must not count as unhandled.
    ahead.catch(() => undefined);
    this.#ahead = ahead;
  }

  async #fail(err: unknown): Promise<never> {
    await this.#close();
    throw err;
  }

  async #close(): Promise<void> {
    this.#ended = true;
    this.#batch = [];
    const iterator = this.#iterator;
    this.#iterator = undefined;
    // A read ahead in flight must settle before the iterator closes under it.
    await this.#ahead?.catch(() => undefined);
    this.#ahead = undefined;
    // Closing after the database closed is harmless; its error says nothing new.
    await iterator?.close().catch(() => undefined);
  }
}
