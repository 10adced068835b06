/**
 * Dumping a store to the portable dump format and loading it back (see dump-format.ts). A dump
 * reads one consistent snapshot, so it can run while other processes write to the store; a
 * load writes in batches, each one transaction.
 */
import { Block } from '../block/block.js';
import type { EngineEntry, WriteOp } from '../engine/engine.js';
import { KeeprError, isKeeprError } from '../errors.js';
import { keyLabel } from './keys.js';
import { SOURCE_NAMESPACE_PREFIX, decodeDump, encodeDump, type DumpRecord, type DumpSummary } from './dump-format.js';
import type { Source, SourceOp } from './source.js';
import type { BlockStore as Store } from './store.js';

export { DUMP_MAGIC, DUMP_VERSION, decodeDump, encodeDump, type DumpRecord, type DumpSummary } from './dump-format.js';

/** Options of {@link storeItems}, {@link storeRecords} and {@link dumpStore}. */
export interface DumpOptions {
  /** Only these sources (each must exist), and no other namespaces; default everything. */
  readonly sources?: readonly string[];
  /** Called after each block or raw entry with the running count. */
  readonly onBlock?: (items: number) => void;
}

/** Options of {@link loadRecords} and {@link loadDump}. */
export interface LoadOptions {
  /** Most blocks or entries in one transaction (default 1,000). */
  readonly batchBlocks?: number;
  /** Most bytes in one transaction (default 16 MiB); a larger block goes alone. */
  readonly batchBytes?: number;
  /** Called after each committed batch with the running totals. */
  readonly onBatch?: (done: DumpSummary) => void;
}

/** Default most blocks (or raw entries) in one transaction of a load. */
export const LOAD_BATCH_BLOCKS = 1000;
/** Default most bytes in one transaction of a load. */
export const LOAD_BATCH_BYTES = 16 * 1024 * 1024;

/** An item of {@link storeItems}: a source and its blocks' raw bytes, or another namespace and its entries. */
export type StoredItem =
  | { readonly kind: 'source'; readonly name: string }
  | { readonly kind: 'bytes'; readonly source: string; readonly key: Uint8Array; readonly bytes: Uint8Array }
  | { readonly kind: 'namespace'; readonly name: string }
  | { readonly kind: 'entry'; readonly namespace: string; readonly key: Uint8Array; readonly value: Uint8Array };

/** Options of {@link storeItems}. */
export interface StoreItemsOptions {
  /** Only these sources (each must exist), and no other namespaces. */
  readonly sources?: readonly string[];
  /** Include the namespaces that are not sources (default true, unless `sources` is given). */
  readonly namespaces?: boolean;
}

const EMPTY: DumpSummary = Object.freeze({ sources: 0, blocks: 0, blockBytes: 0, namespaces: 0, entries: 0, entryBytes: 0 });

/** Namespace names are printable ASCII, so code-unit order is their byte order. */
function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

/**
 * Everything a store holds, read from one snapshot: every source in name order (empty ones
 * too), each followed by its blocks' raw bytes in key order, unchecked; then every other
 * engine namespace (versioned states...) with its raw entries. With `sources`, only those.
 */
export async function* storeItems(store: Store, options: StoreItemsOptions = {}): AsyncGenerator<StoredItem> {
  const { engine } = store;
  const wanted = options.sources;
  const others = wanted === undefined && options.namespaces !== false;
  if (wanted !== undefined) for (const name of wanted) await store.source(name, { create: false });
  // Names are listed outside the snapshot: take the union of a listing before and after it,
  // and skip names the snapshot does not have (created after it).
  const before = wanted === undefined ? await engine.listNamespaces() : [];
  const snapshot = await engine.snapshot();
  try {
    const all = wanted === undefined ? sorted([...before, ...(await engine.listNamespaces())]) : wanted.map((name) => SOURCE_NAMESPACE_PREFIX + name);
    const namespaces = [...sorted(all.filter((ns) => ns.startsWith(SOURCE_NAMESPACE_PREFIX))), ...(others ? sorted(all.filter((ns) => !ns.startsWith(SOURCE_NAMESPACE_PREFIX))) : [])];
    for (const ns of namespaces) {
      const source = ns.startsWith(SOURCE_NAMESPACE_PREFIX) ? ns.slice(SOURCE_NAMESPACE_PREFIX.length) : undefined;
      const entries = snapshot.range(ns)[Symbol.asyncIterator]();
      let step: IteratorResult<EngineEntry>;
      try {
        step = await entries.next();
      } catch (err) {
        if (!isKeeprError(err, 'NAMESPACE_NOT_FOUND')) throw err;
        if (wanted !== undefined) throw new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(source)} does not exist`, { details: { source } });
        continue;
      }
      yield source === undefined ? { kind: 'namespace', name: ns } : { kind: 'source', name: source };
      try {
        for (; step.done !== true; step = await entries.next()) {
          const { key, value } = step.value;
          if (source === undefined) yield { kind: 'entry', namespace: ns, key, value };
          else yield { kind: 'bytes', source, key, bytes: value };
        }
      } finally {
        await entries.return?.();
      }
    }
  } finally {
    await snapshot.close();
  }
}

/** The `STORE_CORRUPT` error for one stored block. */
export function corruptBlock(source: string, bytes: Uint8Array, cause: unknown): KeeprError {
  const key = keyLabel(bytes);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new KeeprError('STORE_CORRUPT', `block ${JSON.stringify(key)} of source ${JSON.stringify(source)} is corrupt: ${reason}`, { cause, details: { source, key, reason } });
}

/**
 * The records of a store, read from one snapshot (see {@link storeItems}). Blocks are passed on
 * as stored (not re-hashed, unless `verify`); bytes that are not a block are `STORE_CORRUPT`.
 */
export async function* storeRecords(store: Store, options: DumpOptions & { readonly verify?: boolean } = {}): AsyncGenerator<DumpRecord> {
  let items = 0;
  for await (const item of storeItems(store, options)) {
    if (item.kind === 'source' || item.kind === 'namespace') {
      yield item;
      continue;
    }
    if (item.kind === 'entry') {
      yield { kind: 'entry', key: item.key, value: item.value };
    } else {
      let block: Block;
      try {
        block = options.verify === true ? Block.decode(item.bytes) : Block.fromTrusted(item.bytes);
      } catch (err) {
        throw corruptBlock(item.source, item.key, err);
      }
      yield { kind: 'block', key: item.key, block };
    }
    options.onBlock?.(++items);
  }
}

/** The store as a dump stream (chunks to write to a file or a pipe); returns the trailer's counts. */
export function dumpStore(store: Store, options: DumpOptions = {}): AsyncGenerator<Uint8Array, DumpSummary> {
  return encodeDump(storeRecords(store, options));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new KeeprError('ARGUMENT_INVALID', `${name} must be a positive integer`);
  return value;
}

/**
 * Writes records into a store: each source is created and its blocks are put (replacing blocks
 * under the same keys; other blocks stay); other namespaces get their entries the same way. Writes
 * go in batches of one transaction each. Records are trusted: pass them from
 * {@link decodeDump} (which validates) or {@link storeRecords}.
 */
export async function loadRecords(store: Store, records: AsyncIterable<DumpRecord> | Iterable<DumpRecord>, options: LoadOptions = {}): Promise<DumpSummary> {
  const maxItems = positive(options.batchBlocks, LOAD_BATCH_BLOCKS, 'batchBlocks');
  const maxBytes = positive(options.batchBytes, LOAD_BATCH_BYTES, 'batchBytes');
  const done = { ...EMPTY };
  let source: Source | undefined;
  let namespace: string | undefined;
  let blocks: SourceOp[] = [];
  let entries: WriteOp[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (blocks.length > 0) {
      await source!.write(blocks);
      done.blocks += blocks.length;
      done.blockBytes += pendingBytes;
    } else if (entries.length > 0) {
      await store.engine.write(entries);
      done.entries += entries.length;
      done.entryBytes += pendingBytes;
    } else {
      return;
    }
    blocks = [];
    entries = [];
    pendingBytes = 0;
    options.onBatch?.({ ...done });
  };
  const add = async (bytes: number, push: () => void): Promise<void> => {
    if (pendingBytes + bytes > maxBytes) await flush();
    push();
    pendingBytes += bytes;
    // Write a full batch at once, so damage further on never holds back a complete batch.
    if (blocks.length + entries.length >= maxItems || pendingBytes >= maxBytes) await flush();
  };
  const outOfPlace = (what: string): KeeprError => new KeeprError('DUMP_MALFORMED', `corrupt dump: ${what}`, { details: { reason: what } });
  for await (const record of records) {
    switch (record.kind) {
      case 'source':
        await flush();
        source = await store.source(record.name);
        namespace = undefined;
        done.sources++;
        break;
      case 'namespace':
        await flush();
        await store.engine.createNamespace(record.name);
        source = undefined;
        namespace = record.name;
        done.namespaces++;
        break;
      case 'block':
        if (source === undefined) throw outOfPlace('a block comes before any source');
        await add(record.block.byteLength, () => blocks.push({ op: 'put', key: record.key, block: record.block }));
        break;
      case 'entry': {
        if (namespace === undefined) throw outOfPlace('a raw entry comes before any namespace');
        const ns = namespace;
        await add(record.value.length, () => entries.push({ op: 'put', namespace: ns, key: record.key, value: record.value }));
        break;
      }
    }
  }
  await flush();
  return { ...done };
}

/**
 * Loads a dump stream into a store. Every record is checked before its batch is written; a
 * corrupt or truncated stream stops the load with `DUMP_MALFORMED` or `DUMP_TRUNCATED`, after
 * the batches before the damage (check the stream first with {@link verifyDump} to write
 * nothing from a bad stream). The trailer is checked before the last batch is written.
 */
export async function loadDump(store: Store, chunks: AsyncIterable<Uint8Array>, options: LoadOptions = {}): Promise<DumpSummary> {
  return loadRecords(store, decodeDump(chunks), options);
}

/** Reads a whole dump stream and checks it (framing, order, every block's hash, trailer), writing nothing. */
export async function verifyDump(chunks: AsyncIterable<Uint8Array>, onBlock?: (items: number) => void): Promise<DumpSummary> {
  const records = decodeDump(chunks);
  let items = 0;
  for (;;) {
    const step = await records.next();
    if (step.done === true) return step.value;
    if (step.value.kind === 'block' || step.value.kind === 'entry') onBlock?.(++items);
  }
}

/**
 * Copies every source, block and other namespace of `from` into `to` (a dump and a load without
 * the byte stream), validating each block and its hash on the way: a corrupt block stops the
 * copy with `STORE_CORRUPT`.
 */
export async function copyStore(from: Store, to: Store, options: DumpOptions & LoadOptions = {}): Promise<DumpSummary> {
  return loadRecords(to, storeRecords(from, { ...options, verify: true }), options);
}
