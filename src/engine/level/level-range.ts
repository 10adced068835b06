/**
 * Range reads over a LevelDB iterator: entries come in batches (`nextv`), growing from a small
 * first batch (ranges that stop early read little) to {@link MAX_BATCH}.
 */
import type { Iterator as ClassicIterator, Snapshot } from 'classic-level';
import type { EngineEntry, NormalizedRange } from '../engine-types.js';
import type { LevelDb } from './level-commit.js';
import { plain, rangeBounds } from './level-keys.js';
import { levelFailure } from './level-owner.js';

const FIRST_BATCH = 64;
const MAX_BATCH = 1024;

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
  #batch: [Uint8Array, Uint8Array][] = [];
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
        this.#iterator = this.#source.db.iterator<Uint8Array, Uint8Array>({ ...rangeBounds(prefix, this.#range), snapshot: this.#source.snapshot, keyEncoding: 'view', valueEncoding: 'view' });
      }
      let batch: [Uint8Array, Uint8Array][];
      try {
        batch = await this.#iterator.nextv(this.#size);
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
      return this.#take();
    } catch (err) {
      return this.#fail(err);
    }
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
    // Closing after the database closed is harmless; its error says nothing new.
    await iterator?.close().catch(() => undefined);
  }
}
