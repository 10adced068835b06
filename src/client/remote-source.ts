/**
 * A source over HTTP, with the embedded Source's method names and types. Reads of one block are
 * a GET of its binary form; everything that writes, and getMany, goes through the batch route
 * in its binary framing, so conditions, all-or-nothing and error details match the embedded
 * `Source.write` exactly. Arguments are checked here first, with the same codes.
 */
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
// Only modules without the storage engines: a client must not load lmdb's native code.
import { MAX_KEY_BYTES, assertKey } from '../keepr/names.js';
import {
  LIST_MAX_LIMIT,
  type DeleteOptions,
  type EntriesOptions,
  type ListOptions,
  type ListPage,
  type ListedBlock,
  type PutOptions,
  type SourceOp,
  type TransactOp,
  type TransactResult,
} from '../keepr/source.js';
import { BATCH_MEDIA_TYPE, decodeBatchAnswer, decodeEntries, encodeBatchRequest, type WireOp } from '../wire/batch-wire.js';
import type { BatchApi, SourceApi } from './api.js';
import { isArray } from '../util/guards.js';
import { hasCode, type Transport } from './http.js';

const BLOCK_MEDIA_TYPE = 'application/vnd.keepr.block';
const BATCH_HEADERS = { 'content-type': BATCH_MEDIA_TYPE, accept: BATCH_MEDIA_TYPE };
const MODES = new Set(['always', 'if-absent', 'if-exists']);
/** Entries fetched per request by `entries()`. */
const ENTRIES_PAGE = 1000;

function invalid(message: string): KeeprError {
  return new KeeprError('ARGUMENT_INVALID', message);
}

/** The expected hash as 32 bytes, from hex or bytes (`ARGUMENT_INVALID` otherwise, as embedded). */
function hashBytes(hash: string | Uint8Array): Uint8Array {
  if (hash instanceof Uint8Array && hash.length === 32) return hash;
  if (typeof hash === 'string' && /^[0-9a-f]{64}$/i.test(hash)) return new Uint8Array(Buffer.from(hash, 'hex'));
  throw invalid('ifHash must be 64 hex digits or 32 bytes');
}

/** Checks one operation and frames it. */
function toWire(op: TransactOp, index: number): WireOp {
  if (typeof op !== 'object') throw invalid(`operation ${index} is not an object`);
  assertKey(op.key);
  const kind: unknown = op.op;
  if (kind === 'get') return { op: 'get', key: op.key };
  if (kind !== 'put' && kind !== 'delete') throw invalid(`operation ${index}: op must be put or delete`);
  const write = op as SourceOp;
  const ifHash = write.ifHash === undefined ? {} : { ifHash: hashBytes(write.ifHash) };
  if (write.op === 'delete') return { op: 'delete', key: write.key, ...ifHash };
  if (!(write.block instanceof Block)) throw invalid(`operation ${index}: block must be a Block`);
  const mode: unknown = write.mode ?? 'always';
  if (typeof mode !== 'string' || !MODES.has(mode)) throw invalid(`operation ${index}: unknown write mode ${String(mode)}`);
  return { op: 'put', key: write.key, block: write.block.bytes, mode: mode as 'always', ...ifHash };
}

/** Block paths with each key segment escaped. */
export function sourcePath(source: string, rest = ''): string {
  return `/v1/sources/${encodeURIComponent(source)}${rest}`;
}

function blockPath(source: string, key: string): string {
  return sourcePath(source, `/blocks/${key.split('/').map(encodeURIComponent).join('/')}`);
}

/** A source served by a keepr server. Get one from `client.source(name)`. */
export class RemoteSource implements SourceApi {
  /** The source name. */
  readonly name: string;
  readonly #http: Transport;
  readonly #onGone: () => void;

  /** @internal Created by the client. */
  constructor(http: Transport, name: string, onGone: () => void) {
    this.#http = http;
    this.name = name;
    this.#onGone = onGone;
  }

  /** Runs a call; a SOURCE_NOT_FOUND makes the client forget this handle, as the embedded store does. */
  async #call<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (hasCode(err, 'SOURCE_NOT_FOUND')) this.#onGone();
      throw err;
    }
  }

  /** The block under `key`, or undefined. */
  async get(key: string): Promise<Block | undefined> {
    assertKey(key);
    return this.#call(async () => {
      try {
        return Block.decode(await this.#http.bytes('GET', blockPath(this.name, key), { headers: { accept: BLOCK_MEDIA_TYPE } }));
      } catch (err) {
        if (hasCode(err, 'BLOCK_NOT_FOUND')) return undefined;
        throw err;
      }
    });
  }

  /** Blocks of many keys in one request (and one read), undefined where absent. */
  async getMany(keys: readonly string[]): Promise<(Block | undefined)[]> {
    if (!isArray(keys)) throw invalid('keys must be an array of strings');
    for (const key of keys) assertKey(key);
    if (keys.length === 0) return [];
    return (await this.transact(keys.map((key) => ({ op: 'get', key })))) as (Block | undefined)[];
  }

  /** True when a block is stored under `key` (a HEAD request). */
  async has(key: string): Promise<boolean> {
    assertKey(key);
    return this.#call(async () => {
      try {
        await this.#http.send('HEAD', blockPath(this.name, key), { headers: { accept: BLOCK_MEDIA_TYPE } });
        return true;
      } catch (err) {
        if (hasCode(err, 'BLOCK_NOT_FOUND')) return false;
        throw err;
      }
    });
  }

  /** Stores a block; write modes and `ifHash` make it conditional (`WRITE_*` errors). */
  async put(key: string, block: Block, options: PutOptions = {}): Promise<void> {
    await this.write([{ op: 'put', key, block, ...options }]);
  }

  /** Removes a block; true when one was there. */
  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const [existed] = await this.write([{ op: 'delete', key, ...options }]);
    return existed ?? false;
  }

  /** Starts a batch pipeline. */
  batch(): RemoteBatch {
    return new RemoteBatch(this);
  }

  /** Writes all operations in one transaction on the server: all land or none does. */
  async write(ops: readonly SourceOp[]): Promise<boolean[]> {
    if (!isArray(ops)) throw invalid('ops must be an array');
    ops.forEach((op, index) => {
      if (typeof op === 'object' && (op.op as string) === 'get') throw invalid(`operation ${index}: op must be put or delete (transact() also reads)`);
    });
    return (await this.transact(ops)) as boolean[];
  }

  /** Reads and writes in one transaction on the server (see the embedded `Source.transact`). */
  async transact(ops: readonly TransactOp[]): Promise<TransactResult[]> {
    if (!isArray(ops)) throw invalid('ops must be an array');
    const wire = ops.map(toWire);
    if (wire.length === 0) return [];
    return this.#call(async () => {
      const answer = await this.#http.bytes('POST', sourcePath(this.name, '/batch'), { body: encodeBatchRequest(wire), headers: BATCH_HEADERS });
      return decodeBatchAnswer(answer).map((r) => (r instanceof Uint8Array ? Block.decode(r) : r));
    });
  }

  /** One page of keys in order, with each block's type, shape, size and hash. */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const { prefix, limit, cursor, reverse } = options;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT)) throw invalid(`limit must be an integer from 1 to ${LIST_MAX_LIMIT}`);
    const page = await this.#call(() => this.#http.json('GET', sourcePath(this.name, '/blocks'), { query: { prefix, limit, cursor, reverse } }));
    const { items, cursor: next } = page as { items: ListedBlock[]; cursor: string | null };
    return { items, cursor: next ?? undefined };
  }

  /** Every key and block in key order (or reverse) within the bounds, fetched a page at a time. */
  async *entries(options: EntriesOptions = {}): AsyncGenerator<[string, Block]> {
    if (typeof options !== 'object') throw invalid('options must be an object');
    const { prefix, reverse = false, limit } = options;
    const bounds: Record<string, string | undefined> = {};
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value: unknown = options[bound];
      if (value !== undefined && (typeof value !== 'string' || Buffer.byteLength(value) > MAX_KEY_BYTES)) {
        throw invalid(`${bound} must be a string of at most ${MAX_KEY_BYTES} bytes`);
      }
      bounds[bound] = value;
    }
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalid('limit must be a non-negative integer');
    let left = limit ?? Infinity;
    // Each page continues strictly after the last key seen (before it, in reverse).
    let after: string | undefined;
    while (left > 0) {
      const query = { prefix, ...bounds, reverse, limit: Math.min(left, ENTRIES_PAGE), ...(after === undefined ? {} : { [reverse ? 'lt' : 'gt']: after }) };
      const bytes = await this.#call(() => this.#http.bytes('GET', sourcePath(this.name, '/entries'), { query, headers: { accept: BATCH_MEDIA_TYPE } }));
      const page = decodeEntries(bytes);
      for (const [key, block] of page.entries) {
        yield [key, Block.decode(block)];
        after = key;
        left--;
      }
      if (!page.more || page.entries.length === 0) return;
    }
  }
}

/** A batch pipeline on a remote source. */
export class RemoteBatch implements BatchApi {
  readonly #source: RemoteSource;
  readonly #ops: SourceOp[] = [];

  /** @internal Created by {@link RemoteSource.batch}. */
  constructor(source: RemoteSource) {
    this.#source = source;
  }

  /** Number of queued operations. */
  get length(): number {
    return this.#ops.length;
  }

  /** Queues a put. */
  put(key: string, block: Block, options: PutOptions = {}): this {
    this.#ops.push({ op: 'put', key, block, ...options });
    return this;
  }

  /** Queues a delete. */
  delete(key: string, options: DeleteOptions = {}): this {
    this.#ops.push({ op: 'delete', key, ...options });
    return this;
  }

  /** Writes the queued operations in one transaction. */
  async write(): Promise<boolean[]> {
    return this.#source.write(this.#ops);
  }
}
