/**
 * A versioned, tamper-evident key → value map: several named trees under one state root,
 * a commit per height, reads and proofs at any retained height. Writes collect in the working
 * height (in memory, with savepoints) and `commit()` seals them in ONE engine transaction;
 * `apply()` seals a whole change set the same way without touching the working height.
 */
import type { Engine } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { MerkleTree } from './merkle-tree.js';
import { sameHash } from './state-hash.js';
import { MAX_HEIGHT, META_KEY, TAG, decodeEntry, entryHash, heightOfKey, keyPathOfEntry, treePrefix } from './state-records.js';
import { planCommit, recommit, type CommitResult } from './state-commit.js';

import { halfOpenRange } from './state-range.js';
import { StateView, keyBytes, toStateValue, type StateContext, type StateRangeOptions, type StateValue } from './state-view.js';
import { readMeta, type StateMeta } from './state-meta.js';
import { addChange, checkKey, checkTree, copyWorking, makeChange, mapKey, workingOf, type StateChange, type Working } from './state-working.js';
import { changesInRange, overlayRange } from './working-range.js';
import { keyPath } from './state-hash.js';

/** Options of {@link VersionedState.heights}. */
export interface HeightsOptions {
  /** The first height listed (the last, with `reverse`). */
  readonly from?: number;
  /** At most this many heights. */
  readonly limit?: number;
  /** Newest first. */
  readonly reverse?: boolean;
}

/** Options of {@link VersionedState.apply}. */
export interface ApplyOptions {
  /** The height to seal: the next one (the default), or a committed one to re-apply. */
  readonly height?: number;
}

/** A named versioned state. Get one from `store.state(name)`. */
export class VersionedState {
  /** The state name. */
  readonly name: string;
  readonly #engine: Engine;
  readonly #ns: string;
  #meta: StateMeta;
  readonly #trees = new Map<number, MerkleTree>();
  #working: Working = new Map();
  // A committed height being re-applied (set by begin(h)); undefined: the next height.
  #reapply: number | undefined;
  #savepoints: Working[] = [];
  // Commits run one at a time: each stages against the trees the previous one left.
  #queue: Promise<unknown> = Promise.resolve();

  /** @internal Use `store.state(name)`. */
  constructor(engine: Engine, name: string, namespace: string, meta: StateMeta) {
    this.#engine = engine;
    this.name = name;
    this.#ns = namespace;
    this.#meta = meta;
  }

  /** The last committed height, or undefined before the first commit. */
  get latest(): number | undefined {
    return this.#meta.latest;
  }

  /** The height the working changes will be committed at. */
  get workingHeight(): number {
    return this.#reapply ?? this.#next();
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
  begin(height?: number): void {
    const checked = this.#checkHeight(height);
    this.#reapply = checked === this.#next() ? undefined : checked;
    this.#working = new Map();
    this.#savepoints = [];
  }

  /** Sets `key` in `tree` at the working height. */
  async put(tree: string, key: Uint8Array | string, value: StateValue): Promise<void> {
    checkTree(tree);
    // From JavaScript an undefined value must not turn a put into a delete.
    if ((value as unknown) === undefined) throw new KeeprError('ARGUMENT_INVALID', 'state values are Blocks or Uint8Arrays');
    addChange(this.#working, tree, makeChange(key, value));
  }

  /** Deletes `key` from `tree` at the working height. */
  async delete(tree: string, key: Uint8Array | string): Promise<void> {
    checkTree(tree);
    addChange(this.#working, tree, makeChange(key, undefined));
  }

  /** The value at the working height: its uncommitted writes, else the height before. */
  async get(tree: string, key: Uint8Array | string): Promise<StateValue | undefined> {
    checkTree(tree);
    const k = checkKey(key);
    const change = this.#working.get(tree)?.get(mapKey(keyPath(k)));
    if (change !== undefined) return change.kind === 'deleted' ? undefined : toStateValue(change.kind, decodeEntry(change.record).value!);
    const height = this.workingHeight;
    return height === 0 ? undefined : this.at(height - 1).get(tree, k);
  }

  /** Keys and values of `tree` at the working height (its uncommitted writes over the height before), in key order. */
  async range(tree: string, given: StateRangeOptions = {}): Promise<[Uint8Array, StateValue][]> {
    checkTree(tree);
    const options = halfOpenRange(given);
    const limit = options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
    const changes = changesInRange(this.#working, tree, options);
    const height = this.workingHeight;
    const committed = height === 0 ? [] : await this.at(height - 1).range(tree, { ...options, ...(limit === undefined ? {} : { limit: limit + changes.length }) });
    return overlayRange(committed, changes, options);
  }

  /** Marks the working changes so far; `rollback(savepoint)` returns to them. */
  savepoint(): number {
    this.#savepoints.push(copyWorking(this.#working));
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
    this.#working = copyWorking(saved);
    this.#savepoints.length = savepoint + 1;
  }

  /** A read-only view at a committed height. */
  at(height: number): StateView {
    if (!Number.isInteger(height) || height < 0) throw new KeeprError('STATE_HEIGHT_INVALID', `heights are non-negative integers, not ${height}`, { details: { height } });
    return new StateView(this.context, height);
  }

  /** Committed heights and their roots (hex), oldest first unless `reverse`. */
  async heights(options: HeightsOptions = {}): Promise<{ height: number; root: string }[]> {
    const { from, limit, reverse = false } = options;
    if (from !== undefined && (!Number.isInteger(from) || from < 0 || from > MAX_HEIGHT)) throw new KeeprError('ARGUMENT_INVALID', 'from must be a height');
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
    const bound = from === undefined ? undefined : Uint8Array.of(TAG.height, from >>> 24, (from >>> 16) & 0xff, (from >>> 8) & 0xff, from & 0xff);
    const range = bound === undefined ? { prefix: Uint8Array.of(TAG.height) } : reverse ? { gte: Uint8Array.of(TAG.height), lte: bound } : { gte: bound, lt: Uint8Array.of(TAG.height + 1) };
    const out: { height: number; root: string }[] = [];
    for await (const { key, value } of this.#engine.range(this.#ns, { ...range, reverse, ...(limit === undefined ? {} : { limit }) })) {
      out.push({ height: heightOfKey(key), root: Buffer.from(value.subarray(0, 32)).toString('hex') });
    }
    return out;
  }

  /** Seals the working height in one transaction and returns its height and roots. */
  async commit(): Promise<CommitResult> {
    // The working set is taken over: changes made while the commit runs go to the next height.
    const working = this.#working;
    const savepoints = this.#savepoints;
    const reapply = this.#reapply;
    this.#working = new Map();
    this.#savepoints = [];
    this.#reapply = undefined;
    try {
      // The next height is taken when the commit runs: concurrent commits seal consecutive ones.
      return await this.#serialized(() => this.#seal(working, reapply ?? this.#next()));
    } catch (err) {
      // Nothing was sealed: the changes are working changes again (later ones win).
      for (const [tree, changes] of this.#working) for (const change of changes.values()) addChange(working, tree, change);
      this.#working = working;
      if (this.#savepoints.length === 0) this.#savepoints = savepoints;
      this.#reapply ??= reapply;
      throw err;
    }
  }

  /**
   * Seals a whole change set as one height (the next, or `options.height` to re-apply a
   * committed one) in one transaction, apart from the working height: nothing of the set is
   * kept when any change is invalid or the commit fails.
   */
  async apply(changes: readonly StateChange[], options: ApplyOptions = {}): Promise<CommitResult> {
    const working = workingOf(changes);
    return this.#serialized(() => this.#seal(working, this.#checkHeight(options.height)));
  }

  /** Re-reads the meta record: picks up heights another process committed. */
  async refresh(): Promise<void> {
    await this.#serialized(async () => {
      const meta = readMeta(await this.#engine.get(this.#ns, META_KEY));
      if (meta.latest !== this.#meta.latest || meta.prunedBefore !== this.#meta.prunedBefore) this.reload(meta);
    });
  }

  async #seal(working: Working, height: number): Promise<CommitResult> {
    if (this.#meta.latest !== undefined && height <= this.#meta.latest) return recommit(this.context, this.#meta, working, height);
    if (height !== (this.#meta.latest ?? -1) + 1) throw new KeeprError('STATE_HEIGHT_INVALID', `the next height is ${(this.#meta.latest ?? -1) + 1}, not ${height}`, { details: { height } });
    const plan = await planCommit(this.context, this.#meta, working, height, (id) => this.#tree(id));
    // Every buffer in the ops was built for this batch alone: hand them over uncopied.
    const outcome = await this.#engine.write(plan.ops, { owned: true });
    if (!outcome.committed) {
      // Another process advanced the state: adopt its meta so the next attempt stages right.
      this.reload(readMeta(await this.#engine.get(this.#ns, META_KEY)));
      throw new KeeprError('STATE_HEIGHT_EXISTS', `another writer committed state ${this.name} meanwhile`, { details: { height } });
    }
    for (const [tree, delta] of plan.deltas) tree.apply(delta);
    this.#meta = plan.meta;
    return plan.result;
  }

  #next(): number {
    return this.#meta.latest === undefined ? 0 : this.#meta.latest + 1;
  }

  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A valid height to seal: the next one (default) or a committed one whose base is readable. */
  #checkHeight(height?: number): number {
    const next = this.#next();
    if (height === undefined) return next;
    // Re-applying a height compares it with the height before, which must still be readable.
    const lowest = this.#meta.prunedBefore === 0 ? 0 : Math.min(this.#meta.prunedBefore + 1, next);
    if (!Number.isInteger(height) || height < lowest || height > next || height > MAX_HEIGHT) {
      throw new KeeprError('STATE_HEIGHT_INVALID', `the working height can be ${lowest} to ${next}, not ${height}`, { details: { height } });
    }
    return height;
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

  /** @internal Adopts a meta record and forgets the loaded trees (after pruning, audit or another writer). */
  reload(meta: StateMeta): void {
    this.#meta = meta;
    this.#trees.clear();
  }
}

export { keyBytes };
