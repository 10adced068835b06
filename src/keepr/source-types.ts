/**
 * The types of a Source's calls, shared by the embedded Source and the client's RemoteSource
 * (no engine here, so the client may load it), and the expected-hash check both make.
 */
import type { Block } from '../block/block.js';
import type { CellType } from '../block/cell-type.js';
import { KeeprError } from '../errors.js';
import type { Key, KeyEncoding, KeyOf } from './keys.js';
import type { EntriesOptions } from './source-range.js';

/** How a put treats an existing block: always write, only create, or only replace. */
export type WriteMode = 'always' | 'if-absent' | 'if-exists';

/** Options of `Source.put`. */
export interface PutOptions {
  /** Default `always`. */
  readonly mode?: WriteMode;
  /** Write only if the stored block has this hash (hex string or 32 bytes). */
  readonly ifHash?: string | Uint8Array;
}

/** Options of `Source.delete`. */
export interface DeleteOptions {
  /** Delete only if the stored block has this hash. */
  readonly ifHash?: string | Uint8Array;
}

/** One operation of a batch pipeline. */
export type SourceOp =
  | ({ readonly op: 'put'; readonly key: Key; readonly block: Block } & PutOptions)
  | ({ readonly op: 'delete'; readonly key: Key } & DeleteOptions);

/** One operation of `Source.transact`: a put, a delete, or a get read inside the transaction. */
export type TransactOp = SourceOp | { readonly op: 'get'; readonly key: Key };

/** Result of one `Source.transact` operation: the block (or undefined) for a get, else as `Source.write`. */
export type TransactResult = boolean | Block | undefined;

/** Options of `Source.list`: the range of `entries`, one page of at most `limit` (1 to 10,000; default 1,000). */
export type ListOptions<E extends KeyEncoding = KeyEncoding> = Omit<EntriesOptions<E>, 'borrow'>;

/** Options of {@link Source.getSync}. */
export interface GetSyncOptions {
  /** The block may be a view of the engine's read buffer, valid until the next read and not cached (default false). */
  readonly borrow?: boolean;
}

/** A listed block: its key and header facts. */
export interface ListedBlock<K extends Key = string> {
  readonly key: K;
  readonly type: CellType;
  readonly shape: number[];
  readonly byteLength: number;
  readonly hash: string;
}

/** One page of a listing; `cursor` is absent on the last page. */
export interface ListPage<K extends Key = string> {
  readonly items: ListedBlock<K>[];
  readonly cursor?: string;
}

/** The listing page type for a key encoding. */
export type ListPageOf<E extends KeyEncoding | undefined> = ListPage<KeyOf<E>>;

/** Default page size of `Source.list`. */
export const LIST_DEFAULT_LIMIT = 1000;
/** Largest page size of `Source.list`. */
export const LIST_MAX_LIMIT = 10_000;

/** Checks a page size: an integer from 1 to {@link LIST_MAX_LIMIT}. */
export function checkLimit(limit: unknown): number {
  if (limit === undefined) return LIST_DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw new KeeprError('ARGUMENT_INVALID', `limit must be an integer from 1 to ${LIST_MAX_LIMIT}`, { details: { argument: 'limit' } });
  }
  return limit;
}

/** The expected hash as 32 bytes, from hex or bytes (`ARGUMENT_INVALID` otherwise). */
export function hashBytes(hash: string | Uint8Array): Uint8Array {
  if (hash instanceof Uint8Array && hash.length === 32) return hash;
  if (typeof hash === 'string' && /^[0-9a-f]{64}$/i.test(hash)) return new Uint8Array(Buffer.from(hash, 'hex'));
  throw new KeeprError('ARGUMENT_INVALID', 'ifHash must be 64 hex digits or 32 bytes');
}
