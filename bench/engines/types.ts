/**
 * The small interface each contender family (keepr, raw lmdb, classic-level, better-sqlite3)
 * implements. Values are 1 KiB keepr blocks: keepr stores the `Block`, peers its `bytes`.
 */
import type { Entry } from '../lib/data.js';

/** A point read; returns the stored value's bytes (for keepr: the block's bytes). */
export type Reader =
  | { readonly kind: 'sync'; readonly get: (key: string) => Uint8Array | undefined }
  | { readonly kind: 'async'; readonly get: (key: string) => Promise<Uint8Array | undefined> };

/** Called for every entry of a scan, in key order. */
export type Visit = (key: string | Uint8Array, value: Uint8Array) => void;

/** A full scan of everything stored, in key order; returns the number of entries visited. */
export type Scanner = { readonly kind: 'sync'; readonly scan: (visit: Visit) => number } | { readonly kind: 'async'; readonly scan: (visit: Visit) => Promise<number> };

/** One contender family. */
export interface Adapter {
  /** Family name: `keepr`, `lmdb`, `level`, `sqlite`. */
  readonly family: string;
  /** Opens (creating) a store in the empty directory `dir`. */
  open(dir: string): Promise<void>;
  /** Writes all entries in one transaction, durable on disk before it resolves. */
  writeBatch(entries: readonly Entry[]): Promise<void>;
  /** Writes one entry in its own transaction, durable on disk before it resolves. */
  put(entry: Entry): Promise<void>;
  /** A point-read method by name (see each adapter's `readers`). */
  reader(method: string): Reader;
  /** A scan method by name (see each adapter's `scanners`). */
  scanner(method: string): Scanner;
  /**
   * Payload bytes seen through the family's typed access (keepr: `block.data().length`), to prove
   * the values read are usable; peers count their raw value length.
   */
  readonly touched: number;
  close(): Promise<void>;
}

/** Thrown for a method an adapter does not have. */
export function unknownMethod(family: string, kind: string, method: string): Error {
  return new Error(`${family} has no ${kind} method ${JSON.stringify(method)}`);
}
