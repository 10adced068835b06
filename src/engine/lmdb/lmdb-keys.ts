/**
 * Key layout of the single LMDB database and registry reads, shared by the LMDB engine, its
 * snapshots, batches and checks:
 *   [00 00 00 00 00 01]           -> next namespace id (u32 BE)
 *   [00 00 00 00 00 02]           -> registry generation (u32 BE), bumped by every drop
 *   [00 00 00 00 01] + name       -> namespace id (u32 BE)
 *   [id u32 BE] + user key        -> value, for ids 1 to 0xFFFFFFFE
 * Namespaces are key prefixes rather than LMDB named databases, so their number is unbounded.
 */
import type { RootDatabase, Transaction } from 'lmdb';
import { KeeprError } from '../../errors.js';

/** The one LMDB database keepr uses: binary keys, binary values. */
export type KeeprLmdb = RootDatabase<Uint8Array, Uint8Array>;

/** Bytes of the namespace id prefix. */
export const ID_BYTES = 4;
/** First id handed to a namespace (0 is the registry). */
export const FIRST_NAMESPACE_ID = 1;
/** Last id a namespace may get, so `id + 1` still bounds its range. */
export const MAX_NAMESPACE_ID = 0xfffffffe;
/** First key of the registry. */
export const REGISTRY_START = Buffer.from([0, 0, 0, 0]);
/** Registry key of the namespace id counter. */
export const REGISTRY_COUNTER_KEY = Buffer.from([0, 0, 0, 0, 0, 1]);
/** Registry key of the generation: other processes compare it to notice drops. */
export const REGISTRY_GENERATION_KEY = Buffer.from([0, 0, 0, 0, 0, 2]);
/** First registry key of the name entries. */
export const REGISTRY_NAMES_START = Buffer.from([0, 0, 0, 0, 1]);
/** Bound just past the registry name entries. */
export const REGISTRY_NAMES_END = Buffer.from([0, 0, 0, 0, 2]);

/** A u32 as 4 big-endian bytes. */
export function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

/** Registry key of a namespace name (names are printable ASCII, so latin1 equals UTF-8). */
export function registryNameKey(name: string): Buffer {
  return Buffer.concat([REGISTRY_NAMES_START, Buffer.from(name, 'latin1')]);
}


/** The error for a namespace that does not exist. */
export function namespaceNotFound(namespace: string): KeeprError {
  return new KeeprError('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist`, { details: { namespace } });
}

/** Decodes a stored u32 (ids and the counter). */
export function readU32(raw: Uint8Array, what: string): number {
  if (raw.length !== 4) throw new KeeprError('ENGINE_FAILURE', `lmdb registry entry ${what} is corrupt`);
  return ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0;
}

/**
 * Id of a namespace from the registry, or undefined. Reads through `transaction` when given;
 * inside a write transaction callback lmdb-js reads the write transaction itself.
 */
export function readNamespaceId(db: KeeprLmdb, name: string, transaction?: Transaction): number | undefined {
  const raw = transaction === undefined ? db.getBinary(registryNameKey(name)) : db.get(registryNameKey(name), { transaction });
  return raw === undefined ? undefined : readU32(raw, name);
}

/**
 * Prefixed keys of one namespace. `key()` copies the user key after the prefix in a scratch
 * buffer and returns a cached view of the right length: no allocation per read. The view is
 * only valid until the next call, which is enough because lmdb copies keys synchronously.
 */
export class NamespaceKeys {
  /** Namespace id. */
  readonly id: number;
  /** First key of the namespace (its bare prefix). */
  readonly start: Buffer;
  /** First key past the namespace (the next id's prefix). */
  readonly end: Buffer;
  readonly #scratch: Buffer;
  readonly #views: (Buffer | undefined)[] = [];

  /** Keys for namespace `id`, with room for keys up to `maxKeyBytes`. */
  constructor(id: number, maxKeyBytes: number) {
    this.id = id;
    this.start = u32(id);
    this.end = u32(id + 1);
    // +1: range bounds may be one byte longer than any key.
    this.#scratch = Buffer.alloc(ID_BYTES + maxKeyBytes + 1);
    this.start.copy(this.#scratch, 0);
  }

  /** The prefixed key in the shared scratch buffer; valid until the next call. */
  key(userKey: Uint8Array): Buffer {
    const length = userKey.length;
    this.#scratch.set(userKey, ID_BYTES);
    let view = this.#views[length];
    if (view === undefined) {
      view = this.#scratch.subarray(0, ID_BYTES + length);
      this.#views[length] = view;
    }
    return view;
  }

  /** A new buffer holding the prefixed key (for bounds lmdb keeps until iteration starts). */
  fresh(userKey: Uint8Array): Buffer {
    return Buffer.concat([this.start, userKey]);
  }
}
