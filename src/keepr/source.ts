/**
 * A Source: a persisted keepr of blocks under binary keys (strings mean their UTF-8 bytes),
 * backed by one engine namespace. Writes go through {@link Source.write}, which turns write
 * modes and hash conditions into engine checks evaluated inside the same transaction as the writes.
 */
import { Block } from '../block/block.js';
import { HASH_BYTES, HASH_OFFSET } from '../block/layout.js';
import type { Engine, WriteOp } from '../engine/engine.js';
import { KeeprError, isKeeprError, type ErrorCode } from '../errors.js';
import { isArray, isObject } from '../util/guards.js';
import { SourceWriter } from './batch.js';
import { assertAnyKey, checkedKeyBytes, keyId, keyLabel, keyOut, type Key, type KeyEncoding, type KeyOf } from './keys.js';
import { MAX_KEY_BYTES } from './names.js';
import { encodeKeyCursor } from '../util/cursor.js';
import { borrowOption, engineRange, type EntriesOptions } from './source-range.js';
import { checkLimit, hashBytes, type GetSyncOptions, type ListOptions, type ListPageOf, type ListedBlock, type SourceOp, type TransactOp, type TransactResult } from './source-types.js';
import type { StoreCache } from './store-cache.js';

export type { EntriesOptions } from './source-range.js';
export * from './source-types.js';

const BORROW = Object.freeze({ borrow: true });

function storedHashIs(stored: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (stored === undefined || stored.length < HASH_OFFSET + HASH_BYTES) return false;
  for (let i = 0; i < HASH_BYTES; i++) if (stored[HASH_OFFSET + i] !== expected[i]) return false;
  return true;
}

/** A persisted keepr of blocks. Get one from `store.source(name)`. */
export class Source extends SourceWriter {
  /** The source name. */
  readonly name: string;
  readonly #engine: Engine;
  readonly #ns: string;
  readonly #cache: StoreCache | undefined;
  readonly #onGone: (() => void) | undefined;
  readonly #scratch = Buffer.allocUnsafe(MAX_KEY_BYTES);

  /** @internal Created by the Store. */
  constructor(engine: Engine, name: string, namespace: string, cache?: StoreCache, onGone?: () => void) {
    super();
    this.#engine = engine;
    this.#cache = cache;
    this.#onGone = onGone;
    this.name = name;
    this.#ns = namespace;
  }

  /** The block under `key` (a string or bytes), or undefined. */
  async get(key: Key): Promise<Block | undefined> {
    const bytes = checkedKeyBytes(key);
    const id = keyId(key);
    const cached = this.#cache?.get(this.#ns, id);
    if (cached !== undefined) return cached;
    const stamp = this.#cache?.stamp;
    return this.#loaded(id, await this.#call(() => this.#engine.get(this.#ns, bytes)), stamp);
  }

  /** Wraps bytes read from the engine and caches the block under the key's id (see StoreCache.set for `stamp`). */
  #loaded(id: string, bytes: Uint8Array | undefined, stamp?: number): Block | undefined {
    if (bytes === undefined) return undefined;
    const block = Block.fromTrusted(bytes);
    this.#cache?.set(this.#ns, id, block, stamp);
    return block;
  }

  /**
   * Synchronous get, where the engine offers synchronous reads (`lmdb`, `memory`). With
   * `{ borrow: true }` the block may be a view of the engine's read buffer: valid until the next
   * read on this store, never to be written to, and not cached (the fast path for servers and
   * lookups that use the block at once).
   */
  getSync(key: Key, options?: GetSyncOptions): Block | undefined {
    assertAnyKey(key);
    const borrow = options === undefined ? false : borrowOption((options as GetSyncOptions | null)?.borrow);
    const cache = this.#cache;
    // The key's id only names cache entries: without a cache it is not computed.
    const id = cache === undefined ? '' : keyId(key);
    const cached = cache?.get(this.#ns, id);
    if (cached !== undefined) return cached;
    try {
      // The engine copies the key before returning, so one scratch buffer serves every read.
      const bytes = typeof key === 'string' ? this.#scratch.subarray(0, this.#scratch.write(key, 'utf8')) : key;
      if (!borrow) return this.#loaded(id, this.#engine.getSync(this.#ns, bytes));
      const value = this.#engine.getSync(this.#ns, bytes, BORROW);
      return value === undefined ? undefined : Block.fromTrusted(value);
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /** Blocks of many keys in one read, undefined where absent. */
  async getMany(keys: readonly Key[]): Promise<(Block | undefined)[]> {
    if (!isArray(keys)) throw new KeeprError('ARGUMENT_INVALID', 'keys must be an array of keys');
    const bytes = keys.map(checkedKeyBytes);
    const ids = keys.map(keyId);
    const found = ids.map((id) => this.#cache?.get(this.#ns, id));
    const missing = bytes.filter((_, i) => found[i] === undefined);
    if (missing.length === 0) return found;
    const stamp = this.#cache?.stamp;
    const values = await this.#call(() => this.#engine.getMany(this.#ns, missing));
    let next = 0;
    return found.map((block, i) => block ?? this.#loaded(ids[i]!, values[next++], stamp));
  }

  /** True when a block is stored under `key`. */
  async has(key: Key): Promise<boolean> {
    const bytes = checkedKeyBytes(key);
    return this.#call(() => this.#engine.has(this.#ns, bytes));
  }

  /**
   * Writes all operations in one transaction: all land or none does. A failed condition throws
   * its `WRITE_*` code with `details.index` naming the operation. Resolves, once durable, to
   * one boolean per operation: for deletes whether a block was there, for puts always true.
   */
  override async write(ops: readonly SourceOp[]): Promise<boolean[]> {
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
    const results: TransactResult[] = new Array<TransactResult>(ops.length).fill(true);
    const cache = this.#cache;
    const ns = this.#ns;
    // Key ids only matter to a cache (most durable stores have none): skip them otherwise.
    const ids: string[] | undefined = cache === undefined ? undefined : [];
    const check = (index: number, key: Uint8Array, code: ErrorCode, test: (current: Uint8Array | undefined) => boolean): void => {
      engineOps.push({ op: 'check', namespace: ns, key, test });
      reasons.push({ index, code });
    };
    for (let index = 0; index < ops.length; index++) {
      const op = ops[index];
      if (!isObject(op)) throw new KeeprError('ARGUMENT_INVALID', `operation ${index} is not an object`);
      const key = checkedKeyBytes(op.key);
      ids?.push(keyId(op.key));
      const kind: unknown = op.op;
      if (kind === 'get') {
        // A check that always passes reads the value inside the transaction; the engine's buffer
        // is only valid during the call, so the block gets its own copy.
        check(index, key, 'INTERNAL', (current) => ((results[index] = current === undefined ? undefined : Block.fromTrusted(new Uint8Array(current))), true));
        continue;
      }
      if (kind !== 'put' && kind !== 'delete') throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: op must be put or delete`);
      const write = op as SourceOp;
      if (write.ifHash !== undefined) {
        const expected = hashBytes(write.ifHash);
        check(index, key, 'WRITE_HASH_MISMATCH', (current) => storedHashIs(current, expected));
      }
      if (write.op === 'put') {
        if (!(write.block instanceof Block)) throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: block must be a Block`);
        if (cache?.authoritative === true && write.block.byteLength > cache.maxBytes) {
          throw new KeeprError('BLOCK_TOO_LARGE', `operation ${index}: a ${write.block.byteLength}-byte block exceeds the transient store's ${cache.maxBytes} bytes`, {
            details: { index, byteLength: write.block.byteLength, limit: cache.maxBytes },
          });
        }
        const mode: unknown = write.mode ?? 'always';
        if (mode !== 'always' && mode !== 'if-absent' && mode !== 'if-exists') {
          throw new KeeprError('ARGUMENT_INVALID', `operation ${index}: unknown write mode ${String(mode)}`);
        }
        if (mode === 'if-absent') check(index, key, 'WRITE_KEY_EXISTS', (current) => current === undefined);
        if (mode === 'if-exists') check(index, key, 'WRITE_KEY_ABSENT', (current) => current !== undefined);
        engineOps.push({ op: 'put', namespace: ns, key, value: write.block.bytes });
      } else {
        // A check that always passes records whether the key was there, inside the transaction.
        check(index, key, 'INTERNAL', (current) => ((results[index] = current !== undefined), true));
        engineOps.push({ op: 'delete', namespace: ns, key });
      }
    }
    if (cache === undefined || ids === undefined) {
      const outcome = await this.#call(() => this.#engine.write(engineOps));
      if (!outcome.committed) throw this.#conditionFailed(ops, engineOps, reasons, outcome.failedCheck);
      return results;
    }
    const writes = ops.flatMap((op, i) => (op.op === 'get' ? [] : [{ op, id: ids[i]! }]));
    // Forget cached blocks before the commit (else a reader could keep one past it) and after.
    if (!cache.authoritative) for (const { id } of writes) cache.delete(ns, id);
    const outcome = await this.#call(() => this.#engine.write(engineOps));
    if (outcome.committed) {
      for (const { op, id } of writes) {
        // In transient mode the cache holds what the store holds; elsewhere reads fill it.
        if (cache.authoritative && op.op === 'put') cache.set(ns, id, op.block);
        else cache.delete(ns, id);
      }
    }
    if (!outcome.committed) throw this.#conditionFailed(ops, engineOps, reasons, outcome.failedCheck);
    return results;
  }

  /** The `WRITE_*` error of the check at `failedCheck` (an index into the engine ops). */
  #conditionFailed(ops: readonly TransactOp[], engineOps: readonly WriteOp[], reasons: readonly { index: number; code: ErrorCode }[], failedCheck: number): KeeprError {
    const checkIndex = engineOps.slice(0, failedCheck + 1).filter((o) => o.op === 'check').length - 1;
    const reason = reasons[checkIndex]!;
    const key = keyLabel(ops[reason.index]!.key);
    return new KeeprError(reason.code, `write condition failed for key ${JSON.stringify(key)} (operation ${reason.index}); nothing was written`, {
      details: { index: reason.index, key },
    });
  }

  /**
   * One page of keys in order (or reverse) within the bounds, with each block's type, shape,
   * size and hash; `cursor`, present while more follow, continues after this page.
   */
  async list<E extends KeyEncoding = 'utf8'>(options: ListOptions<E> = {}): Promise<ListPageOf<E>> {
    const limit = checkLimit(options.limit);
    const { range, keyEncoding } = engineRange({ ...options, limit: undefined });
    const items: ListedBlock<KeyOf<E>>[] = [];
    let last: Uint8Array | undefined;
    // One extra entry tells whether another page follows.
    const more = await this.#call(async () => {
      for await (const { key, value } of this.#engine.range(this.#ns, { ...range, limit: limit + 1 })) {
        if (items.length === limit) return true;
        const block = Block.fromTrusted(value);
        items.push({ key: keyOut(key, keyEncoding as E), type: block.type, shape: block.shape, byteLength: block.byteLength, hash: block.hashHex });
        last = key;
      }
      return false;
    });
    return more && last !== undefined ? { items, cursor: encodeKeyCursor(last) } : { items };
  }

  /** Every key and block in key order (or reverse) within the bounds, read as iterated. */
  async *entries<E extends KeyEncoding = 'utf8'>(options: EntriesOptions<E> = {}): AsyncGenerator<[KeyOf<E>, Block]> {
    const { range, keyEncoding, borrow } = engineRange(options);
    if (borrow) throw new KeeprError('ARGUMENT_INVALID', 'borrow is for entriesSync: between the steps of an async loop other reads may reuse the buffer', { details: { argument: 'borrow' } });
    try {
      for await (const { key, value } of this.#engine.range(this.#ns, range)) yield [keyOut(key, keyEncoding as E), Block.fromTrusted(value)];
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /**
   * The same as {@link entries}, synchronously, where the engine has synchronous reads (the
   * fast path for scans). Break out of the loop early to release the cursor.
   */
  *entriesSync<E extends KeyEncoding = 'utf8'>(options: EntriesOptions<E> = {}): Generator<[KeyOf<E>, Block], void, undefined> {
    const { range, keyEncoding, borrow } = engineRange(options);
    let entries: Iterable<{ key: Uint8Array; value: Uint8Array }>;
    try {
      entries = this.#engine.rangeSync(this.#ns, range, borrow ? BORROW : undefined);
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
        yield [keyOut(step.value.key, keyEncoding as E), Block.fromTrusted(step.value.value)];
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
