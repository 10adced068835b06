/**
 * Reads of a state as of one committed height: a value is one seek to the newest version at
 * or below the height (O(log n), no replay), a range walks the key index and seeks each key,
 * and a proof gathers the key's bucket and the 16 sibling hashes in force at that height.
 */
import { Block } from '../block/block.js';
import type { Engine, EngineEntry, RangeOptions } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { compareBytes, prefixUpperBound } from '../util/bytes.js';
import {
  halfOpenRange,
  keyBytes,
  keyOut,
  pageLimit,
  pageRange,
  rangeLimit,
  stateKeyEncoding,
  takePage,
  type Page,
  type StateEntry,
  type StateKeyOf,
  type StateListOptions,
  type StateRangeOptions,
} from './state-range.js';

export { keyBytes, type Page, type StateEntry, type StateKeyEncoding, type StateKeyOf, type StateListOptions, type StateRangeOptions } from './state-range.js';
import { GROUP_BITS, GROUP_SIZE } from './merkle-tree.js';
import { BUCKET_BITS, ZERO, bucketHash, bucketOf, keyPath, nodeHash, sameHash, type BucketEntry } from './state-hash.js';
import { encodeProof, type StateProof } from './state-proof.js';
import {
  TAG,
  decodeEntry,
  decodeHeight,
  decodeGroup,
  entryHash,
  entryPrefix,
  entryRange,
  escapeKey,
  heightKey,
  keyOfIndexRecord,
  keyPathOfEntry,
  groupPrefix,
  treePrefix,
  versionOf,
  versioned,
  type HeightRecord,
} from './state-records.js';

/** A stored state value: bytes as given, or a block. */
export type StateValue = Uint8Array | Block;

/** What a view needs from its state. */
export interface StateContext {
  readonly engine: Engine;
  readonly namespace: string;
  /** Id of a tree name, or undefined when the state never had that tree. */
  treeId(name: string): number | undefined;
  /** Names of trees by id. */
  treeNames(): ReadonlyMap<number, string>;
  /** First height still readable. */
  readonly prunedBefore: number;
}


/** The first entry of a range, synchronously where the engine can. */
async function first(engine: Engine, namespace: string, range: RangeOptions): Promise<EngineEntry | undefined> {
  const options = { ...range, limit: 1 };
  if (engine.supports.syncReads) {
    for (const entry of engine.rangeSync(namespace, options)) return entry;
    return undefined;
  }
  for await (const entry of engine.range(namespace, options)) return entry;
  return undefined;
}

/** The entries of a range, read synchronously where the engine can (no await inside a walk). */
async function collect(engine: Engine, namespace: string, range: RangeOptions): Promise<EngineEntry[]> {
  const out: EngineEntry[] = [];
  if (engine.supports.syncReads) {
    for (const entry of engine.rangeSync(namespace, range)) out.push(entry);
    return out;
  }
  for await (const entry of engine.range(namespace, range)) out.push(entry);
  return out;
}

/** Key index records read per step of a range. */
const KEY_CHUNK = 256;

/** The newest version at or below `height` of the records under `prefix`. */
export async function versionAt(ctx: StateContext, prefix: Uint8Array, height: number): Promise<EngineEntry | undefined> {
  return first(ctx.engine, ctx.namespace, { gte: versioned(prefix, height), lt: prefixUpperBound(prefix) ?? undefined });
}

/** Decodes a stored value into what callers get back. */
export function toStateValue(kind: 'bytes' | 'block', value: Uint8Array): StateValue {
  return kind === 'block' ? Block.fromTrusted(value) : value;
}

/** A read-only view of a state at one committed height. */
export class StateView {
  /** The height this view reads. */
  readonly height: number;
  readonly #ctx: StateContext;
  #record: HeightRecord | undefined;

  /** @internal Created by `state.at(height)`. */
  constructor(ctx: StateContext, height: number) {
    this.#ctx = ctx;
    this.height = height;
  }

  /** The height record (root and tree roots); `STATE_HEIGHT_UNKNOWN` / `STATE_HEIGHT_PRUNED`. */
  async record(): Promise<HeightRecord> {
    if (this.#record !== undefined) return this.#record;
    if (this.height < this.#ctx.prunedBefore) {
      throw new KeeprError('STATE_HEIGHT_PRUNED', `height ${this.height} was pruned`, { details: { height: this.height, prunedBefore: this.#ctx.prunedBefore } });
    }
    const raw = await this.#ctx.engine.get(this.#ctx.namespace, heightKey(this.height));
    if (raw === undefined) throw new KeeprError('STATE_HEIGHT_UNKNOWN', `no height ${this.height} was committed`, { details: { height: this.height } });
    this.#record = decodeHeight(raw);
    return this.#record;
  }

  /** The state root at this height. */
  async root(): Promise<Uint8Array> {
    return (await this.record()).root;
  }

  /** Roots of every tree at this height, by name. */
  async trees(): Promise<Map<string, Uint8Array>> {
    const record = await this.record();
    const names = this.#ctx.treeNames();
    const out = new Map<string, Uint8Array>();
    for (const [id, root] of record.trees) out.set(names.get(id) ?? `#${id}`, root);
    return out;
  }

  /** The value of `key` in `tree` at this height, or undefined. */
  async get(tree: string, key: Uint8Array | string): Promise<StateValue | undefined> {
    await this.record();
    const id = this.#ctx.treeId(tree);
    if (id === undefined) return undefined;
    return this.#valueOf(id, keyPath(keyBytes(key)));
  }

  async #valueOf(id: number, kh: Uint8Array): Promise<StateValue | undefined> {
    const entry = await versionAt(this.#ctx, entryPrefix(id, kh), this.height);
    if (entry === undefined) return undefined;
    const data = decodeEntry(entry.value);
    return data.kind === 'deleted' ? undefined : toStateValue(data.kind, data.value!);
  }

  /** Keys and values of `tree` at this height in key order (or reverse) within the bounds, read as they are iterated. */
  async *range<O extends StateRangeOptions = StateRangeOptions>(tree: string, options?: O): AsyncGenerator<StateEntry<StateKeyOf<O>>> {
    const given: StateRangeOptions = options ?? {};
    const limit = rangeLimit(given.limit);
    const encoding = stateKeyEncoding(given.keyEncoding);
    if (limit === 0) return;
    let count = 0;
    for await (const [key, value] of this.walk(tree, halfOpenRange(given))) {
      yield { key: keyOut(key, encoding) as StateKeyOf<O>, value };
      if (++count >= limit) return;
    }
  }

  /** One page of `tree` at this height: `{ items, cursor }`, `cursor` absent on the last page. */
  async list<O extends StateListOptions = StateListOptions>(tree: string, options?: O): Promise<Page<StateEntry<StateKeyOf<O>>>> {
    const given: StateListOptions = options ?? {};
    const limit = pageLimit(given.limit);
    const encoding = stateKeyEncoding(given.keyEncoding);
    return (await takePage(this.walk(tree, pageRange(given)), limit, encoding)) as Page<StateEntry<StateKeyOf<O>>>;
  }

  /** @internal Every key and value of `tree` within `[gte, lt)` bounds (and prefix), in order: no limit. */
  async *walk(tree: string, options: StateRangeOptions): AsyncGenerator<[Uint8Array, StateValue]> {
    await this.record();
    const id = this.#ctx.treeId(tree);
    if (id === undefined) return;
    const base = treePrefix(TAG.key, id);
    const withBase = (key: Uint8Array | string, terminated: boolean): Uint8Array => {
      const esc = escapeKey(keyBytes(key));
      return Buffer.concat([base, terminated ? esc : esc.subarray(0, esc.length - 2)]);
    };
    // The key index lists every key that ever had a value, in key order; each is then read at
    // this height (absent ones are skipped).
    // All given bounds apply: the tighter of the prefix's bounds and gte / lt.
    const prefixLower = options.prefix !== undefined ? withBase(options.prefix, false) : base;
    const prefixUpper = prefixUpperBound(prefixLower);
    const gte = options.gte !== undefined ? withBase(options.gte, true) : undefined;
    const lt = options.lt !== undefined ? withBase(options.lt, true) : undefined;
    const lower = gte !== undefined && compareBytes(gte, prefixLower) > 0 ? gte : prefixLower;
    const upper = lt !== undefined && (prefixUpper === undefined || compareBytes(lt, prefixUpper) < 0) ? lt : prefixUpper;
    const reverse = options.reverse === true;
    let from: RangeOptions = { gte: lower, ...(upper === undefined ? {} : { lt: upper }) };
    // Key index records come in chunks (no cursor stays open across the reads of values or the caller's steps).
    for (;;) {
      const chunk = await collect(this.#ctx.engine, this.#ctx.namespace, { ...from, reverse, limit: KEY_CHUNK });
      for (const { key } of chunk) {
        const k = keyOfIndexRecord(key);
        const value = await this.#valueOf(id, keyPath(k));
        if (value !== undefined) yield [k, value];
      }
      const last = chunk.at(-1);
      if (chunk.length < KEY_CHUNK || last === undefined) return;
      from = reverse ? { gte: lower, lt: last.key } : { gt: last.key, ...(upper === undefined ? {} : { lt: upper }) };
    }
  }

  /** The entries (key path and value hash) of the buckets under a subtree, as of this height. */
  async entries(tree: number, index: number, level: number): Promise<BucketEntry[]> {
    const out: BucketEntry[] = [];
    let last: Uint8Array | undefined;
    let done = false;
    for (const { key, value } of await collect(this.#ctx.engine, this.#ctx.namespace, entryRange(tree, index, level))) {
      const kh = keyPathOfEntry(key);
      if (last === undefined || !sameHash(last, kh)) {
        last = kh;
        done = false;
      }
      // Newest version first: the first one at or below this height is in force.
      if (done || versionOf(key) > this.height) continue;
      done = true;
      const vh = entryHash(value);
      if (vh !== undefined) out.push({ kh: new Uint8Array(kh), vh: new Uint8Array(vh) });
    }
    return out;
  }

  /**
   * The 16 hashes at `level` (4, 8, 12 or 16) under node (level - 4, index) as of this height:
   * from the group record of that node, or for buckets from their entries.
   */
  async groupHashes(tree: number, level: number, index: number): Promise<Uint8Array[]> {
    if (level === BUCKET_BITS) return (await this.#bucketGroup(tree, index)).map((entries) => bucketHash(entries));
    const entry = await versionAt(this.#ctx, groupPrefix(tree, level - GROUP_BITS, index), this.height);
    return entry === undefined ? new Array<Uint8Array>(GROUP_SIZE).fill(ZERO) : decodeGroup(entry.value);
  }

  /** The entries of the 16 buckets under node (12, index), bucket by bucket. */
  async #bucketGroup(tree: number, index: number): Promise<BucketEntry[][]> {
    const group = Array.from({ length: GROUP_SIZE }, (): BucketEntry[] => []);
    for (const e of await this.entries(tree, index, BUCKET_BITS - GROUP_BITS)) group[bucketOf(e.kh) & (GROUP_SIZE - 1)]!.push(e);
    return group;
  }

  /** An inclusion proof (or, when absent, an exclusion proof) of `key` in `tree`, encoded. */
  async prove(tree: string, key: Uint8Array | string): Promise<Uint8Array> {
    return encodeProof(await this.proof(tree, key));
  }

  /** The same proof, decoded. */
  async proof(tree: string, key: Uint8Array | string): Promise<StateProof> {
    const trees = await this.trees();
    const id = this.#ctx.treeId(tree);
    const kh = keyPath(keyBytes(key));
    const b = bucketOf(kh);
    // A tree the state does not have at this height (never, or not yet) is proven absent by
    // the tree list alone: no bucket, no siblings.
    if (id === undefined || !trees.has(tree)) return { tree, trees, bucket: [], siblings: new Array<Uint8Array>(BUCKET_BITS).fill(ZERO) };
    // Four levels at a time, bottom up: the 16 hashes under the path's node at the top of the
    // four (one range of bucket entries, then one group record each), hashed up to that node.
    const buckets = await this.#bucketGroup(id, b >>> GROUP_BITS);
    const siblings: Uint8Array[] = [];
    for (let top = BUCKET_BITS - GROUP_BITS; top >= 0; top -= GROUP_BITS) {
      let hashes = top === BUCKET_BITS - GROUP_BITS ? buckets.map((entries) => bucketHash(entries)) : await this.groupHashes(id, top + GROUP_BITS, b >>> (BUCKET_BITS - top));
      for (let level = top + GROUP_BITS; level > top; level--) {
        const index = b >>> (BUCKET_BITS - level);
        siblings.push(hashes[(index ^ 1) & (hashes.length - 1)]!);
        hashes = Array.from({ length: hashes.length / 2 }, (_, i) => nodeHash(hashes[2 * i]!, hashes[2 * i + 1]!));
      }
    }
    return { tree, trees, bucket: buckets[b & (GROUP_SIZE - 1)]!, siblings };
  }
}
