/**
 * A versioned, tamper-evident key → value map: several named trees under one state root,
 * a commit per height, reads and proofs at any retained height. Writes collect in the working
 * height (in memory, with savepoints) and `commit()` seals them in ONE engine transaction:
 * changed values, bucket entries, changed tree nodes, the height record and the meta record.
 */
import { Block } from '../block/block.js';
import type { Engine, WriteOp } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { MerkleTree, changedGroups, type PathChange } from './merkle-tree.js';
import { keyPath, sameHash, stateRoot, valueHash, type ValueKind } from './state-hash.js';
import {
  MAX_HEIGHT,
  MAX_STATE_KEY_BYTES,
  META_KEY,
  TAG,
  encodeEntry,
  encodeHeight,
  encodeGroup,
  entryHash,
  entryKey,
  entryPrefix,
  heightKey,
  decodeEntry,
  keyPathOfEntry,
  keyIndexKey,
  groupPrefix,
  treePrefix,
  versionOf,
  versioned,
} from './state-records.js';
import { StateView, keyBytes, toStateValue, versionAt, type StateContext, type StateValue } from './state-view.js';
import { readMeta, writeMeta, type StateMeta } from './state-meta.js';

/** What a commit produced. */
export interface CommitResult {
  readonly height: number;
  /** The state root (hex in `rootHex`). */
  readonly root: Uint8Array;
  readonly rootHex: string;
  /** Roots of every tree, by name. */
  readonly trees: Record<string, string>;
  /** Number of changed keys sealed at this height. */
  readonly changes: number;
}

/** A working change, encoded when made (later changes to the caller's buffers do not leak in). */
interface Change {
  readonly key: Uint8Array;
  readonly kh: Uint8Array;
  readonly kind: ValueKind | 'deleted';
  /** The value hash; undefined for a deletion. */
  readonly vh: Uint8Array | undefined;
  /** The entry record value to store. */
  readonly record: Uint8Array;
}

const EMPTY = new Uint8Array(0);

type Working = Map<string, Map<string, Change>>;

const TREE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkTree(tree: unknown): asserts tree is string {
  if (typeof tree !== 'string' || !TREE_NAME.test(tree)) {
    throw new KeeprError('NAME_INVALID', 'tree names are 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit', { details: { name: String(tree) } });
  }
}

const utf8 = new TextEncoder();

/** The bytes of a valid key (a string's UTF-8). */
function checkKey(key: unknown): Uint8Array {
  const bytes = typeof key === 'string' ? utf8.encode(key) : key;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > MAX_STATE_KEY_BYTES) {
    throw new KeeprError('STATE_KEY_INVALID', `state keys are 1 to ${MAX_STATE_KEY_BYTES} bytes (a string or a Uint8Array)`);
  }
  return bytes;
}

function asStored(value: unknown): { kind: ValueKind; bytes: Uint8Array } {
  if (value instanceof Block) return { kind: 'block', bytes: value.bytes };
  if (value instanceof Uint8Array) return { kind: 'bytes', bytes: value };
  throw new KeeprError('ARGUMENT_INVALID', 'state values are Blocks or Uint8Arrays');
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const mapKey = (kh: Uint8Array): string => Buffer.from(kh.buffer, kh.byteOffset, kh.byteLength).toString('latin1');

/** A named versioned state. Get one from `openState(store, name)`. */
export class VersionedState {
  /** The state name. */
  readonly name: string;
  readonly #engine: Engine;
  readonly #ns: string;
  #meta: StateMeta;
  readonly #trees = new Map<number, MerkleTree>();
  #working: Working = new Map();
  #workingHeight: number;
  #savepoints: Working[] = [];

  /** @internal Use `openState`. */
  constructor(engine: Engine, name: string, namespace: string, meta: StateMeta) {
    this.#engine = engine;
    this.name = name;
    this.#ns = namespace;
    this.#meta = meta;
    this.#workingHeight = meta.latest === undefined ? 0 : meta.latest + 1;
  }

  /** The last committed height, or undefined before the first commit. */
  get latest(): number | undefined {
    return this.#meta.latest;
  }

  /** The height the working changes will be committed at. */
  get workingHeight(): number {
    return this.#workingHeight;
  }

  /** The first height still readable (earlier ones were pruned). */
  get prunedBefore(): number {
    return this.#meta.prunedBefore;
  }

  /** Names of the trees this state has. */
  get treeNames(): string[] {
    return Object.keys(this.#meta.trees).sort();
  }

  /** @internal Engine and namespace facts for views, audit and pruning. */
  get context(): StateContext {
    const meta = this.#meta;
    return {
      engine: this.#engine,
      namespace: this.#ns,
      prunedBefore: meta.prunedBefore,
      treeId: (name) => meta.trees[name],
      treeNames: () => new Map(Object.entries(meta.trees).map(([n, id]) => [id, n])),
    };
  }

  /**
   * Starts the working height over at `height`: the next height (the default), or a committed
   * one to re-apply its change set (an identical commit is a no-op; a different one fails).
   */
  begin(height: number = this.#meta.latest === undefined ? 0 : this.#meta.latest + 1): void {
    const next = this.#meta.latest === undefined ? 0 : this.#meta.latest + 1;
    // Re-applying a height compares it with the height before, which must still be readable.
    const lowest = this.#meta.prunedBefore === 0 ? 0 : Math.min(this.#meta.prunedBefore + 1, next);
    if (!Number.isInteger(height) || height < lowest || height > next || height > MAX_HEIGHT) {
      throw new KeeprError('STATE_HEIGHT_INVALID', `the working height can be ${lowest} to ${next}, not ${height}`, { details: { height } });
    }
    this.#working = new Map();
    this.#savepoints = [];
    this.#workingHeight = height;
  }

  /** Sets `key` in `tree` at the working height. */
  async put(tree: string, key: Uint8Array | string, value: StateValue): Promise<void> {
    checkTree(tree);
    const k = typeof key === 'string' ? checkKey(key) : new Uint8Array(checkKey(key));
    const { kind, bytes } = asStored(value);
    const vh = valueHash(kind, bytes);
    this.#change(tree, { key: k, kh: keyPath(k), kind, vh, record: encodeEntry(kind, vh, bytes) });
  }

  /** Deletes `key` from `tree` at the working height. */
  async delete(tree: string, key: Uint8Array | string): Promise<void> {
    checkTree(tree);
    const k = typeof key === 'string' ? checkKey(key) : new Uint8Array(checkKey(key));
    this.#change(tree, { key: k, kh: keyPath(k), kind: 'deleted', vh: undefined, record: encodeEntry('deleted', undefined, undefined) });
  }

  /** The value at the working height: its uncommitted writes, else the height before. */
  async get(tree: string, key: Uint8Array | string): Promise<StateValue | undefined> {
    checkTree(tree);
    const k = checkKey(key);
    const change = this.#working.get(tree)?.get(mapKey(keyPath(k)));
    if (change !== undefined) return change.kind === 'deleted' ? undefined : toStateValue(change.kind, decodeEntry(change.record).value!);
    return this.#workingHeight === 0 ? undefined : this.at(this.#workingHeight - 1).get(tree, k);
  }

  /** Marks the working changes so far; `rollback(savepoint)` returns to them. */
  savepoint(): number {
    this.#savepoints.push(new Map([...this.#working].map(([t, m]) => [t, new Map(m)])));
    return this.#savepoints.length - 1;
  }

  /** Undoes the working changes made since `savepoint` (default: all of them). */
  rollback(savepoint?: number): void {
    if (savepoint === undefined) {
      this.#working = new Map();
      this.#savepoints = [];
      return;
    }
    const saved = this.#savepoints[savepoint];
    if (!Number.isInteger(savepoint) || saved === undefined) {
      throw new KeeprError('STATE_SAVEPOINT_UNKNOWN', `no savepoint ${String(savepoint)} in this working height`, { details: { savepoint } });
    }
    this.#working = new Map([...saved].map(([t, m]) => [t, new Map(m)]));
    this.#savepoints.length = savepoint + 1;
  }

  /** A read-only view at a committed height. */
  at(height: number): StateView {
    if (!Number.isInteger(height) || height < 0) throw new KeeprError('STATE_HEIGHT_INVALID', `heights are non-negative integers, not ${height}`, { details: { height } });
    return new StateView(this.context, height);
  }

  /** Committed heights and their roots, oldest first (from `prunedBefore` on). */
  async heights(): Promise<{ height: number; root: string }[]> {
    const out: { height: number; root: string }[] = [];
    for await (const { key, value } of this.#engine.range(this.#ns, { prefix: Uint8Array.of(TAG.height) })) {
      const height = ((key[1]! << 24) | (key[2]! << 16) | (key[3]! << 8) | key[4]!) >>> 0;
      out.push({ height, root: hex(value.subarray(0, 32)) });
    }
    return out;
  }

  /** Seals the working height in one transaction and returns its height and roots. */
  async commit(): Promise<CommitResult> {
    const height = this.#workingHeight;
    if (this.#meta.latest !== undefined && height <= this.#meta.latest) return this.#recommit(height);
    const meta: StateMeta = { ...this.#meta, trees: { ...this.#meta.trees } };
    const previous = this.#meta.latest === undefined ? new Map<number, Uint8Array>() : (await this.at(this.#meta.latest).record()).trees;
    const roots = new Map(previous);
    const ops: WriteOp[] = [];
    const deltas: [MerkleTree, ReturnType<MerkleTree['stage']>][] = [];
    let changes = 0;
    for (const [treeName, treeChanges] of [...this.#working].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let id = meta.trees[treeName];
      if (id === undefined) {
        id = Object.keys(meta.trees).length + 1;
        meta.trees[treeName] = id;
      }
      const tree = await this.#tree(id);
      const paths: PathChange[] = [];
      for (const { key, kh, vh, record } of treeChanges.values()) {
        const current = tree.valueHash(kh);
        // Only effective changes are stored: a put of the value already there writes nothing.
        if (vh === undefined ? current === undefined : current !== undefined && sameHash(current, vh)) continue;
        paths.push({ kh, vh });
        ops.push({ type: 'put', namespace: this.#ns, key: entryKey(id, kh, height), value: record });
        // A key that gets a value while absent joins the key index (again, if it was deleted).
        if (current === undefined) ops.push({ type: 'put', namespace: this.#ns, key: keyIndexKey(id, key), value: EMPTY });
      }
      changes += paths.length;
      const delta = tree.stage(paths);
      for (const [level, index, hashes] of changedGroups(tree, delta)) {
        ops.push({ type: 'put', namespace: this.#ns, key: versioned(groupPrefix(id, level, index), height), value: encodeGroup(hashes) });
      }
      roots.set(id, delta.root);
      deltas.push([tree, delta]);
    }
    const names = new Map(Object.entries(meta.trees).map(([n, id]) => [n, roots.get(id) ?? new Uint8Array(32)]));
    const root = stateRoot(names);
    meta.latest = height;
    ops.push({ type: 'put', namespace: this.#ns, key: heightKey(height), value: encodeHeight({ root, changes, trees: roots }) });
    // Another process committing to this state meanwhile would make our trees stale: check.
    const expected = this.#meta.latest;
    ops.push({ type: 'check', namespace: this.#ns, key: META_KEY, test: (raw) => readMeta(raw).latest === expected });
    ops.push(writeMeta(this.#ns, meta));
    // Every buffer in ops was built above for this batch alone: hand them over uncopied.
    const outcome = await this.#engine.write(ops, { owned: true });
    if (!outcome.committed) {
      throw new KeeprError('STATE_HEIGHT_EXISTS', `another writer committed state ${this.name} meanwhile; reopen it`, { details: { height } });
    }
    for (const [tree, delta] of deltas) tree.apply(delta);
    this.#meta = meta;
    this.#working = new Map();
    this.#savepoints = [];
    this.#workingHeight = height + 1;
    return { height, root, rootHex: hex(root), trees: Object.fromEntries([...names].map(([n, r]) => [n, hex(r)])), changes };
  }

  /** Re-applying a committed height: same effective changes → its stored result; else an error. */
  async #recommit(height: number): Promise<CommitResult> {
    const view = this.at(height);
    const record = await view.record();
    let changes = 0;
    const differs = (): KeeprError => new KeeprError('STATE_HEIGHT_EXISTS', `height ${height} was committed with other changes`, { details: { height } });
    for (const [treeName, treeChanges] of this.#working) {
      const id = this.#meta.trees[treeName];
      for (const { kh, vh } of treeChanges.values()) {
        const before = height === 0 || id === undefined ? undefined : await this.#valueHashAt(id, kh, height - 1);
        if (vh === undefined ? before === undefined : before !== undefined && sameHash(before, vh)) continue;
        changes++;
        const at = id === undefined ? undefined : await versionAt(this.context, entryPrefix(id, kh), height);
        if (at === undefined || versionOf(at.key) !== height) throw differs();
        const stored = entryHash(at.value);
        if (vh === undefined ? stored !== undefined : stored === undefined || !sameHash(stored, vh)) throw differs();
      }
    }
    if (changes !== record.changes) throw differs();
    this.#working = new Map();
    this.#savepoints = [];
    this.#workingHeight = (this.#meta.latest ?? height) + 1;
    const names = await view.trees();
    return { height, root: record.root, rootHex: hex(record.root), trees: Object.fromEntries([...names].map(([n, r]) => [n, hex(r)])), changes };
  }

  async #valueHashAt(tree: number, kh: Uint8Array, height: number): Promise<Uint8Array | undefined> {
    const entry = await versionAt(this.context, entryPrefix(tree, kh), height);
    return entry === undefined ? undefined : entryHash(entry.value);
  }

  #change(tree: string, change: Change): void {
    let changes = this.#working.get(tree);
    if (changes === undefined) {
      changes = new Map();
      this.#working.set(tree, changes);
    }
    changes.set(mapKey(change.kh), change);
  }

  /** The current (latest) tree, loaded from the entries on first use. */
  async #tree(id: number): Promise<MerkleTree> {
    let tree = this.#trees.get(id);
    if (tree !== undefined) return tree;
    const entries: { kh: Uint8Array; vh: Uint8Array }[] = [];
    let last: Uint8Array | undefined;
    for await (const { key, value } of this.#engine.range(this.#ns, { prefix: treePrefix(TAG.entry, id) })) {
      // Newest version first within each key path: the first one seen is the current one.
      const kh = keyPathOfEntry(key);
      if (last !== undefined && sameHash(last, kh)) continue;
      last = kh;
      const vh = entryHash(value);
      if (vh !== undefined) entries.push({ kh: new Uint8Array(kh), vh: new Uint8Array(vh) });
    }
    tree = MerkleTree.build(entries);
    this.#trees.set(id, tree);
    return tree;
  }

  /** @internal A copy of the meta record. */
  get meta(): StateMeta {
    return { ...this.#meta, trees: { ...this.#meta.trees } };
  }

  /** @internal Forgets the loaded trees (after pruning or audit changed what is stored). */
  reload(meta: StateMeta): void {
    this.#meta = meta;
    this.#trees.clear();
  }
}

export { keyBytes };
