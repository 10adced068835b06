/** The engine contract's types: capabilities, ranges, operations, outcomes, stats, durability. */
import type { ErrorCode } from '../errors.js';
import type { KeyBounds } from '../util/range.js';

/** What an engine can do; layers above read it to pick fast paths. */
export interface EngineCapabilities {
  /** Data survives close and reopen. */
  readonly persistent: boolean;
  /** `getSync`, `hasSync` and `rangeSync` answer at once (declared fast path). */
  readonly syncReads: boolean;
  /** Other processes may open the same store while this one has it open. */
  readonly multiProcess: boolean;
  /** `backup()` makes a consistent copy while the engine is open. */
  readonly hotBackup: boolean;
  /** Largest key, in bytes. */
  readonly maxKeyBytes: number;
}

/** Lifecycle state of an engine. */
export type EngineStatus = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/** Whether an engine takes writes now; when not, the error code a write would get and why. */
export interface EngineHealth {
  readonly writable: boolean;
  readonly code?: ErrorCode;
  readonly message?: string;
}

/** Bounds of a range read; all given bounds apply together. */
export type RangeOptions = KeyBounds<Uint8Array>;

/** How a synchronous read hands out values. */
export interface SyncReadOptions {
  /**
   * `true`: values may be views of the engine's own read buffer, valid only until the next read
   * on the engine (or the next step of the same range) and never to be written to; engines
   * without such a buffer return owned values, which also satisfy a borrow. Default `false`:
   * every value is the caller's.
   */
  readonly borrow?: boolean;
}

/**
 * Range bounds after validation: at most one lower and one upper bound, a prefix already
 * folded into them, and `limit` as a number (Infinity when unlimited).
 */
export interface NormalizedRange {
  readonly lower: Uint8Array | undefined;
  readonly lowerInclusive: boolean;
  readonly upper: Uint8Array | undefined;
  readonly upperInclusive: boolean;
  readonly reverse: boolean;
  readonly limit: number;
}

/** One key and its value. Both are owned by the caller. */
export interface EngineEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Store `value` under `key`. */
export interface PutOp {
  readonly op: 'put';
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Remove `key` (no effect when absent). */
export interface DeleteOp {
  readonly op: 'delete';
  readonly namespace: string;
  readonly key: Uint8Array;
}

/**
 * A precondition: inside the write transaction, `test` receives the current value of `key`
 * (undefined when absent); when it returns false nothing of the batch is written.
 */
export interface CheckOp {
  readonly op: 'check';
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly test: (current: Uint8Array | undefined) => boolean;
}

/** One operation of an atomic write. */
export type WriteOp = PutOp | DeleteOp | CheckOp;

/** Options of {@link Engine.write}. */
export interface WriteOptions {
  /**
   * The caller hands its key and value buffers over: it will never change them, so the engine
   * may keep them instead of copying (an internal fast path for freshly built batches).
   */
  readonly owned?: boolean;
}

/** Result of {@link Engine.write}: committed whole, or nothing written because a check failed. */
export type WriteOutcome = { readonly committed: true } | { readonly committed: false; readonly failedCheck: number };

/** A stored record that fails its engine's integrity check. */
export interface BadRecord {
  /** The namespace its key names (undefined when no namespace has that id). */
  readonly namespace: string | undefined;
  /** Its key inside the namespace, as stored. */
  readonly key: Uint8Array;
  readonly reason: string;
}

/** What {@link Engine.checkRecords} found. */
export interface RecordCheckReport {
  /** Records checked (0 for engines that keep no per-record framing to check). */
  readonly records: number;
  readonly bad: readonly BadRecord[];
}

/** Numbers an engine reports about itself. */
export interface EngineStats {
  readonly engine: string;
  /** Where the data lives, when on disk. */
  readonly path: string | undefined;
  /** Bytes used on disk (or in memory for memory engines). */
  readonly byteLength: number;
  readonly namespaces: number;
  /** Engine-specific counters. */
  readonly extra: Readonly<Record<string, number>>;
  /** Processes holding a read slot of the store (LMDB's reader table), when the engine can tell. */
  readonly readers?: readonly EngineReader[];
}

/** One entry of an engine's reader table: a process (and thread) with the store open for reading. */
export interface EngineReader {
  readonly pid: number;
  /** The thread id as the engine prints it (hex for LMDB). */
  readonly thread: string;
  /** The transaction the slot reads, or null when the slot is idle. */
  readonly txnid: number | null;
}

/** Namespace names: 1 to 200 printable ASCII characters (0x21 to 0x7E). */
export const NAMESPACE_NAME_RULE = /^[\x21-\x7e]{1,200}$/;

/**
 * When a write is acknowledged: `sync` once it is on disk, `write-cache` once it is committed in
 * memory (on disk within the engine's flush delay), `transient` never (nothing reaches a disk).
 */
export type Durability = 'sync' | 'write-cache' | 'transient';
