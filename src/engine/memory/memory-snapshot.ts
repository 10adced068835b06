/**
 * B+tree storage shared by the memory engine and its snapshots: the tree types, copy-on-write
 * namespace state, range iteration, and the snapshot class itself.
 */
import { EngineSnapshot, type EngineCapabilities, type EngineEntry, type NormalizedRange } from '../engine.js';
import { KeeprError } from '../../errors.js';
import { BTree, type BTreeOf } from '../../util/btree.js';
import { compareBytes, copyBytes } from '../../util/bytes.js';

/** Entries of one namespace, ordered bytewise. */
export type KeyTree = BTreeOf<Uint8Array, Uint8Array>;

/** One namespace: its tree, the snapshot generation that owns it, and its payload bytes. */
export interface NamespaceState {
  readonly tree: KeyTree;
  /** Engine generation this state belongs to; an older one may be shared with a snapshot. */
  readonly gen: number;
  /** Sum of key and value lengths, for stats. */
  bytes: number;
}

/** All namespaces by name; strings of printable ASCII sort like their UTF-8 bytes. */
export type NamespaceTree = BTreeOf<string, NamespaceState>;

/** A new empty key tree with bytewise order. */
export function newKeyTree(nodeSize: number): KeyTree {
  return new BTree<Uint8Array, Uint8Array>(undefined, compareBytes, nodeSize);
}

/** A caller-owned copy of a stored value (stored values are never handed out). */
export function copyValue(value: Uint8Array | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : copyBytes(value);
}

/** The error for a namespace that does not exist. */
export function namespaceNotFound(namespace: string): KeeprError {
  return new KeeprError('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist`, { details: { namespace } });
}

/**
 * Entries of `tree` within `range`, as copies. `tree` must not change while iterating: callers
 * pass an O(1) `clone()` or a tree only a snapshot can reach. `guard` runs before each step so
 * an iterator outliving its engine or snapshot fails the same way as a fresh read.
 */
export function* rangeTree(tree: KeyTree, range: NormalizedRange, guard: () => void): Generator<EngineEntry, void, undefined> {
  guard();
  if (range.limit === 0) return;
  const { lower, lowerInclusive, upper, upperInclusive, limit } = range;
  let count = 0;
  if (!range.reverse) {
    for (const [key, value] of tree.entries(lower)) {
      guard();
      if (upper !== undefined) {
        const c = compareBytes(key, upper);
        if (c > 0 || (c === 0 && !upperInclusive)) return;
      }
      if (lower !== undefined && !lowerInclusive && compareBytes(key, lower) === 0) continue;
      yield { key: copyBytes(key), value: copyBytes(value) };
      if (++count >= limit) return;
    }
  } else {
    for (const [key, value] of tree.entriesReversed(upper, undefined, upper !== undefined && !upperInclusive)) {
      guard();
      if (lower !== undefined) {
        const c = compareBytes(key, lower);
        if (c < 0 || (c === 0 && !lowerInclusive)) return;
      }
      yield { key: copyBytes(key), value: copyBytes(value) };
      if (++count >= limit) return;
    }
  }
}

/**
 * A memory snapshot: an O(1) copy-on-write clone of the namespace tree. The engine bumps its
 * generation when a snapshot is taken and clones a namespace's tree before its next write, so
 * nothing reachable from here ever changes.
 */
export class MemorySnapshot extends EngineSnapshot {
  /** Capabilities of the engine this snapshot came from. */
  readonly supports: EngineCapabilities;
  #namespaces: NamespaceTree | undefined;
  readonly #onClose: (snapshot: MemorySnapshot) => void;

  /** Wraps a cloned namespace tree; `onClose` tells the engine it was released. */
  constructor(supports: EngineCapabilities, namespaces: NamespaceTree, onClose: (snapshot: MemorySnapshot) => void) {
    super();
    this.supports = supports;
    this.#namespaces = namespaces;
    this.#onClose = onClose;
  }

  #tree(namespace: string): KeyTree {
    const state = this.#namespaces?.get(namespace);
    if (state === undefined) throw namespaceNotFound(namespace);
    return state.tree;
  }

  readonly #guard = (): void => {
    this.assertReadable();
  };

  protected override _getSync(namespace: string, key: Uint8Array): Uint8Array | undefined {
    return copyValue(this.#tree(namespace).get(key));
  }

  protected override _hasSync(namespace: string, key: Uint8Array): boolean {
    return this.#tree(namespace).has(key);
  }

  protected override _rangeSync(namespace: string, range: NormalizedRange): Iterable<EngineEntry> {
    return rangeTree(this.#tree(namespace), range, this.#guard);
  }

  protected _close(): Promise<void> {
    this.#namespaces = undefined;
    this.#onClose(this);
    return Promise.resolve();
  }
}
