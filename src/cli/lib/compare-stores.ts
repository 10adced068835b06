/**
 * The check behind `keepr copy`: two stores compared block for block (key and integrity hash,
 * then the bytes), raw entry for raw entry in their other namespaces, and versioned state root
 * for root at every committed height. Each store is read from one snapshot, side by side in
 * the order {@link storeItems} gives (sources by name, then other namespaces, keys ascending),
 * so a store of any size is compared in constant memory.
 */
import { Block } from '../../block/index.js';
import { SOURCE_NAMESPACE_PREFIX } from '../../keepr/dump-format.js';
import { keyLabel, storeItems, type StoredItem } from '../../keepr/index.js';
import { STATE_NS, type HeightItem } from '../../state/index.js';
import type { Store } from '../../store/index.js';

/** Most differences a report lists; {@link CompareReport.differenceCount} counts them all. */
export const MAX_LISTED_DIFFERENCES = 100;

/** One way the target differs from the source. */
export interface StoreDifference {
  /** The engine namespace: `src:<source>`, `state:<name>` or another one. */
  readonly namespace: string;
  /** The key (UTF-8, or `0x` and hex), absent for a whole namespace. */
  readonly key?: string;
  /** The state height, for a root that differs or a height on one side only. */
  readonly height?: number;
  /** `missing in target`, `extra in target`, `block hash differs (…)`, `block corrupt in target (…)`, `bytes differ (…)`, `root differs (…)`. */
  readonly reason: string;
}

/** What {@link compareStores} found, counted on the source side. */
export interface CompareReport {
  readonly sources: number;
  readonly blocks: number;
  readonly blockBytes: number;
  /** Engine namespaces other than sources (versioned states among them) and their raw entries. */
  readonly namespaces: number;
  readonly entries: number;
  /** Versioned states and their committed heights, whose roots were compared. */
  readonly states: number;
  readonly heights: number;
  /** True when nothing differs. */
  readonly ok: boolean;
  /** The first {@link MAX_LISTED_DIFFERENCES} differences. */
  readonly differences: readonly StoreDifference[];
  readonly differenceCount: number;
}

/** Options of {@link compareStores}. */
export interface CompareOptions {
  /** Called after each block or raw entry of the source with the running count. */
  readonly onItem?: (items: number) => void;
}

/** A stored item in the order both walks share: namespace, then key (the namespace itself first). */
interface Position {
  readonly namespace: string;
  readonly key: Uint8Array | undefined;
  readonly value: Uint8Array | undefined;
}

function position(item: StoredItem): Position {
  switch (item.kind) {
    case 'source':
      return { namespace: SOURCE_NAMESPACE_PREFIX + item.name, key: undefined, value: undefined };
    case 'namespace':
      return { namespace: item.name, key: undefined, value: undefined };
    case 'bytes':
      return { namespace: SOURCE_NAMESPACE_PREFIX + item.source, key: item.key, value: item.bytes };
    case 'entry':
      return { namespace: item.namespace, key: item.key, value: item.value };
  }
}

/** Sources come before the other namespaces, each group by name (storeItems' order). */
function comparePositions(a: Position, b: Position): number {
  const groupA = a.namespace.startsWith(SOURCE_NAMESPACE_PREFIX) ? 0 : 1;
  const groupB = b.namespace.startsWith(SOURCE_NAMESPACE_PREFIX) ? 0 : 1;
  if (groupA !== groupB) return groupA - groupB;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.key === undefined || b.key === undefined) return (a.key === undefined ? 0 : 1) - (b.key === undefined ? 0 : 1);
  return Buffer.compare(a.key, b.key);
}

/** Collects differences, listing the first ones. */
class Differences {
  readonly listed: StoreDifference[] = [];
  count = 0;

  add(difference: StoreDifference): void {
    this.count++;
    if (this.listed.length < MAX_LISTED_DIFFERENCES) this.listed.push(difference);
  }

  at(p: Position, reason: string): void {
    this.add({ namespace: p.namespace, ...(p.key === undefined ? {} : { key: keyLabel(p.key) }), reason });
  }
}

/** How two values under one key differ, or undefined when they are the same. */
function valueDifference(namespace: string, a: Uint8Array, b: Uint8Array): string | undefined {
  if (Buffer.compare(a, b) === 0) return undefined;
  if (!namespace.startsWith(SOURCE_NAMESPACE_PREFIX)) return 'bytes differ';
  try {
    const [source, target] = [Block.fromTrusted(a), Block.fromTrusted(b)];
    if (source.hashHex !== target.hashHex) return `block hash differs (${source.hashHex} in source, ${target.hashHex} in target)`;
    // Same stored hash, other bytes: one side no longer matches its hash.
    return target.verify() ? 'bytes differ (same block hash; the source block is corrupt)' : 'block corrupt in target (its bytes do not match its hash)';
  } catch {
    return 'bytes differ (not a readable block)';
  }
}

/** Every committed height and root of a state, or nothing when the store has no such state. */
async function* heightsOf(store: Store, name: string): AsyncGenerator<HeightItem> {
  if (!(await store.hasState(name))) return;
  yield* (await store.state(name, { create: false })).heights();
}

/** Compares the roots of one state at every height; gives the source's number of heights. */
async function compareState(from: Store, to: Store, name: string, differences: Differences): Promise<number> {
  const namespace = STATE_NS + name;
  const a = heightsOf(from, name);
  const b = heightsOf(to, name);
  let heights = 0;
  let x = await a.next();
  let y = await b.next();
  for (;;) {
    const p = x.done === true ? undefined : x.value;
    const q = y.done === true ? undefined : y.value;
    if (p === undefined && q === undefined) break;
    if (q === undefined || (p !== undefined && p.height < q.height)) {
      differences.add({ namespace, height: p!.height, reason: 'missing in target' });
      heights++;
      x = await a.next();
    } else if (p === undefined || q.height < p.height) {
      differences.add({ namespace, height: q.height, reason: 'extra in target' });
      y = await b.next();
    } else {
      if (p.root !== q.root) differences.add({ namespace, height: p.height, reason: `root differs (${p.root} in source, ${q.root} in target)` });
      heights++;
      x = await a.next();
      y = await b.next();
    }
  }
  return heights;
}

/**
 * Compares `to` with `from`: every source and block (key, hash and bytes), every other namespace
 * and raw entry, then every versioned state's root at every height. Lists what is missing in
 * the target, extra in it, or different; writes nothing.
 */
export async function compareStores(from: Store, to: Store, options: CompareOptions = {}): Promise<CompareReport> {
  const differences = new Differences();
  const counts = { sources: 0, blocks: 0, blockBytes: 0, namespaces: 0, entries: 0 };
  const count = (p: Position): void => {
    const isSource = p.namespace.startsWith(SOURCE_NAMESPACE_PREFIX);
    if (p.key === undefined) {
      if (isSource) counts.sources++;
      else counts.namespaces++;
      return;
    }
    if (isSource) {
      counts.blocks++;
      counts.blockBytes += p.value!.length;
    } else {
      counts.entries++;
    }
    options.onItem?.(counts.blocks + counts.entries);
  };
  const a = storeItems(from);
  const b = storeItems(to);
  try {
    let x = await a.next();
    let y = await b.next();
    while (x.done !== true || y.done !== true) {
      const p = x.done === true ? undefined : position(x.value);
      const q = y.done === true ? undefined : position(y.value);
      const order = p === undefined ? 1 : q === undefined ? -1 : comparePositions(p, q);
      if (order < 0) {
        differences.at(p!, 'missing in target');
        count(p!);
        x = await a.next();
      } else if (order > 0) {
        differences.at(q!, 'extra in target');
        y = await b.next();
      } else {
        const reason = p!.value === undefined ? undefined : valueDifference(p!.namespace, p!.value, q!.value!);
        if (reason !== undefined) differences.at(p!, reason);
        count(p!);
        x = await a.next();
        y = await b.next();
      }
    }
  } finally {
    await a.return(undefined);
    await b.return(undefined);
  }
  const names = [...new Set([...(await from.states()), ...(await to.states())])].sort();
  let heights = 0;
  for (const name of names) heights += await compareState(from, to, name, differences);
  const states = (await from.states()).length;
  return { ...counts, states, heights, ok: differences.count === 0, differences: differences.listed, differenceCount: differences.count };
}
