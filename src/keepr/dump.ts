/**
 * Dumping a store to the portable dump format and loading it back (see dump-format.ts). A dump
 * reads one consistent snapshot, so it can run while other processes write to the store; a
 * load writes in batches, each one transaction.
 */
import { Block } from '../block/block.js';
import { KeeprError, isKeeprError } from '../errors.js';
import { decodeDump, encodeDump, type DumpRecord, type DumpSummary } from './dump-format.js';
import type { SourceOp } from './source.js';
import type { Store } from './store.js';

export { DUMP_MAGIC, DUMP_VERSION, decodeDump, encodeDump, type DumpRecord, type DumpSummary } from './dump-format.js';

/** Engine namespace of a source (the store keeps source `name` in namespace `src:name`). */
const sourceNamespace = (name: string): string => `src:${name}`;

/** Options of {@link storeRecords} and {@link dumpStore}. */
export interface DumpOptions {
  /** Only these sources (each must exist); default all. */
  readonly sources?: readonly string[];
  /** Called after each block with the running count. */
  readonly onBlock?: (blocks: number) => void;
}

/** Options of {@link loadRecords} and {@link loadDump}. */
export interface LoadOptions {
  /** Most blocks in one transaction (default 1,000). */
  readonly batchBlocks?: number;
  /** Most block bytes in one transaction (default 16 MiB); a larger block goes alone. */
  readonly batchBytes?: number;
  /** Called after each committed batch with the running totals. */
  readonly onBatch?: (done: DumpSummary) => void;
}

/** Default batch limits of a load. */
export const LOAD_BATCH_BLOCKS = 1000;
export const LOAD_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * The records of a store, read from one snapshot: every source in name order (empty ones too),
 * each followed by its blocks in key order. Blocks are passed on as stored, without re-hashing.
 */
export async function* storeRecords(store: Store, options: DumpOptions = {}): AsyncGenerator<DumpRecord> {
  const engine = store.engine;
  const wanted = options.sources;
  if (wanted !== undefined) for (const name of wanted) await store.source(name, { create: false });
  // Names are listed outside the snapshot: take the union of a listing before and after it,
  // and skip names the snapshot does not have (created after it).
  const before = await store.sources();
  const snapshot = await engine.snapshot();
  let blocks = 0;
  try {
    const names = wanted === undefined ? [...new Set([...before, ...(await store.sources())])] : [...new Set(wanted)];
    // Source names are ASCII, so code-unit order is their byte order.
    names.sort();
    for (const name of names) {
      const entries = snapshot.range(sourceNamespace(name))[Symbol.asyncIterator]();
      let step: IteratorResult<{ key: Uint8Array; value: Uint8Array }>;
      try {
        step = await entries.next();
      } catch (err) {
        if (!isKeeprError(err, 'NAMESPACE_NOT_FOUND')) throw err;
        if (wanted !== undefined) throw new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(name)} does not exist`, { details: { source: name } });
        continue;
      }
      yield { kind: 'source', name };
      try {
        for (; step.done !== true; step = await entries.next()) {
          const { key: rawKey, value } = step.value;
          const key = Buffer.from(rawKey.buffer, rawKey.byteOffset, rawKey.length).toString('utf8');
          yield { kind: 'block', key, block: stored(name, key, value) };
          options.onBlock?.(++blocks);
        }
      } finally {
        await entries.return?.();
      }
    }
  } finally {
    await snapshot.close();
  }
}

/** Wraps stored bytes as a block; bytes that are not even a block are `STORE_CORRUPT`. */
function stored(source: string, key: string, bytes: Uint8Array): Block {
  try {
    return Block.fromTrusted(bytes);
  } catch (err) {
    throw corrupt(source, key, err);
  }
}

function corrupt(source: string, key: string, cause: unknown): KeeprError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new KeeprError('STORE_CORRUPT', `block ${JSON.stringify(key)} of source ${JSON.stringify(source)} is corrupt: ${reason}`, { cause, details: { source, key, reason } });
}

/** The store as a dump stream (chunks to write to a file or a pipe). */
export function dumpStore(store: Store, options: DumpOptions = {}): AsyncGenerator<Uint8Array> {
  return encodeDump(storeRecords(store, options));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new KeeprError('ARGUMENT_INVALID', `${name} must be a positive integer`);
  return value;
}

/**
 * Writes records into a store: each source is created, its blocks are put (replacing blocks
 * under the same keys; other blocks stay) in batches of one transaction each. Records are
 * trusted: pass them from {@link decodeDump} (which validates) or {@link storeRecords}.
 */
export async function loadRecords(store: Store, records: AsyncIterable<DumpRecord> | Iterable<DumpRecord>, options: LoadOptions = {}): Promise<DumpSummary> {
  const maxBlocks = positive(options.batchBlocks, LOAD_BATCH_BLOCKS, 'batchBlocks');
  const maxBytes = positive(options.batchBytes, LOAD_BATCH_BYTES, 'batchBytes');
  let sources = 0;
  let blocks = 0;
  let blockBytes = 0;
  let pending: SourceOp[] = [];
  let pendingBytes = 0;
  let target: Awaited<ReturnType<Store['source']>> | undefined;
  const flush = async (): Promise<void> => {
    if (pending.length === 0 || target === undefined) return;
    await target.write(pending);
    blocks += pending.length;
    blockBytes += pendingBytes;
    pending = [];
    pendingBytes = 0;
    options.onBatch?.({ sources, blocks, blockBytes });
  };
  for await (const record of records) {
    if (record.kind === 'source') {
      await flush();
      target = await store.source(record.name);
      sources++;
      continue;
    }
    if (target === undefined) throw new KeeprError('DUMP_MALFORMED', 'a block comes before any source', { details: { reason: 'a block comes before any source' } });
    if (pendingBytes + record.block.byteLength > maxBytes) await flush();
    pending.push({ op: 'put', key: record.key, block: record.block });
    pendingBytes += record.block.byteLength;
    // Write a full batch at once, so damage further on never holds back a complete batch.
    if (pending.length >= maxBlocks || pendingBytes >= maxBytes) await flush();
  }
  await flush();
  return { sources, blocks, blockBytes };
}

/**
 * Loads a dump stream into a store. Every record is checked before its batch is written; a
 * corrupt or truncated stream stops the load with `DUMP_MALFORMED` or `DUMP_TRUNCATED`, after
 * the batches before the damage (check the stream first with {@link verifyDump} to write
 * nothing from a bad stream).
 */
export async function loadDump(store: Store, chunks: AsyncIterable<Uint8Array>, options: LoadOptions = {}): Promise<DumpSummary> {
  const records = decodeDump(chunks);
  const loaded = await loadRecords(store, records, options);
  // loadRecords has drained the generator, so the trailer has been checked.
  return loaded;
}

/** Reads a whole dump stream and checks it (framing, order, every block's hash, trailer), writing nothing. */
export async function verifyDump(chunks: AsyncIterable<Uint8Array>, onBlock?: (blocks: number) => void): Promise<DumpSummary> {
  const records = decodeDump(chunks);
  let blocks = 0;
  for (;;) {
    const step = await records.next();
    if (step.done === true) return step.value;
    if (step.value.kind === 'block') onBlock?.(++blocks);
  }
}

/**
 * Copies every source and block of `from` into `to` (a dump and a load without the byte
 * stream), validating each block and its hash on the way, so a corrupt block stops the copy
 * with `STORE_CORRUPT`.
 */
export async function copyStore(from: Store, to: Store, options: DumpOptions & LoadOptions = {}): Promise<DumpSummary> {
  async function* validated(): AsyncGenerator<DumpRecord> {
    let source = '';
    for await (const record of storeRecords(from, options)) {
      if (record.kind === 'source') {
        source = record.name;
      } else {
        try {
          Block.decode(record.block.bytes);
        } catch (err) {
          throw corrupt(source, record.key, err);
        }
      }
      yield record;
    }
  }
  return loadRecords(to, validated(), options);
}
