/**
 * Reads of a state as of one committed height: a value is one seek to the newest version at
 * or below the height (O(log n), no replay), a range walks keys skipping old versions, and a
 * proof gathers the key's bucket and the 16 sibling hashes in force at that height.
 */
import { Block } from '../block/block.js';
import type { Engine, EngineEntry, RangeOptions } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { prefixUpperBound } from '../util/bytes.js';
import { isStoredLevel } from './merkle-tree.js';
import { BUCKET_BITS, ZERO, bucketOf, compareHashes, keyPath, nodeHash, type BucketEntry } from './state-hash.js';
import { encodeProof, type StateProof } from './state-proof.js';
import {
  TAG,
  bucketPrefix,
  dataPrefix,
  decodeBucketEntry,
  decodeData,
  decodeHeight,
  decodeNode,
  escapeKey,
  heightKey,
  keyOfDataRecord,
  nodePrefix,
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

/** Options of {@link StateView.range}: string or byte bounds over the original keys. */
export interface StateRangeOptions {
  readonly prefix?: Uint8Array | string;
  readonly gte?: Uint8Array | string;
  readonly lt?: Uint8Array | string;
  readonly reverse?: boolean;
  readonly limit?: number;
}

const utf8 = new TextEncoder();

/** Key bytes of a string or byte key. */
export function keyBytes(key: Uint8Array | string): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
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

/** Every entry of a range. */
async function all(engine: Engine, namespace: string, range: RangeOptions): Promise<EngineEntry[]> {
  const out: EngineEntry[] = [];
  if (engine.supports.syncReads) {
    for (const entry of engine.rangeSync(namespace, range)) out.push(entry);
    return out;
  }
  for await (const entry of engine.range(namespace, range)) out.push(entry);
  return out;
}

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
    const entry = await versionAt(this.#ctx, dataPrefix(id, keyBytes(key)), this.height);
    if (entry === undefined) return undefined;
    const data = decodeData(entry.value);
    return data.kind === 'deleted' ? undefined : toStateValue(data.kind, data.value!);
  }

  /** Keys and values of `tree` at this height in key order (or reverse) within the bounds. */
  async range(tree: string, options: StateRangeOptions = {}): Promise<[Uint8Array, StateValue][]> {
    await this.record();
    const id = this.#ctx.treeId(tree);
    if (id === undefined) return [];
    const limit = options.limit ?? Infinity;
    const base = treePrefix(TAG.data, id);
    const withBase = (key: Uint8Array | string, terminated: boolean): Uint8Array => {
      const esc = escapeKey(keyBytes(key));
      return Buffer.concat([base, terminated ? esc : esc.subarray(0, esc.length - 2)]);
    };
    // Records sort by escaped key then newest first; walk them and keep the version in force.
    const lower = options.gte !== undefined ? withBase(options.gte, true) : options.prefix !== undefined ? withBase(options.prefix, false) : base;
    const upperOf = options.prefix !== undefined ? prefixUpperBound(withBase(options.prefix, false)) : prefixUpperBound(base);
    const upper = options.lt !== undefined ? withBase(options.lt, true) : upperOf;
    const entries = await all(this.#ctx.engine, this.#ctx.namespace, { gte: lower, ...(upper === undefined ? {} : { lt: upper }) });
    const out: [Uint8Array, StateValue][] = [];
    let current: string | undefined;
    let done = false;
    for (const { key, value } of entries) {
      const prefix = Buffer.from(key.subarray(0, key.length - 4)).toString('latin1');
      if (prefix === current && done) continue;
      if (prefix !== current) {
        current = prefix;
        done = false;
      }
      if (versionOf(key) > this.height) continue;
      done = true;
      const data = decodeData(value);
      if (data.kind !== 'deleted') out.push([keyOfDataRecord(key), toStateValue(data.kind, data.value!)]);
    }
    if (options.reverse === true) out.reverse();
    return out.slice(0, limit);
  }

  /** The entries of a bucket as of this height. */
  async bucket(tree: number, bucket: number): Promise<BucketEntry[]> {
    const entries = await all(this.#ctx.engine, this.#ctx.namespace, { prefix: bucketPrefix(tree, bucket) });
    const out: BucketEntry[] = [];
    let last: Uint8Array | undefined;
    let done = false;
    for (const { key, value } of entries) {
      const kh = key.subarray(5, 5 + 32);
      if (last === undefined || compareHashes(last, kh) !== 0) {
        last = kh;
        done = false;
      }
      if (done || versionOf(key) > this.height) continue;
      done = true;
      const vh = decodeBucketEntry(value);
      if (vh !== undefined) out.push({ kh: new Uint8Array(kh), vh: new Uint8Array(vh) });
    }
    return out;
  }

  /** The hash of a node as of this height (levels between stored ones are recomputed). */
  async node(tree: number, level: number, index: number): Promise<Uint8Array> {
    if (!isStoredLevel(level)) {
      return nodeHash(await this.node(tree, level + 1, 2 * index), await this.node(tree, level + 1, 2 * index + 1));
    }
    const entry = await versionAt(this.#ctx, nodePrefix(tree, level, index), this.height);
    return entry === undefined ? ZERO : decodeNode(entry.value);
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
    const bucket = id === undefined ? [] : await this.bucket(id, b);
    const siblings: Uint8Array[] = [];
    for (let level = BUCKET_BITS; level >= 1; level--) {
      const index = b >>> (BUCKET_BITS - level);
      siblings.push(id === undefined ? ZERO : await this.node(id, level, index ^ 1));
    }
    return { tree, trees, bucket, siblings };
  }
}
