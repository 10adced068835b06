/**
 * A source over HTTP, with the embedded Source's method names and types. Reads of one block are
 * a GET of its binary form; everything that writes, and getMany, goes through the batch route
 * in its binary framing, so conditions, all-or-nothing and error details match the embedded
 * `Source.write` exactly. Arguments are checked here first, with the same codes.
 */
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
// Only modules without the storage engines: a client must not load lmdb's native code.
import { SourceWriter } from '../keepr/batch.js';
import { boundBytes, checkedKeyBytes, keyOut, prefixBytes, type Key, type KeyEncoding, type KeyOf } from '../keepr/keys.js';
import { engineRange, type EntriesOptions } from '../keepr/source-range.js';
import {
  checkLimit,
  hashBytes,
  type ListOptions,
  type ListPageOf,
  type ListedBlock,
  type SourceOp,
  type TransactOp,
  type TransactResult,
} from '../keepr/source-types.js';
import { BATCH_MEDIA_TYPE, decodeBatchAnswer, decodeEntries, encodeBatchRequest, type WireOp } from '../wire/batch-wire.js';
import type { SourceApi } from './api.js';
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

/** Checks one operation and frames it. */
function toWire(op: TransactOp, index: number): WireOp {
  if (typeof op !== 'object') throw invalid(`operation ${index} is not an object`);
  const key = checkedKeyBytes(op.key);
  const kind: unknown = op.op;
  if (kind === 'get') return { op: 'get', key };
  if (kind !== 'put' && kind !== 'delete') throw invalid(`operation ${index}: op must be put or delete`);
  const write = op as SourceOp;
  const ifHash = write.ifHash === undefined ? {} : { ifHash: hashBytes(write.ifHash) };
  if (write.op === 'delete') return { op: 'delete', key, ...ifHash };
  if (!(write.block instanceof Block)) throw invalid(`operation ${index}: block must be a Block`);
  const mode: unknown = write.mode ?? 'always';
  if (typeof mode !== 'string' || !MODES.has(mode)) throw invalid(`operation ${index}: unknown write mode ${String(mode)}`);
  return { op: 'put', key, block: write.block.bytes, mode: mode as 'always', ...ifHash };
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * The query of a listing: bounds checked as the embedded Source checks them, then sent as
 * base64url of their bytes, so every key (binary too) travels the same way and comes back as bytes.
 */
function rangeQuery(options: EntriesOptions, limit: number, cursor: string | undefined): Record<string, string | number | boolean | undefined> {
  engineRange({ ...options, limit: undefined, cursor });
  const query: Record<string, string | number | boolean | undefined> = { keyEncoding: 'base64url', reverse: options.reverse === true, limit, cursor };
  const prefix = options.prefix === undefined ? new Uint8Array(0) : prefixBytes(options.prefix);
  if (prefix.length > 0) query['prefix'] = base64url(prefix);
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
    const value = options[bound];
    if (value !== undefined) query[bound] = base64url(boundBytes(value, bound));
  }
  return query;
}

/** Block paths with each key segment escaped. */
export function sourcePath(source: string, rest = ''): string {
  return `/v1/sources/${encodeURIComponent(source)}${rest}`;
}

/** The path of a block and the query naming its key's encoding: a string key as escaped segments, a binary one as hex. */
function blockPath(source: string, key: Key): [string, Record<string, string> | undefined] {
  if (typeof key === 'string') return [sourcePath(source, `/blocks/${key.split('/').map(encodeURIComponent).join('/')}`), undefined];
  return [sourcePath(source, `/blocks/${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`), { keyEncoding: 'hex' }];
}

/** A source served by a keepr server. Get one from `client.source(name)`. */
export class RemoteSource extends SourceWriter implements SourceApi {
  /** The source name. */
  readonly name: string;
  readonly #http: Transport;
  readonly #onGone: () => void;

  /** @internal Created by the client. */
  constructor(http: Transport, name: string, onGone: () => void) {
    super();
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

  /** The block under `key` (a string or bytes), or undefined. */
  async get(key: Key): Promise<Block | undefined> {
    checkedKeyBytes(key);
    const [path, query] = blockPath(this.name, key);
    return this.#call(async () => {
      try {
        return Block.decode(await this.#http.bytes('GET', path, { headers: { accept: BLOCK_MEDIA_TYPE }, ...(query === undefined ? {} : { query }) }));
      } catch (err) {
        if (hasCode(err, 'BLOCK_NOT_FOUND')) return undefined;
        throw err;
      }
    });
  }

  /** Blocks of many keys in one request (and one read), undefined where absent. */
  async getMany(keys: readonly Key[]): Promise<(Block | undefined)[]> {
    if (!isArray(keys)) throw invalid('keys must be an array of keys');
    for (const key of keys) checkedKeyBytes(key);
    if (keys.length === 0) return [];
    return (await this.transact(keys.map((key) => ({ op: 'get', key })))) as (Block | undefined)[];
  }

  /** True when a block is stored under `key` (a HEAD request). */
  async has(key: Key): Promise<boolean> {
    checkedKeyBytes(key);
    const [path, query] = blockPath(this.name, key);
    return this.#call(async () => {
      try {
        await this.#http.send('HEAD', path, { headers: { accept: BLOCK_MEDIA_TYPE }, ...(query === undefined ? {} : { query }) });
        return true;
      } catch (err) {
        if (hasCode(err, 'BLOCK_NOT_FOUND')) return false;
        throw err;
      }
    });
  }

  /** Writes all operations in one transaction on the server: all land or none does. */
  override async write(ops: readonly SourceOp[]): Promise<boolean[]> {
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

  /** One page of keys in order (or reverse) within the bounds, with header facts; `cursor` while more follow. */
  async list<E extends KeyEncoding = 'utf8'>(options: ListOptions<E> = {}): Promise<ListPageOf<E>> {
    const limit = checkLimit(options.limit);
    const query = rangeQuery(options, limit, options.cursor);
    const encoding = (options.keyEncoding ?? 'utf8') as E;
    const page = await this.#call(() => this.#http.json('GET', sourcePath(this.name, '/blocks'), { query }));
    const { items, cursor } = page as { items: ListedBlock[]; cursor: string | null };
    const keyed = items.map((item) => ({ ...item, key: keyOut(Buffer.from(item.key, 'base64url'), encoding) }));
    return cursor === null ? { items: keyed } : { items: keyed, cursor };
  }

  /** Every key and block in key order (or reverse) within the bounds, fetched a page at a time. */
  async *entries<E extends KeyEncoding = 'utf8'>(options: EntriesOptions<E> = {}): AsyncGenerator<[KeyOf<E>, Block]> {
    if (typeof options !== 'object') throw invalid('options must be an object');
    const { limit } = options;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalid('limit must be a non-negative integer');
    const encoding = (options.keyEncoding ?? 'utf8') as E;
    rangeQuery(options, ENTRIES_PAGE, options.cursor);
    let left = limit ?? Infinity;
    let cursor = options.cursor;
    while (left > 0) {
      const query = rangeQuery(options, Math.min(left, ENTRIES_PAGE), cursor);
      const bytes = await this.#call(() => this.#http.bytes('GET', sourcePath(this.name, '/entries'), { query, headers: { accept: BATCH_MEDIA_TYPE } }));
      const page = decodeEntries(bytes);
      for (const [key, block] of page.entries) {
        yield [keyOut(key, encoding), Block.decode(block)];
        left--;
      }
      if (page.cursor === undefined || page.entries.length === 0) return;
      cursor = page.cursor;
    }
  }
}
