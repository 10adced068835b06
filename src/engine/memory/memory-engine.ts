/**
 * The in-memory engine: one sorted B+tree per namespace, nothing on disk. Useful for tests and
 * caches; data is gone when the engine closes.
 */
import {
  Engine,
  type EngineCapabilities,
  type EngineEntry,
  type EngineSnapshot,
  type EngineStats,
  type NormalizedRange,
  type WriteOp,
  type WriteOutcome,
} from '../engine.js';
import { KeeprError } from '../../errors.js';
import { settle } from '../sync-adapters.js';
import { applyBatch, type WritableNamespace } from './memory-batch.js';
import { resolveMemoryEngineConfig, type MemoryEngineConfig, type ResolvedMemoryEngineConfig } from './memory-engine-config.js';
import { BTree } from '../../util/btree.js';
import {
  MemorySnapshot,
  copyValue,
  namespaceNotFound,
  newKeyTree,
  rangeTree,
  type KeyTree,
  type NamespaceState,
  type NamespaceTree,
} from './memory-snapshot.js';

const MEMORY_CAPABILITIES: EngineCapabilities = Object.freeze({
  persistent: false,
  syncReads: true,
  multiProcess: false,
  hotBackup: false,
  maxKeyBytes: 1024,
});

/**
 * Engine keeping everything in sorted B+trees (`sorted-btree`). Keys and values are copied on
 * the way in and on the way out, so callers own every buffer they pass or receive. Snapshots
 * are O(1): a copy-on-write clone of the namespace tree plus a generation bump.
 */
export class MemoryEngine extends Engine {
  /** Engine name. */
  readonly name = 'memory';
  /** Memory engine capabilities: volatile, synchronous reads, single process. */
  readonly supports: EngineCapabilities = MEMORY_CAPABILITIES;
  /** Validated configuration. */
  readonly config: ResolvedMemoryEngineConfig;
  /** Nothing reaches a disk. */
  readonly durability = 'transient';
  #namespaces: NamespaceTree | undefined;
  // A namespace state whose `gen` is below this may be shared with a snapshot: clone before writing.
  #gen = 0;
  readonly #snapshots = new Set<MemorySnapshot>();

  /** Creates a closed engine; throws `OPTION_INVALID` for a bad config. */
  constructor(config: MemoryEngineConfig = {}) {
    super();
    this.config = resolveMemoryEngineConfig(config);
  }

  protected _open(): Promise<void> {
    this.#namespaces = new BTree<string, NamespaceState>();
    this.#gen = 0;
    return Promise.resolve();
  }

  protected async _close(): Promise<void> {
    // Snapshots die with the engine, as they do for engines whose snapshots hold resources.
    await Promise.all([...this.#snapshots].map((snapshot) => snapshot.close()));
    this.#namespaces = undefined;
  }

  #live(): NamespaceTree {
    if (this.#namespaces === undefined) throw new KeeprError('STORE_CLOSED', 'the memory engine is closed');
    return this.#namespaces;
  }

  #tree(namespace: string): KeyTree {
    const state = this.#live().get(namespace);
    if (state === undefined) throw namespaceNotFound(namespace);
    return state.tree;
  }

  /** The state of `namespace`, cloned first when a snapshot may still see the current one. */
  readonly #writable: WritableNamespace = (namespaces, namespace) => {
    const state = namespaces.get(namespace)!;
    if (state.gen === this.#gen) return state;
    const own: NamespaceState = { tree: state.tree.clone(), gen: this.#gen, bytes: state.bytes };
    namespaces.set(namespace, own);
    return own;
  };

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected _createNamespace(name: string): Promise<void> {
    return settle(() => {
      const namespaces = this.#live();
      if (!namespaces.has(name)) namespaces.set(name, { tree: newKeyTree(this.config.nodeSize), gen: this.#gen, bytes: 0 });
    });
  }

  protected _dropNamespace(name: string): Promise<boolean> {
    return settle(() => this.#live().delete(name));
  }

  protected _hasNamespace(name: string): Promise<boolean> {
    return settle(() => this.#live().has(name));
  }

  protected _listNamespaces(): Promise<string[]> {
    return settle(() => this.#live().keysArray());
  }

  protected override _getSync(namespace: string, key: Uint8Array): Uint8Array | undefined {
    return copyValue(this.#tree(namespace).get(key));
  }

  protected override _hasSync(namespace: string, key: Uint8Array): boolean {
    return this.#tree(namespace).has(key);
  }

  protected override _rangeSync(namespace: string, range: NormalizedRange): Iterable<EngineEntry> {
    // Iterate an O(1) clone so writes made while the caller iterates cannot disturb the walk.
    return rangeTree(this.#tree(namespace).clone(), range, this.#guard);
  }

  // Runs synchronously inside write(): concurrent writes apply in call order, and nothing can
  // interleave between the checks and the updates.
  protected _write(ops: readonly WriteOp[]): Promise<WriteOutcome> {
    return settle(() => applyBatch(this.#live(), ops, this.#writable));
  }

  protected _snapshot(): Promise<EngineSnapshot> {
    return settle(() => {
      const snapshot = new MemorySnapshot(this.supports, this.#live().clone(), this.#release);
      this.#gen++;
      this.#snapshots.add(snapshot);
      return snapshot;
    });
  }

  readonly #release = (snapshot: MemorySnapshot): void => {
    this.#snapshots.delete(snapshot);
  };

  protected _stats(): Promise<EngineStats> {
    return settle(() => {
      let byteLength = 0;
      let entries = 0;
      const namespaces = this.#live();
      for (const state of namespaces.values()) {
        byteLength += state.bytes;
        entries += state.tree.size;
      }
      return {
        engine: this.name,
        path: undefined,
        byteLength,
        namespaces: namespaces.size,
        extra: { entries, snapshots: this.#snapshots.size },
      };
    });
  }
}
