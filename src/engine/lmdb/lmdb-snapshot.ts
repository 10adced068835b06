/** An LMDB engine snapshot: one held LMDB read transaction. */
import type { Transaction } from 'lmdb';
import { EngineSnapshot, type EngineCapabilities, type EngineEntry, type NormalizedRange } from '../engine.js';
import { engineFailure } from './io-errors.js';
import { NamespaceKeys, namespaceNotFound, readNamespaceId, type KeeprLmdb } from './lmdb-keys.js';
import { rangeEntries, releaseIterators } from './lmdb-range.js';
import { borrowedValue, ownedValue } from './lmdb-values.js';

/**
 * A snapshot: one LMDB read transaction held until `close()`. Namespaces are resolved through
 * that transaction too, so the registry is seen as of the snapshot.
 */
export class LmdbSnapshot extends EngineSnapshot {
  /** Capabilities of the engine this snapshot came from. */
  readonly supports: EngineCapabilities;
  readonly #db: KeeprLmdb;
  readonly #transaction: Transaction;
  readonly #options: { transaction: Transaction };
  readonly #keys = new Map<string, NamespaceKeys>();
  readonly #live = new Set<Iterator<unknown>>();
  readonly #onClose: (snapshot: LmdbSnapshot) => void;

  /** Wraps a read transaction from `useReadTransaction()`; `onClose` tells the engine. */
  constructor(supports: EngineCapabilities, db: KeeprLmdb, transaction: Transaction, onClose: (snapshot: LmdbSnapshot) => void) {
    super();
    this.supports = supports;
    this.#db = db;
    this.#transaction = transaction;
    this.#options = { transaction };
    this.#onClose = onClose;
  }

  #namespace(name: string): NamespaceKeys {
    let keys = this.#keys.get(name);
    if (keys === undefined) {
      const id = readNamespaceId(this.#db, name, this.#transaction);
      if (id === undefined) throw namespaceNotFound(name);
      keys = new NamespaceKeys(id, this.supports.maxKeyBytes);
      this.#keys.set(name, keys);
    }
    return keys;
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected override _getSync(namespace: string, key: Uint8Array, borrow = false): Uint8Array | undefined {
    const keys = this.#namespace(namespace);
    try {
      const full = keys.key(key);
      const stored = this.#db.get(full, this.#options);
      if (stored === undefined) return undefined;
      return borrow ? borrowedValue(full, stored) : ownedValue(full, stored);
    } catch (err) {
      throw engineFailure(err, 'get');
    }
  }

  protected override _rangeSync(namespace: string, range: NormalizedRange, borrow = false): Iterable<EngineEntry> {
    return rangeEntries(this.#db, this.#namespace(namespace), range, { transaction: this.#transaction, borrow }, this.#guard, this.#live);
  }

  protected _close(): Promise<void> {
    // Cursors first: they hold references on the transaction that done() releases.
    releaseIterators(this.#live);
    this.#transaction.done();
    this.#onClose(this);
    return Promise.resolve();
  }
}
