/**
 * A column of (index, value) points stored as chunks in one engine namespace, written once for
 * both index kinds. Writes are serialized per instrument in this process and guarded across
 * processes by the head record (a version checked and bumped in every write batch, so a writer
 * that raced another retries on fresh chunks); reads check the head before and after, so a read
 * never mixes chunks from before and after a write.
 */
import type { Engine, EngineEntry } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import { CHUNK_POINTS, decodeChunk, encodeChunk, readChunkHead, type ChunkHead } from './chunk.js';
import { CHUNK_PREFIX, lowerBound, type IndexOps } from './instrument-index.js';
import type { InstrumentType, InstrumentValues, InstrumentWriteReport } from './instrument-types.js';
import { concatValues, sliceValues, viewValues } from './instrument-values.js';

/** Engine key of the head record: version, points, chunks, bytes (4 × u64 LE). */
export const HEAD_KEY = Uint8Array.of(0x01);
const CHUNKS_START = Uint8Array.of(CHUNK_PREFIX);
const CHUNKS_END = Uint8Array.of(CHUNK_PREFIX + 1);
const MAX_RETRIES = 50;

/** Counters kept in the head record. */
export interface HeadCounts {
  readonly version: number;
  readonly points: number;
  readonly chunks: number;
  readonly bytes: number;
}

/** One bound of a range over index entries. */
export interface IndexBound<E> {
  readonly e: E;
  readonly inclusive: boolean;
}

/** A validated range over index entries. */
export interface IndexRange<E> {
  readonly lower?: IndexBound<E> | undefined;
  readonly upper?: IndexBound<E> | undefined;
  readonly reverse?: boolean;
  readonly limit?: number;
}

/** A stored chunk as met while scanning. */
export interface StoredChunk {
  readonly key: Uint8Array;
  readonly bytes: Uint8Array;
  readonly head: ChunkHead;
}

function headOf(bytes: Uint8Array | undefined): HeadCounts {
  if (bytes === undefined) return { version: 0, points: 0, chunks: 0, bytes: 0 };
  if (bytes.length !== 32) throw new KeeprError('INSTRUMENT_CORRUPT', 'instrument head record is not 32 bytes');
  const v = new DataView(bytes.buffer, bytes.byteOffset, 32);
  const n = (i: number): number => Number(v.getBigUint64(8 * i, true));
  return { version: n(0), points: n(1), chunks: n(2), bytes: n(3) };
}

function headBytes(h: HeadCounts): Uint8Array {
  const out = new Uint8Array(32);
  const v = new DataView(out.buffer);
  [h.version, h.points, h.chunks, h.bytes].forEach((x, i) => { v.setBigUint64(8 * i, BigInt(x), true); });
  return out;
}

/** The chunked storage of one instrument. */
export class ChunkedColumn<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array> {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly engine: Engine,
    readonly namespace: string,
    readonly name: string,
    readonly type: InstrumentType,
    readonly ops: IndexOps<A, E>,
  ) {}

  /** Runs `fn` after every earlier write of this instrument in this process. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The head counters now. */
  async counts(): Promise<HeadCounts> {
    return headOf(await this.engine.get(this.namespace, HEAD_KEY));
  }

  /** Reads a chunk's head, naming the instrument when it is damaged. */
  chunkHead(entry: EngineEntry, withSummary = true): StoredChunk {
    // A plain Uint8Array view: engines may hand out Buffers, whose every subarray costs more.
    const bytes = new Uint8Array(entry.value.buffer, entry.value.byteOffset, entry.value.length);
    try {
      return { key: entry.key, bytes, head: readChunkHead(bytes, this.ops.kind, withSummary) };
    } catch (err) {
      throw this.corrupt(entry.key, err);
    }
  }

  /** Decodes a stored chunk's columns. */
  columns(chunk: StoredChunk): { index: A; values: InstrumentValues } {
    try {
      return decodeChunk(this.type, this.ops.kind, chunk.bytes, chunk.head) as { index: A; values: InstrumentValues };
    } catch (err) {
      throw this.corrupt(chunk.key, err);
    }
  }

  private corrupt(key: Uint8Array, err: unknown): KeeprError {
    const message = err instanceof Error ? err.message : String(err);
    return new KeeprError('INSTRUMENT_CORRUPT', `instrument ${JSON.stringify(this.name)}: chunk ${Buffer.from(key).toString('hex')} does not decode (${message})`, {
      details: { instrument: this.name, chunk: Buffer.from(key).toString('hex') },
      cause: err,
    });
  }

  /** The chunk holding `e` (the last one starting at or before it), else the first chunk. */
  private async chunkFor(e: E): Promise<StoredChunk | undefined> {
    for await (const entry of this.engine.range(this.namespace, { gte: CHUNKS_START, lte: this.ops.chunkKey(e), reverse: true, limit: 1 })) return this.chunkHead(entry);
    for await (const entry of this.engine.range(this.namespace, { gte: CHUNKS_START, lt: CHUNKS_END, limit: 1 })) return this.chunkHead(entry);
    return undefined;
  }

  private async nextChunkStart(key: Uint8Array): Promise<E | undefined> {
    for await (const entry of this.engine.range(this.namespace, { gt: key, lt: CHUNKS_END, limit: 1 })) return this.ops.fromChunkKey(entry.key);
    return undefined;
  }

  /**
   * Writes sorted, unique points. Each touched chunk is decoded, merged and re-encoded; merged
   * runs longer than CHUNK_POINTS split into full chunks and a remainder. One atomic batch.
   */
  write(index: A, values: InstrumentValues): Promise<InstrumentWriteReport> {
    return this.serialize(() => this.retrying(() => this.writeOnce(index, values)));
  }

  private async retrying<T>(attempt: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_RETRIES; i++) {
      const result = await attempt();
      if (result !== undefined) return result;
    }
    throw new KeeprError('STORE_BUSY', `instrument ${JSON.stringify(this.name)}: ${MAX_RETRIES} writes in a row raced another process`, { details: { instrument: this.name } });
  }

  private async writeOnce(index: A, values: InstrumentValues): Promise<InstrumentWriteReport | undefined> {
    const ops = this.ops;
    const headRaw = await this.engine.get(this.namespace, HEAD_KEY);
    const head = headOf(headRaw);
    const batch = new WriteBatch(this, head);
    const n = index.length;
    let i = 0;
    while (i < n) {
      const chunk = await this.chunkFor(ops.at(index, i));
      if (chunk === undefined) {
        batch.emit(index, values, 0, n);
        break;
      }
      const next = await this.nextChunkStart(chunk.key);
      const j = next === undefined ? n : lowerBound(ops, index, next, false, i);
      const old = this.columns(chunk);
      const merged = mergeSorted(ops, this.type, old.index, old.values, ops.slice(index, i, j), sliceValues(values as never, i, j));
      batch.replace(chunk);
      // A chunk in the middle that overflows splits evenly; the last one fills full chunks (appends).
      batch.emit(merged.index, merged.values, 0, merged.index.length, next !== undefined);
      i = j;
    }
    return batch.commit(headRaw, n);
  }

  /** Deletes the points in a range; returns how many. */
  delete(range: IndexRange<E>): Promise<number> {
    return this.serialize(() => this.retrying(() => this.deleteOnce(range)));
  }

  private async deleteOnce(range: IndexRange<E>): Promise<number | undefined> {
    const headRaw = await this.engine.get(this.namespace, HEAD_KEY);
    const batch = new WriteBatch(this, headOf(headRaw));
    let deleted = 0;
    for await (const chunk of this.chunksOver(range)) {
      const { index, values } = this.columns(chunk);
      const [s, e] = this.span(index, range);
      if (s >= e) continue;
      deleted += e - s;
      batch.replace(chunk);
      const keep = index.length - (e - s);
      if (keep === 0) continue;
      const restIndex = this.ops.concat([this.ops.slice(index, 0, s), this.ops.slice(index, e, index.length)]);
      const restValues = concatValues(this.type, [sliceValues(values as never, 0, s), sliceValues(values as never, e, index.length)]);
      batch.emit(restIndex, restValues, 0, keep);
    }
    if (deleted === 0) return 0;
    return (await batch.commit(headRaw, deleted)) === undefined ? undefined : deleted;
  }

  /** Positions [start, end) of a chunk's index inside a range. */
  span(index: A, range: IndexRange<E>): [number, number] {
    const s = range.lower === undefined ? 0 : lowerBound(this.ops, index, range.lower.e, !range.lower.inclusive);
    const e = range.upper === undefined ? index.length : lowerBound(this.ops, index, range.upper.e, range.upper.inclusive);
    return [s, Math.max(s, e)];
  }

  /** Chunks that may hold points of the range, in index order (or reverse). */
  async *chunksOver(range: IndexRange<E>, reverse = false, withSummary = true): AsyncGenerator<StoredChunk> {
    let start: Uint8Array = CHUNKS_START;
    if (range.lower !== undefined) {
      const first = await this.chunkFor(range.lower.e);
      if (first !== undefined) start = first.key;
    }
    const upper = range.upper === undefined ? { lt: CHUNKS_END } : { lte: this.ops.chunkKey(range.upper.e) };
    for await (const entry of this.engine.range(this.namespace, { gte: start, ...upper, reverse })) yield this.chunkHead(entry, withSummary);
  }

  /**
   * Reads with the head checked before and after, retrying when a write landed in between, so
   * the answer is one committed state of the instrument.
   */
  async consistent<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const before = await this.engine.get(this.namespace, HEAD_KEY);
      const result = await read();
      const after = await this.engine.get(this.namespace, HEAD_KEY);
      if (before === undefined ? after === undefined : after !== undefined && equalBytes(before, after)) return result;
      if (attempt >= MAX_RETRIES) throw new KeeprError('STORE_BUSY', `instrument ${JSON.stringify(this.name)}: writes kept changing it during ${MAX_RETRIES} reads`);
    }
  }
}

/** The merge of a chunk's points with new ones (new ones win on equal entries). */
function mergeSorted<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array>(
  ops: IndexOps<A, E>,
  type: InstrumentType,
  aIndex: A,
  aValues: InstrumentValues,
  bIndex: A,
  bValues: InstrumentValues,
): { index: A; values: InstrumentValues } {
  const na = aIndex.length;
  const nb = bIndex.length;
  if (nb === 0) return { index: aIndex, values: aValues };
  // Appends after the chunk's last point: a plain concatenation.
  if (ops.compare(ops.at(bIndex, 0), ops.at(aIndex, na - 1)) > 0) {
    return { index: ops.concat([aIndex, bIndex]), values: concatValues(type, [aValues as never, bValues as never]) };
  }
  const pieces: [A, InstrumentValues][] = [];
  let i = 0;
  let j = 0;
  while (i < na || j < nb) {
    if (j >= nb) {
      pieces.push([ops.slice(aIndex, i, na), sliceValues(aValues as never, i, na)]);
      break;
    }
    if (i >= na) {
      pieces.push([ops.slice(bIndex, j, nb), sliceValues(bValues as never, j, nb)]);
      break;
    }
    // Take the run of old points before the next new one, then the run of new points before the next old one.
    const iEnd = lowerBound(ops, aIndex, ops.at(bIndex, j), false, i);
    if (iEnd > i) pieces.push([ops.slice(aIndex, i, iEnd), sliceValues(aValues as never, i, iEnd)]);
    i = iEnd;
    if (i >= na) continue;
    const jEnd = lowerBound(ops, bIndex, ops.at(aIndex, i), true, j);
    pieces.push([ops.slice(bIndex, j, jEnd), sliceValues(bValues as never, j, jEnd)]);
    // The old point equal to the last new one is replaced.
    if (ops.compare(ops.at(bIndex, jEnd - 1), ops.at(aIndex, i)) === 0) {
      i++;
    }
    j = jEnd;
  }
  return { index: ops.concat(pieces.map((p) => p[0])), values: concatValues(type, pieces.map((p) => p[1]) as never[]) };
}

/** The operations of one write, with the head counters they change. */
class WriteBatch<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array> {
  readonly #puts = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  readonly #deletes = new Map<string, Uint8Array>();
  #points = 0;
  #chunks = 0;
  #bytes = 0;
  #touched = 0;

  constructor(
    private readonly column: ChunkedColumn<A, E>,
    private readonly head: HeadCounts,
  ) {}

  /** An existing chunk is rewritten: its points, bytes and key leave the counts. */
  replace(chunk: StoredChunk): void {
    const id = Buffer.from(chunk.key).toString('hex');
    this.#deletes.set(id, chunk.key);
    this.#points -= chunk.head.count;
    this.#chunks -= 1;
    this.#bytes -= chunk.bytes.length;
  }

  /** Points [s, e) go into new chunks of at most CHUNK_POINTS: full ones and a remainder, or `even` sizes. */
  emit(index: A, values: InstrumentValues, s: number, e: number, even = false): void {
    const { ops, type } = this.column;
    const size = even ? Math.ceil((e - s) / Math.ceil((e - s) / CHUNK_POINTS)) : CHUNK_POINTS;
    for (let at = s; at < e; at += size) {
      const end = Math.min(e, at + size);
      const bytes = encodeChunk(type, ops.kind, ops.view(index, at, end), viewValues(values, at, end));
      const key = ops.chunkKey(ops.at(index, at));
      const id = Buffer.from(key).toString('hex');
      this.#deletes.delete(id);
      this.#puts.set(id, { key, value: bytes });
      this.#points += end - at;
      this.#chunks += 1;
      this.#bytes += bytes.length;
      this.#touched += 1;
    }
  }

  /** Commits with the head check; undefined when another process wrote first (retry). */
  async commit(headRaw: Uint8Array | undefined, points: number): Promise<InstrumentWriteReport | undefined> {
    const { engine, namespace } = this.column;
    const h = this.head;
    const next = headBytes({ version: h.version + 1, points: h.points + this.#points, chunks: h.chunks + this.#chunks, bytes: h.bytes + this.#bytes });
    const outcome = await engine.write(
      [
        { op: 'check', namespace, key: HEAD_KEY, test: (cur) => (headRaw === undefined ? cur === undefined : cur !== undefined && equalBytes(cur, headRaw)) },
        ...[...this.#deletes.values()].map((key) => ({ op: 'delete' as const, namespace, key })),
        ...[...this.#puts.values()].map(({ key, value }) => ({ op: 'put' as const, namespace, key, value })),
        { op: 'put', namespace, key: HEAD_KEY, value: next },
      ],
      { owned: true },
    );
    return outcome.committed ? { points, chunks: this.#touched } : undefined;
  }
}
