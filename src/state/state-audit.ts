/**
 * The audit behind `keepr verify --state`: recomputes every hash of a state from its stored
 * values and compares it with every stored bucket entry, node, tree root and state root, height
 * by height from the oldest retained one. A changed byte anywhere in the state's records shows
 * up as a problem naming the height and the key or node it belongs to.
 */
import { MerkleTree, isStoredLevel, nodeId, type PathChange } from './merkle-tree.js';
import { ZERO, bucketOf, keyPath, sameHash, stateRoot, valueHash, type BucketEntry } from './state-hash.js';
import { TAG, decodeBucketEntry, decodeData, decodeHeight, decodeNode, heightOfKey, keyOfDataRecord, versionOf, type HeightRecord } from './state-records.js';
import { readMeta, type StateMeta } from './state-meta.js';
import type { StateContext } from './state-view.js';
import { META_KEY } from './state-records.js';

/** One thing the audit found wrong. */
export interface AuditProblem {
  /** What is wrong, e.g. `value hash mismatch`, `node mismatch`, `orphan bucket entry`. */
  readonly problem: string;
  readonly height?: number;
  readonly tree?: string;
  /** The key (hex) for value and bucket problems. */
  readonly key?: string;
  /** The key path (hex) for bucket problems without a value record. */
  readonly keyPath?: string;
  readonly node?: { readonly level: number; readonly index: number };
  readonly record?: string;
}

/** Result of {@link auditState}. */
export interface AuditReport {
  readonly ok: boolean;
  readonly heights: number;
  readonly records: number;
  readonly problems: AuditProblem[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Versioned<T> {
  readonly version: number;
  readonly item: T;
}

/** Audits the state behind `ctx`. */
export async function auditState(ctx: StateContext): Promise<AuditReport> {
  const { engine, namespace } = ctx;
  const problems: AuditProblem[] = [];
  let meta: StateMeta;
  try {
    meta = readMeta(await engine.get(namespace, META_KEY));
  } catch {
    return { ok: false, heights: 0, records: 0, problems: [{ problem: 'meta record does not decode', record: 'meta' }] };
  }
  const names = new Map(Object.entries(meta.trees).map(([name, id]) => [id, name]));
  const treeName = (id: number): string => names.get(id) ?? `#${id}`;
  const data = new Map<string, Versioned<{ tree: number; key: Uint8Array; vh: Uint8Array | undefined }>[]>();
  const buckets = new Map<string, Versioned<{ tree: number; kh: Uint8Array; vh: Uint8Array | undefined }>[]>();
  const nodes = new Map<string, Versioned<Uint8Array>>();
  const heights = new Map<number, HeightRecord>();
  let records = 0;
  const push = <T>(map: Map<string, Versioned<T>[]>, k: string, v: Versioned<T>): void => {
    const list = map.get(k);
    if (list === undefined) map.set(k, [v]);
    else list.push(v);
  };
  for await (const { key, value } of engine.range(namespace, {})) {
    records++;
    const tag = key[0];
    try {
      if (tag === TAG.data) {
        const tree = (key[1]! << 8) | key[2]!;
        const k = keyOfDataRecord(key);
        const d = decodeData(value);
        const vh = d.kind === 'deleted' ? undefined : valueHash(d.kind, d.value!);
        push(data, `${tree}:${hex(keyPath(k))}`, { version: versionOf(key), item: { tree, key: k, vh } });
      } else if (tag === TAG.bucket) {
        const tree = (key[1]! << 8) | key[2]!;
        const kh = key.subarray(5, 37);
        if (key.length !== 41 || bucketOf(kh) !== ((key[3]! << 8) | key[4]!)) throw new Error('bucket key');
        push(buckets, `${tree}:${hex(kh)}`, { version: versionOf(key), item: { tree, kh, vh: decodeBucketEntry(value) } });
      } else if (tag === TAG.node) {
        if (key.length !== 10 || key[3]! > 16 || !isStoredLevel(key[3]!)) throw new Error('node key');
        nodes.set(hex(key), { version: versionOf(key), item: decodeNode(value) });
      } else if (tag === TAG.height) {
        if (key.length !== 5) throw new Error('height key');
        heights.set(heightOfKey(key), decodeHeight(value));
      } else if (tag !== TAG.meta) {
        throw new Error('unknown record type');
      }
    } catch {
      problems.push({ problem: 'record does not decode', record: hex(key), ...(key.length > 4 && tag !== TAG.height ? { height: versionOf(key) } : {}) });
    }
  }
  checkValuesAgainstBuckets(data, buckets, treeName, problems);
  const latest = meta.latest;
  const from = meta.prunedBefore;
  const heightList = [...heights.keys()].sort((a, b) => a - b);
  if (latest !== undefined && (heightList.at(-1) !== latest || heightList[0] !== from)) {
    problems.push({ problem: 'meta heights do not match the height records', record: 'meta' });
  }
  for (const [id] of names) replayTree(id, treeName(id), buckets, nodes, heights, heightList, problems);
  // State roots: recomputed from the tree roots each height record lists, under the meta's names.
  for (const [height, record] of heights) {
    const roots = new Map([...record.trees].map(([id, root]) => [treeName(id), root]));
    if (!sameHash(stateRoot(roots), record.root)) problems.push({ problem: 'state root mismatch', height });
  }
  return { ok: problems.length === 0, heights: heights.size, records, problems };
}

function checkValuesAgainstBuckets(
  data: Map<string, Versioned<{ tree: number; key: Uint8Array; vh: Uint8Array | undefined }>[]>,
  buckets: Map<string, Versioned<{ tree: number; kh: Uint8Array; vh: Uint8Array | undefined }>[]>,
  treeName: (id: number) => string,
  problems: AuditProblem[],
): void {
  const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => (a === undefined ? b === undefined : b !== undefined && sameHash(a, b));
  for (const [k, versions] of data) {
    const indexed = buckets.get(k) ?? [];
    for (const v of versions) {
      const b = indexed.find((x) => x.version === v.version);
      if (b === undefined || !same(b.item.vh, v.item.vh)) {
        problems.push({ problem: b === undefined ? 'value without bucket entry' : 'value hash mismatch', height: v.version, tree: treeName(v.item.tree), key: hex(v.item.key) });
      }
    }
  }
  for (const [k, versions] of buckets) {
    const values = data.get(k) ?? [];
    for (const v of versions) {
      if (!values.some((x) => x.version === v.version)) {
        problems.push({ problem: 'bucket entry without value', height: v.version, tree: treeName(v.item.tree), keyPath: hex(v.item.kh) });
      }
    }
  }
}

function nodeKey(tree: number, level: number, index: number, version: number): string {
  const v = (0xffffffff - version) >>> 0;
  return hex(Uint8Array.of(TAG.node, tree >>> 8, tree & 0xff, level, index >>> 8, index & 0xff, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
}

/** Replays one tree height by height and compares every stored node and root. */
function replayTree(
  tree: number,
  name: string,
  buckets: Map<string, Versioned<{ tree: number; kh: Uint8Array; vh: Uint8Array | undefined }>[]>,
  nodes: Map<string, Versioned<Uint8Array>>,
  heights: Map<number, HeightRecord>,
  heightList: number[],
  problems: AuditProblem[],
): void {
  if (heightList.length === 0) return;
  const first = heightList[0]!;
  const byHeight = new Map<number, PathChange[]>();
  const initial: BucketEntry[] = [];
  for (const versions of buckets.values()) {
    if (versions[0]?.item.tree !== tree) continue;
    let base: Versioned<{ kh: Uint8Array; vh: Uint8Array | undefined }> | undefined;
    for (const v of versions) {
      if (v.version <= first) {
        if (base === undefined || v.version > base.version) base = v;
      } else {
        const list = byHeight.get(v.version) ?? [];
        list.push({ kh: v.item.kh, vh: v.item.vh });
        byHeight.set(v.version, list);
      }
    }
    if (base?.item.vh !== undefined) initial.push({ kh: base.item.kh, vh: base.item.vh });
  }
  const state = MerkleTree.build(initial);
  // Stored node records of this tree by (level, index), newest first, for the "in force" lookup.
  const stored = new Map<number, Versioned<Uint8Array>[]>();
  for (const [k, v] of nodes) {
    const bytes = Buffer.from(k, 'hex');
    if (((bytes[1]! << 8) | bytes[2]!) !== tree) continue;
    const id = nodeId(bytes[3]!, (bytes[4]! << 8) | bytes[5]!);
    const list = stored.get(id) ?? [];
    list.push(v);
    stored.set(id, list);
  }
  const inForce = (id: number, height: number): Uint8Array => {
    let best: Versioned<Uint8Array> | undefined;
    for (const v of stored.get(id) ?? []) if (v.version <= height && (best === undefined || v.version > best.version)) best = v;
    return best?.item ?? ZERO;
  };
  // At the first height every stored-level node must agree with what the values give.
  const seen = new Set<number>();
  for (const n of state.nodes()) {
    if (!isStoredLevel(n.level)) continue;
    const id = nodeId(n.level, n.index);
    seen.add(id);
    if (!sameHash(inForce(id, first), n.hash)) problems.push({ problem: 'node mismatch', height: first, tree: name, node: { level: n.level, index: n.index } });
  }
  for (const id of stored.keys()) {
    if (!seen.has(id) && !sameHash(inForce(id, first), ZERO)) problems.push({ problem: 'node mismatch', height: first, tree: name, node: { level: Math.floor(id / 65536), index: id % 65536 } });
  }
  checkRoot(heights.get(first), tree, name, state.root, first, problems);
  for (const height of heightList.slice(1)) {
    const delta = state.stage(byHeight.get(height) ?? []);
    const changed = new Set<number>();
    for (const n of delta.nodes.values()) {
      if (!isStoredLevel(n.level)) continue;
      const id = nodeId(n.level, n.index);
      changed.add(id);
      const record = nodes.get(nodeKey(tree, n.level, n.index, height));
      if (record === undefined || !sameHash(record.item, n.hash)) problems.push({ problem: 'node mismatch', height, tree: name, node: { level: n.level, index: n.index } });
    }
    for (const [id, versions] of stored) {
      if (!changed.has(id) && versions.some((v) => v.version === height)) {
        problems.push({ problem: 'node record without change', height, tree: name, node: { level: Math.floor(id / 65536), index: id % 65536 } });
      }
    }
    state.apply(delta);
    checkRoot(heights.get(height), tree, name, state.root, height, problems);
  }
}

function checkRoot(record: HeightRecord | undefined, tree: number, name: string, root: Uint8Array, height: number, problems: AuditProblem[]): void {
  if (record === undefined) return;
  const listed = record.trees.get(tree);
  if (listed === undefined ? !sameHash(root, ZERO) : !sameHash(listed, root)) problems.push({ problem: 'tree root mismatch', height, tree: name });
}
