/**
 * A Source: a persisted keepr of blocks under string keys, backed by one engine namespace.
 * Writes go through {@link Source.write}, which turns write modes and hash conditions into
 * engine checks evaluated inside the same transaction as the writes.
 */
import { Block } from '../block/block.js';
import type { CellType } from '../block/cell-type.js';
import { HASH_BYTES, HASH_OFFSET } from '../block/layout.js';
import type { Engine, WriteOp } from '../engine/engine.js';
import { KeeprError, isKeeprError, type ErrorCode } from '../errors.js';
import { utf8 } from '../util/bytes.js';
import { isArray, isObject } from '../util/guards.js';
import { MAX_KEY_BYTES, assertKey, assertPrefix } from './names.js';
import { decodeCursor, encodeCursor, engineRange, keyString, type EntriesOptions } from './source-range.js';
import type { StoreCache } from './store-cache.js';

export type { EntriesOptions } from './source-range.js';

/** How a put treats an existing block: always write, only create, or only replace. */
export type WriteMode = 'always' | 'if-absent' | 'if-exists';

/** Options of {@link Source.put}. */
export interface PutOptions {
  /** Default `always`. */
  readonly mode?: WriteMode;
  /** Write only if the stored block has this hash (hex string or 32 bytes). */
  readonly ifHash?: string | Uint8Array;
}

/** Options of {@link Source.delete}. */
export interface DeleteOptions {
  /** Delete only if the stored block has this hash. */
  readonly ifHash?: string | Uint8Array;
}

/** One operation of a batch pipeline. */
export type SourceOp =
  | ({ readonly op: 'put'; readonly key: string; readonly block: Block } & PutOptions)
  | ({ readonly op: 'delete'; readonly key: string } & DeleteOptions);

/** One operation of {@link Source.transact}: a put, a delete, or a get read inside the transaction. */
export type TransactOp = SourceOp | { readonly op: 'get'; readonly key: string };

/** Result of one {@link Source.transact} operation: the block (or undefined) for a get, else as {@link Source.write}. */
export type TransactResult = boolean | Block | undefined;

/** Options of {@link Source.list}. */
export interface ListOptions {
  /** Only keys starting with this string. */
  readonly prefix?: string;
  /** At most this many items (1 to 10,000; default 1,000). */
  readonly limit?: number;
  /** Continue after the page that returned this cursor. */
  readonly cursor?: string;
  /** Descending key order. */
  readonly reverse?: boolean;
}

/** A listed block: its key and header facts. */
export interface ListedBlock {
  readonly key: string;
  readonly type: CellType;
  readonly shape: number[];
  readonly byteLength: number;
  readonly hash: string;
}

/** One page of a listing; `cursor` is undefined on the last page. */
export interface ListPage {
  readonly items: ListedBlock[];
  readonly cursor: string | undefined;
}

/** Default and largest page sizes of {@link Source.list}. */
export const LIST_DEFAULT_LIMIT = 1000;
export const LIST_MAX_LIMIT = 10_000;

/** The expected hash as 32 bytes, from hex or bytes. */
function hashBytes(hash: string | Uint8Array): Uint8Array {
  if (hash instanceof Uint8Array && hash.length === HASH_BYTES) return hash;
  if (typeof hash === 'string' && /^[0-9a-f]{64}$/i.test(hash)) return new Uint8Array(Buffer.from(hash, 'hex'));
  throw new KeeprError('ARGUMENT_INVALID', 'ifHash must be 64 hex digits or 32 bytes');
}

function storedHashIs(stored: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (stored === undefined || stored.length < HASH_OFFSET + HASH_BYTES) return false;
  for (let i = 0; i < HASH_BYTES; i++) if (stored[HASH_OFFSET + i] !== expected[i]) return false;
  return true;
}

/** A persisted keepr of blocks. Get one from `store.source(name)`. */
export class Source {
  /** The source name. */
  readonly name: string;
  readonly #engine: Engine;
  readonly #ns: string;
  readonly #cache: StoreCache | undefined;
  readonly #onGone: (() => void) | undefined;
  readonly #scratch = Buffer.allocUnsafe(MAX_KEY_BYTES);

  /** @internal Created by the Store. */
  constructor(engine: Engine, name: string, namespace: string, cache?: StoreCache, onGone?: () => void) {
    this.#engine = engine;
    this.#cache = cache;
    this.#onGone = onGone;
    this.name = name;
    this.#ns = namespace;
  }

  /** The block under `key`, or undefined. */
  async get(key: string): Promise<Block | undefined> {
    assertKey(key);
    const cached = this.#cache?.get(this.#ns, key);
    if (cached !== undefined) return cached;
    const bytes = await this.#call(() => this.#engine.get(this.#ns, utf8(key)));
    return this.#loaded(key, bytes);
  }

  /** Wraps bytes read from the engine and caches the block. */
  #loaded(key: string, bytes: Uint8Array | undefined): Block | undefined {
    if (bytes === undefined) return undefined;
    const block = Block.fromTrusted(bytes);
    this.#cache?.set(this.#ns, key, block);
    return block;
  }

  /** Synchronous get, where the engine offers synchronous reads (`lmdb`, `memory`). */
  getSync(key: string): Block | undefined {
    assertKey(key);
    const cached = this.#cache?.get(this.#ns, key);
    if (cached !== undefined) return cached;
    try {
      // The engine copies the key before returning, so one scratch buffer serves every read.
      const n = this.#scratch.write(key, 'utf8');
      return this.#loaded(key, this.#engine.getSync(this.#ns, this.#scratch.subarray(0, n)));
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /** Blocks of many keys in one read, undefined where absent. */
  async getMany(keys: readonly string[]): Promise<(Block | undefined)[]> {
    if (!isArray(keys)) throw new KeeprError('ARGUMENT_INVALID', 'keys must be an array of strings');
    for (const key of keys) assertKey(key);
    const found = keys.map((key) => this.#cache?.get(this.#ns, key));
    const missing = keys.filter((_, i) => found[i] === undefined);
    if (missing.length === 0) return found;
    const values = await this.#call(() => this.#engine.getMany(this.#ns, missing.map(utf8)));
    let next = 0;
    return found.map((block, i) => block ?? this.#loaded(keys[i]!, values[next++]));
  }

  /** True when a block is stored under `key`. */
  async has(key: string): Promise<boolean> {
    assertKey(key);
    return this.#call(() => this.#engine.has(this.#ns, utf8(key)));
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

  /** Starts a batch pipeline: queue puts and deletes, then `write()` them in one transaction. */
  batch(): SourceBatch {
    return new SourceBatch(this);
  }

  /**
   * Writes all operations in one transaction: all land or none does. A failed condition throws
   * its `WRITE_*` code with `details.index` naming the operation. Resolves, once durable, to
   * one boolean per operation: for deletes whether a block was there, for puts always true.
   */
  async write(ops: readonly SourceOp[]): Promise<boolean[]> {
    if (!isArray(ops)) throw new KeeprError('ARGUMENT_INVALID', 'ops must be an array');
    ops.forEach((op, index) => {
      const kind: unknown = isObject(op) ? op.op : undefined;
      if (kind === 'get') throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: op must be put or delete (transact() also reads)`);
    });
    return (await this.#commit(ops)) as boolean[];
  }

  /**
   * Like {@link write}, with `get` operations too: each get reads the block stored under its key
   * before the batch, inside the same transaction as the writes, so what it returns is exactly
   * what the batch's conditions saw. Operations that only read use one read and no write.
   */
  async transact(ops: readonly TransactOp[]): Promise<TransactResult[]> {
    if (!isArray(ops)) throw new KeeprError('ARGUMENT_INVALID', 'ops must be an array');
    const readOnly = ops.every((op) => isObject(op) && op.op === 'get');
    if (readOnly && ops.length > 0) return this.getMany(ops.map((op) => op.key));
    return this.#commit(ops);
  }

  async #commit(ops: readonly TransactOp[]): Promise<TransactResult[]> {
    const engineOps: WriteOp[] = [];
    const reasons: { index: number; code: ErrorCode }[] = [];
    const results: TransactResult[] = ops.map(() => true);
    const cache = this.#cache;
    ops.forEach((op, index) => {
      if (!isObject(op)) throw new KeeprError('ARGUMENT_INVALID', `operation ${index} is not an object`);
      assertKey(op.key);
      const key = utf8(op.key);
      const check = (code: ErrorCode, test: (current: Uint8Array | undefined) => boolean): void => {
        engineOps.push({ op: 'check', namespace: this.#ns, key, test });
        reasons.push({ index, code });
      };
      const kind: unknown = op.op;
      if (kind === 'get') {
        // A check that always passes reads the value inside the transaction; the engine's buffer
        // is only valid during the call, so the block gets its own copy.
        check('INTERNAL', (current) => ((results[index] = current === undefined ? undefined : Block.fromTrusted(new Uint8Array(current))), true));
        return;
      }
      if (kind !== 'put' && kind !== 'delete') throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: op must be put or delete`);
      const write = op as SourceOp;
      if (write.ifHash !== undefined) {
        const expected = hashBytes(write.ifHash);
        check('WRITE_HASH_MISMATCH', (current) => storedHashIs(current, expected));
      }
      if (write.op === 'put') {
        if (!(write.block instanceof Block)) throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: block must be a Block`);
        if (cache?.authoritative === true && write.block.byteLength > cache.maxBytes) {
          throw new KeeprError('BLOCK_TOO_LARGE', `operation ${index}: a ${write.block.byteLength}-byte block exceeds the transient store's ${cache.maxBytes} bytes`, {
            details: { index, bytes: write.block.byteLength, limit: cache.maxBytes },
          });
        }
        const mode: unknown = write.mode ?? 'always';
        if (mode !== 'always' && mode !== 'if-absent' && mode !== 'if-exists') {
          throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: unknown write mode ${String(mode)}`);
        }
        if (mode === 'if-absent') check('WRITE_KEY_EXISTS', (current) => current === undefined);
        if (mode === 'if-exists') check('WRITE_KEY_ABSENT', (current) => current !== undefined);
        engineOps.push({ op: 'put', namespace: this.#ns, key, value: write.block.bytes });
      } else {
        // A check that always passes records whether the key was there, inside the transaction.
        check('INTERNAL', (current) => ((results[index] = current !== undefined), true));
        engineOps.push({ op: 'delete', namespace: this.#ns, key });
      }
    });
    const writes = ops.filter((op): op is SourceOp => op.op !== 'get');
    // Forget cached blocks before the commit (else a reader could keep one past it) and after.
    if (cache !== undefined && !cache.authoritative) for (const op of writes) cache.delete(this.#ns, op.key);
    const outcome = await this.#call(() => this.#engine.write(engineOps));
    if (cache !== undefined && outcome.committed) {
      for (const op of writes) {
        // In transient mode the cache holds what the store holds; elsewhere reads fill it.
        if (cache.authoritative && op.op === 'put') cache.set(this.#ns, op.key, op.block);
        else cache.delete(this.#ns, op.key);
      }
    }
    if (!outcome.committed) {
      const checkIndex = engineOps.slice(0, outcome.failedCheck + 1).filter((o) => o.op === 'check').length - 1;
      const reason = reasons[checkIndex]!;
      const key = ops[reason.index]!.key;
      throw new KeeprError(reason.code, `write condition failed for key ${JSON.stringify(key)} (operation ${reason.index}); nothing was written`, {
        details: { index: reason.index, key },
      });
    }
    return results;
  }

  /** One page of keys in order, with each block's type, shape, size and hash. */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const { prefix = '', limit = LIST_DEFAULT_LIMIT, cursor, reverse = false } = options;
    assertPrefix(prefix);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
      throw new KeeprError('ARGUMENT_INVALID', `limit must be an integer from 1 to ${LIST_MAX_LIMIT}`);
    }
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const range = {
      ...(prefix === '' ? {} : { prefix: utf8(prefix) }),
      ...(after === undefined ? {} : reverse ? { lt: after } : { gt: after }),
      reverse,
      limit: limit + 1,
    };
    const items: ListedBlock[] = [];
    // One extra entry tells whether another page follows.
    const more = await this.#call(async () => {
      for await (const { key, value } of this.#engine.range(this.#ns, range)) {
        if (items.length === limit) return true;
        const block = Block.fromTrusted(value);
        items.push({ key: keyString(key), type: block.type, shape: block.shape, byteLength: block.byteLength, hash: block.hashHex });
      }
      return false;
    });
    const last = items.at(-1);
    return { items, cursor: more && last !== undefined ? encodeCursor(last.key) : undefined };
  }

  /** Every key and block in key order (or reverse) within the bounds. */
  async *entries(options: EntriesOptions = {}): AsyncGenerator<[string, Block]> {
    const range = engineRange(options);
    try {
      for await (const { key, value } of this.#engine.range(this.#ns, range)) yield [keyString(key), Block.fromTrusted(value)];
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /**
   * The same as {@link entries}, synchronously, where the engine has synchronous reads (the
   * fast path for scans). Break out of the loop early to release the cursor.
   */
  *entriesSync(options: EntriesOptions = {}): Generator<[string, Block], void, undefined> {
    const range = engineRange(options);
    let entries: Iterable<{ key: Uint8Array; value: Uint8Array }>;
    try {
      entries = this.#engine.rangeSync(this.#ns, range);
    } catch (err) {
      throw this.#translate(err);
    }
    const iterator = entries[Symbol.iterator]();
    try {
      for (;;) {
        let step: IteratorResult<{ key: Uint8Array; value: Uint8Array }>;
        try {
          step = iterator.next();
        } catch (err) {
          throw this.#translate(err);
        }
        if (step.done === true) return;
        yield [keyString(step.value.key), Block.fromTrusted(step.value.value)];
      }
    } finally {
      iterator.return?.();
    }
  }

  async #call<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw this.#translate(err);
    }
  }

  #translate(err: unknown): unknown {
    if (isKeeprError(err, 'NAMESPACE_NOT_FOUND')) {
      this.#onGone?.();
      return new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(this.name)} does not exist`, { cause: err, details: { source: this.name } });
    }
    return err;
  }
}

/** A batch pipeline on one source: queue operations, then write them in one transaction. */
export class SourceBatch {
  readonly #source: Source;
  readonly #ops: SourceOp[] = [];

  /** @internal Created by {@link Source.batch}. */
  constructor(source: Source) {
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

  /** Writes the queued operations in one transaction (see {@link Source.write}). */
  async write(): Promise<boolean[]> {
    return this.#source.write(this.#ops);
  }
}
