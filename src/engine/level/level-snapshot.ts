/**
 * Reads shared by the LevelDB engine and its snapshots, and the snapshot class: a LevelDB
 * snapshot plus the namespace names of that moment.
 */
import type { Snapshot } from 'classic-level';
import { EngineSnapshot, type EngineCapabilities, type EngineEntry, type NormalizedRange } from '../engine.js';
import { KeeprError } from '../../errors.js';
import { settle } from '../sync-adapters.js';
import type { LevelDb } from './level-commit.js';
import { entryKey, namespacePrefix, plain } from './level-keys.js';
import { levelRange } from './level-range.js';

/** The error for a namespace that does not exist. */
export function namespaceNotFound(namespace: string): KeeprError {
  return new KeeprError('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist`, { details: { namespace } });
}

/** The key prefix of `namespace` when it is one of `names`; else `NAMESPACE_NOT_FOUND`. */
export function prefixIn(names: ReadonlySet<string>, namespace: string): Uint8Array {
  if (!names.has(namespace)) throw namespaceNotFound(namespace);
  return namespacePrefix(namespace);
}

/** Reads one LevelDB key (a full key), as a caller-owned array. */
export type ReadKey = (key: Uint8Array) => Uint8Array | undefined;

/** Point reads of one database or snapshot of it (synchronous: LevelDB's `getSync`). */
export class LevelReads {
  readonly #read: ReadKey;

  /** Reads through `read`, or of `db` at `snapshot`. */
  constructor(read: ReadKey);
  constructor(db: LevelDb, snapshot: Snapshot);
  constructor(source: LevelDb | ReadKey, snapshot?: Snapshot) {
    if (typeof source === 'function') {
      this.#read = source;
    } else {
      const options = { snapshot: snapshot! };
      this.#read = (key) => {
        const value = source.getSync<Uint8Array, Uint8Array>(key, options);
        return value === undefined ? undefined : plain(value);
      };
    }
  }

  /** The value under `key` in the namespace with this prefix, as a caller-owned array. */
  get(prefix: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.#read(entryKey(prefix, key));
  }

  /** Values of many keys. */
  getMany(prefix: Uint8Array, keys: readonly Uint8Array[]): (Uint8Array | undefined)[] {
    return keys.map((key) => this.get(prefix, key));
  }
}

/** A LevelDB snapshot with the namespace names of its moment. */
export class LevelSnapshot extends EngineSnapshot {
  /** Capabilities of the engine this snapshot came from. */
  readonly supports: EngineCapabilities;
  readonly #db: LevelDb;
  #snapshot: Snapshot | undefined;
  readonly #names: ReadonlySet<string>;
  readonly #reads: LevelReads;
  readonly #onClose: (snapshot: LevelSnapshot) => void;

  /** Wraps `snapshot` of `db`; `names` must not change afterwards; `onClose` tells the engine. */
  constructor(supports: EngineCapabilities, db: LevelDb, snapshot: Snapshot, names: ReadonlySet<string>, onClose: (snapshot: LevelSnapshot) => void) {
    super();
    this.supports = supports;
    this.#db = db;
    this.#snapshot = snapshot;
    this.#names = names;
    this.#reads = new LevelReads(db, snapshot);
    this.#onClose = onClose;
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected override _get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return settle(() => this.#reads.get(prefixIn(this.#names, namespace), key));
  }

  protected override _getMany(namespace: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return settle(() => this.#reads.getMany(prefixIn(this.#names, namespace), keys));
  }

  protected override _has(namespace: string, key: Uint8Array): Promise<boolean> {
    return settle(() => this.#reads.get(prefixIn(this.#names, namespace), key) !== undefined);
  }

  protected override _range(namespace: string, range: NormalizedRange): AsyncIterable<EngineEntry> {
    return levelRange({ db: this.#db, snapshot: this.#snapshot, guard: this.#guard, prefix: () => prefixIn(this.#names, namespace) }, range);
  }

  protected async _close(): Promise<void> {
    const snapshot = this.#snapshot;
    this.#snapshot = undefined;
    this.#onClose(this);
    // Closing after the database closed is harmless (the database released it already).
    await snapshot?.close().catch(() => undefined);
  }
}
