/** One atomic write batch of the LMDB engine: copied ops and the transaction body. */
import { ABORT } from 'lmdb';
import type { CheckOp, WriteOp, WriteOutcome } from '../engine.js';
import type { LoggedOp } from './log-record.js';
import { RECORD_HEADER, recordValue, sealRecord, toRecord } from './lmdb-record.js';
import { namespaceNotFound, readNamespaceId, type KeeprLmdb, type NamespaceKeys } from './lmdb-keys.js';

/**
 * A write op with its buffers copied, so the caller may reuse them before the batch runs. A
 * put's `record` holds the value after room for the record header (written once the namespace
 * id is known, inside the transaction); `value` is the caller's buffer when it was not copied.
 */
type QueuedOp =
  | { readonly op: 'put'; readonly namespace: string; readonly key: Uint8Array; readonly value: Uint8Array; readonly record: Buffer | undefined }
  | { readonly op: 'delete'; readonly namespace: string; readonly key: Uint8Array }
  | { readonly op: 'check'; readonly namespace: string; readonly key: Uint8Array; readonly test: CheckOp['test'] };

/** Records the registry's answer for a namespace in the engine cache (undefined: it is gone). */
export type RememberNamespace = (name: string, id: number | undefined) => NamespaceKeys | undefined;

// Copies of at least this many bytes come from (and go back to) an ArenaPool.
const POOLED_MIN = 64 * 1024;
const POOLED_MAX = 8 * 1024 * 1024;
const POOLED_COUNT = 2;

/**
 * Buffers for the copies of large batches, handed back once their batch settled: a fresh
 * megabyte per batch costs page faults and garbage collections, a reused one neither.
 */
export class ArenaPool {
  readonly #free: Buffer[] = [];

  /** A buffer of at least `bytes` bytes (from the pool when one fits). */
  take(bytes: number): Buffer {
    if (bytes < POOLED_MIN) return Buffer.allocUnsafe(bytes);
    const index = this.#free.findIndex((b) => b.length >= bytes);
    if (index >= 0) return this.#free.splice(index, 1)[0]!;
    // Some room to spare, so a slightly larger next batch still fits.
    return Buffer.allocUnsafe(bytes <= POOLED_MAX ? Math.min(POOLED_MAX, Math.ceil(bytes * 1.25)) : bytes);
  }

  /** Hands back a buffer from {@link take} that nothing refers to any more. */
  give(buffer: Buffer): void {
    if (buffer.length < POOLED_MIN || buffer.length > POOLED_MAX) return;
    if (this.#free.length >= POOLED_COUNT) this.#free.shift();
    this.#free.push(buffer);
  }
}

/**
 * Copies the ops' buffers: the batch runs later, in the turn's group transaction. Keys and
 * records share one buffer per batch (a thousand small allocations cost more than the copy).
 */
function copyOps(ops: readonly WriteOp[], arena: Buffer): QueuedOp[] {
  let at = 0;
  const take = (length: number): Buffer => {
    const part = arena.subarray(at, at + length);
    at += length;
    return part;
  };
  return ops.map((op): QueuedOp => {
    const key = take(op.key.length);
    key.set(op.key);
    switch (op.op) {
      case 'put': {
        const record = take(RECORD_HEADER + op.value.length);
        record.set(op.value, RECORD_HEADER);
        return { op: 'put', namespace: op.namespace, key, value: record.subarray(RECORD_HEADER), record };
      }
      case 'delete':
        return { op: 'delete', namespace: op.namespace, key };
      case 'check':
        return { op: 'check', namespace: op.namespace, key, test: op.test };
    }
  });
}

/** Bytes {@link copyOps} needs for `ops`. */
function copyBytes(ops: readonly WriteOp[]): number {
  let size = 0;
  for (const op of ops) size += op.key.length + (op.op === 'put' ? RECORD_HEADER + op.value.length : 0);
  return size;
}

/**
 * A batch: `run` is the body of one lmdb-js child write transaction; `outcome` reads what it
 * decided once the transaction settled. Every abort happens before the first put or delete,
 * and the child transaction rolls back anyway if lmdb throws midway.
 */
export class LmdbBatch {
  readonly #ops: readonly QueuedOp[];
  #missing: string | undefined;
  #failedCheck = -1;
  // Set when a check's test threw: the batch aborts and this error reaches the caller as is.
  #thrown: { readonly error: unknown } | undefined;

  // The buffer holding the copies, handed back to `#pool` by release().
  #arena: Buffer | undefined;
  readonly #pool: ArenaPool | undefined;

  /**
   * Copies the ops now, while the caller still owns its buffers unchanged, when the batch runs
   * later (`copy`), into a buffer from `pool` when given; a batch run at once in a synchronous
   * transaction needs no copies.
   */
  constructor(ops: readonly WriteOp[], copy = true, pool?: ArenaPool) {
    this.#pool = pool;
    if (copy) {
      const bytes = copyBytes(ops);
      this.#arena = pool?.take(bytes) ?? Buffer.allocUnsafe(bytes);
      this.#ops = copyOps(ops, this.#arena);
    } else {
      this.#ops = ops.map((op) => (op.op === 'put' ? { ...op, record: undefined } : op));
    }
  }

  /**
   * The batch settled (committed, aborted or refused) and never runs again: its copies go back
   * to the pool. LMDB and the commit log copied them inside the transaction.
   */
  release(): void {
    const arena = this.#arena;
    this.#arena = undefined;
    if (arena !== undefined) this.#pool?.give(arena);
  }

  /** Transaction body; returns ABORT to roll back, else the raw operations for the commit log. */
  run(db: KeeprLmdb, remember: RememberNamespace): LoggedOp[] | typeof ABORT {
    const ops = this.#ops;
    // A group that found no room in the log runs again: start from a clean slate.
    this.#missing = undefined;
    this.#failedCheck = -1;
    this.#thrown = undefined;
    // Namespaces are resolved inside the transaction: the registry may have changed since the
    // cache was filled (drops and creates by this or another process).
    const resolved = new Map<string, NamespaceKeys>();
    for (const op of ops) {
      if (resolved.has(op.namespace)) continue;
      const keys = remember(op.namespace, readNamespaceId(db, op.namespace));
      if (keys === undefined) {
        this.#missing = op.namespace;
        return ABORT;
      }
      resolved.set(op.namespace, keys);
    }
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.op !== 'check') continue;
      // Reads inside the callback see the write transaction, including earlier batches in it.
      const full = resolved.get(op.namespace)!.key(op.key);
      const stored = db.getBinary(full);
      const current = stored === undefined ? undefined : recordValue(full, stored);
      let passed: boolean;
      try {
        passed = op.test(current);
      } catch (error) {
        this.#thrown = { error };
        return ABORT;
      }
      if (!passed) {
        this.#failedCheck = i;
        return ABORT;
      }
    }
    const logged: LoggedOp[] = [];
    for (const op of ops) {
      if (op.op === 'check') continue;
      const keys = resolved.get(op.namespace)!;
      if (op.op === 'put') {
        const full = keys.key(op.key);
        const record = op.record === undefined ? toRecord(full, op.value) : sealRecord(op.record, full);
        db.putSync(full, record);
        logged.push({ type: 'put', prefix: keys.start, key: op.key, value: record });
      } else {
        db.removeSync(keys.key(op.key));
        logged.push({ type: 'delete', prefix: keys.start, key: op.key });
      }
    }
    return logged;
  }

  /** The result after the transaction settled; throws for a missing namespace or a throwing check. */
  outcome(): WriteOutcome {
    if (this.#missing !== undefined) throw namespaceNotFound(this.#missing);
    if (this.#thrown !== undefined) throw this.#thrown.error;
    if (this.#failedCheck >= 0) return { committed: false, failedCheck: this.#failedCheck };
    return { committed: true };
  }
}
