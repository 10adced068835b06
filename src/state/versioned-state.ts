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

import { halfOpenRange, keyOut, pageLimit, pageRange, rangeLimit, stateKeyEncoding, takePage, type Page, type StateEntry, type StateKeyOf, type StateListOptions } from './state-range.js';
import { StateView, keyBytes, toStateValue, type StateContext, type StateRangeOptions, type StateValue } from './state-view.js';
import { auditState, type AuditReport } from './state-audit.js';
import { pruneState, type PruneOptions, type PruneReport } from './state-prune.js';
import { heightBounds } from './height-range.js';
import { encodeHeightCursor } from '../util/cursor.js';
import { readMeta, type StateMeta } from './state-meta.js';
import { addChange, checkKey, checkTree, copyWorking, makeChange, mapKey, workingOf, type StateChange, type Working } from './state-working.js';
import { changesInRange, overlayRange } from './working-range.js';
import { keyPath } from './state-hash.js';
import type { Bounds } from '../util/range.js';

/** Options of {@link VersionedState.heights}: height bounds (all given apply), order and limit. */
export type HeightsOptions = Bounds<number>;

/** Options of {@link VersionedState.listHeights}: {@link HeightsOptions} and the cursor of the page before. */
export interface HeightListOptions extends HeightsOptions {
  /** Continue after the page that returned this cursor (same other options). */
  readonly cursor?: string;
}

/** A committed height and its state root (hex). */
export interface HeightItem {
  readonly height: number;
  readonly root: string;
  /** Keys changed at this height (as in its height record). */
  readonly changes: number;
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
  put(tree: string, key: Uint8Array | string, value: StateValue): Promise<void> {
    // Synchronous work and one shared settled promise: a height's puts are awaited thousands
    // of times. Errors still arrive as rejections, as from an async function.
    try {
      checkTree(tree);
      // From JavaScript an undefined value must not turn a put into a delete.
      if ((value as unknown) === undefined) throw new KeeprError('ARGUMENT_INVALID', 'state values are Blocks or Uint8Arrays');
      addChange(this.#working, tree, makeChange(key, value));
      return DONE;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
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

  /** Keys and values of `tree` at the working height (its uncommitted writes over the height before), in key order, read as they are iterated. */
  async *range<O extends StateRangeOptions = StateRangeOptions>(tree: string, options?: O): AsyncGenerator<StateEntry<StateKeyOf<O>>> {
    const given: StateRangeOptions = options ?? {};
    checkTree(tree);
    const limit = rangeLimit(given.limit);
    const encoding = stateKeyEncoding(given.keyEncoding);
    if (limit === 0) return;
    let count = 0;
    for await (const [key, value] of this.#walk(tree, halfOpenRange(given))) {
      yield { key: keyOut(key, encoding) as StateKeyOf<O>, value };
      if (++count >= limit) return;
    }
  }

  /** One page of `tree` at the working height: `{ items, cursor }`, `cursor` absent on the last page. */
  async list<O extends StateListOptions = StateListOptions>(tree: string, options?: O): Promise<Page<StateEntry<StateKeyOf<O>>>> {
    const given: StateListOptions = options ?? {};
    checkTree(tree);
    const limit = pageLimit(given.limit);
    const encoding = stateKeyEncoding(given.keyEncoding);
    return (await takePage(this.#walk(tree, pageRange(given)), limit, encoding)) as Page<StateEntry<StateKeyOf<O>>>;
  }

  /** The working changes of `tree` laid over the height before, within `[gte, lt)` bounds. */
  #walk(tree: string, options: StateRangeOptions): AsyncGenerator<[Uint8Array, StateValue]> {
    // The changes are taken now: writes made while the caller iterates do not show up halfway.
    const changes = changesInRange(this.#working, tree, options);
    const height = this.workingHeight;
    const committed = height === 0 ? noEntries() : this.at(height - 1).walk(tree, options);
    return overlayRange(committed, changes, options.reverse === true);
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

  /** Committed heights, their roots (hex) and change counts, oldest first unless `reverse`, read as they are iterated. */
  async *heights(options: HeightsOptions = {}): AsyncGenerator<HeightItem> {
    const limit = rangeLimit(options.limit);
    const bounds = heightBounds(options, undefined);
    if (bounds === undefined || limit === 0) return;
    yield* this.#heightRange(bounds, options.reverse === true, limit);
  }

  /** One page of committed heights: `{ items, cursor }`, `cursor` absent on the last page. */
  async listHeights(options: HeightListOptions = {}): Promise<Page<HeightItem>> {
    const limit = pageLimit(options.limit);
    const bounds = heightBounds(options, options.cursor);
    if (bounds === undefined) return { items: [] };
    const items: HeightItem[] = [];
    // One height beyond the page tells whether a cursor is due.
    for await (const item of this.#heightRange(bounds, options.reverse === true, limit + 1)) {
      if (items.length === limit) return { items, cursor: encodeHeightCursor(items.at(-1)!.height) };
      items.push(item);
    }
    return { items };
  }

  async *#heightRange(bounds: { gte: number; lte: number }, reverse: boolean, limit: number): AsyncGenerator<HeightItem> {
    const key = (h: number): Uint8Array => Uint8Array.of(TAG.height, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
    const range = { gte: key(bounds.gte), lte: key(bounds.lte), reverse, ...(limit === Infinity ? {} : { limit }) };
    for await (const { key: k, value } of this.#engine.range(this.#ns, range)) {
      // The record is root | changes u32 | trees (state-records.ts): the count costs nothing more.
      yield { height: heightOfKey(k), root: Buffer.from(value.subarray(0, 32)).toString('hex'), changes: new DataView(value.buffer, value.byteOffset + 32, 4).getUint32(0, false) };
    }
  }

  /** Forgets heights before a point: `{ keepLast }` heights, or those `{ from }` a height on. */
  async prune(options: PruneOptions): Promise<PruneReport> {
    return pruneState(this, options);
  }

  /** Recomputes every hash of the state from its stored values and reports what disagrees. */
  async audit(): Promise<AuditReport> {
    return auditState(this.context);
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

const DONE: Promise<void> = Promise.resolve();

/** An empty walk (the height before height 0). */
async function* noEntries(): AsyncGenerator<[Uint8Array, StateValue]> {
  // Nothing was committed yet.
}
