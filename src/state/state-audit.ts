/**
 * The audit behind `keepr verify --state`: recomputes every hash of a state from its stored
 * values and compares it with every stored value hash, node, tree root and state root, height
 * by height from the oldest retained one. A changed byte anywhere in the state's authenticated
 * records shows up as a problem naming the height and the key or node it belongs to.
 */
import { GROUP_BITS, GROUP_SIZE, MerkleTree, changedGroups, isGroupLevel, nodeId, type PathChange } from './merkle-tree.js';
import { BUCKET_BITS, ZERO, bucketOf, keyPath, sameHash, stateRoot, valueHash, type BucketEntry } from './state-hash.js';
import { TAG, decodeEntry, heightKey, decodeHeight, decodeGroup, heightOfKey, keyOfIndexRecord, keyPathOfEntry, versionOf, type HeightRecord } from './state-records.js';
import { readMeta, type StateMeta } from './state-meta.js';
import type { StateContext } from './state-view.js';
import { META_KEY } from './state-records.js';

/** One thing the audit found wrong. */
export interface AuditProblem {
  /** What is wrong, e.g. `value hash mismatch`, `node mismatch`, `entry without key`. */
  readonly problem: string;
  readonly height?: number;
  readonly tree?: string;
  /** The key (hex) for value problems, when the key index knows it. */
  readonly key?: string;
  /** The key path (hex) for value problems. */
  readonly keyPath?: string;
  readonly node?: { readonly level: number; readonly index: number };
  /**
   * For a level-8 group record that disagrees: the entries in force at that height (written at
   * it, after the first retained height) below each level-12 node whose hash disagrees. One of
   * them, or the record itself, was changed; with a single suspect that is usually the key.
   */
  readonly suspects?: readonly { readonly keyPath: string; readonly key?: string }[];
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
  type Entry = Versioned<{ tree: number; kh: Uint8Array; vh: Uint8Array | undefined }>;
  const entries = new Map<string, Entry[]>();
  const keys = new Map<string, Uint8Array>();
  const nodes = new Map<string, Versioned<Uint8Array[]>>();
  const heights = new Map<number, HeightRecord>();
  let records = 0;
  for await (const { key, value } of engine.range(namespace, {})) {
    records++;
    const tag = key[0];
    try {
      if (tag === TAG.entry) {
        const tree = (key[1]! << 8) | key[2]!;
        const kh = keyPathOfEntry(key);
        const e = decodeEntry(value);
        const version = versionOf(key);
        const at = `${tree}:${hex(kh)}`;
        const vh = e.kind === 'deleted' ? undefined : valueHash(e.kind, e.value!);
        if (e.storedHash !== undefined && !sameHash(vh!, e.storedHash)) {
          problems.push({ problem: 'value hash mismatch', height: version, tree: treeName(tree), keyPath: hex(kh) });
        }
        const list = entries.get(at);
        // The replay uses the stored hash where there is one (so a changed hash shows too).
        const item: Entry = { version, item: { tree, kh, vh: e.storedHash ?? vh } };
        if (list === undefined) entries.set(at, [item]);
        else list.push(item);
      } else if (tag === TAG.key) {
        const tree = (key[1]! << 8) | key[2]!;
        const k = keyOfIndexRecord(key);
        if (value.length !== 0) throw new Error('key index value');
        keys.set(`${tree}:${hex(keyPath(k))}`, k);
      } else if (tag === TAG.node) {
        const level = key[3]!;
        if (key.length !== 10 || !isGroupLevel(level) || ((key[4]! << 8) | key[5]!) >= 2 ** level) throw new Error('node key');
        nodes.set(hex(key), { version: versionOf(key), item: decodeGroup(value) });
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
  // Name the key of every problem the key index can resolve; an entry the index lacks is one too.
  for (let i = 0; i < problems.length; i++) {
    const p = problems[i]!;
    const k = p.keyPath === undefined ? undefined : keys.get(`${meta.trees[p.tree ?? ''] ?? -1}:${p.keyPath}`);
    if (k !== undefined) problems[i] = { ...p, key: hex(k) };
  }
  for (const [at, versions] of entries) {
    if (keys.has(at)) continue;
    const { tree, kh } = versions[0]!.item;
    problems.push({ problem: 'entry without key', height: versions[0]!.version, tree: treeName(tree), keyPath: hex(kh) });
  }
  const latest = meta.latest;
  const from = meta.prunedBefore;
  const heightList = [...heights.keys()].sort((a, b) => a - b);
  if (latest === undefined ? heightList.length > 0 : heightList.at(-1) !== latest || heightList[0] !== from) {
    problems.push({ problem: 'meta heights do not match the height records', record: 'meta' });
  }
  const keyOf = (tree: number, kh: Uint8Array): Uint8Array | undefined => keys.get(`${tree}:${hex(kh)}`);
  for (const [id] of names) replayTree(id, treeName(id), entries, nodes, heights, heightList, keyOf, problems);
  // State roots: recomputed from the tree roots each height record lists, under the meta's names;
  // change counts: the entries written at each height.
  const counts = new Map<number, number>();
  for (const versions of entries.values()) for (const v of versions) counts.set(v.version, (counts.get(v.version) ?? 0) + 1);
  for (const [height, record] of heights) {
    const roots = new Map([...record.trees].map(([id, root]) => [treeName(id), root]));
    if (!sameHash(stateRoot(roots), record.root)) problems.push({ problem: 'state root mismatch', height });
    // Below the first retained height pruning leaves only the versions still in force.
    if ((height > from || from === 0) && record.changes !== (counts.get(height) ?? 0)) problems.push({ problem: 'change count mismatch', height, record: hex(heightKey(height)) });
  }
  return { ok: problems.length === 0, heights: heights.size, records, problems };
}

function nodeKey(tree: number, level: number, index: number, version: number): string {
  const v = (0xffffffff - version) >>> 0;
  return hex(Uint8Array.of(TAG.node, tree >>> 8, tree & 0xff, level, index >>> 8, index & 0xff, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
}

/** Replays one tree height by height and compares every stored node and root. */
function replayTree(
  tree: number,
  name: string,
  entries: Map<string, Versioned<{ tree: number; kh: Uint8Array; vh: Uint8Array | undefined }>[]>,
  nodes: Map<string, Versioned<Uint8Array[]>>,
  heights: Map<number, HeightRecord>,
  heightList: number[],
  keyOf: (tree: number, kh: Uint8Array) => Uint8Array | undefined,
  problems: AuditProblem[],
): void {
  if (heightList.length === 0) return;
  const first = heightList[0]!;
  const byHeight = new Map<number, PathChange[]>();
  const initial: BucketEntry[] = [];
  for (const versions of entries.values()) {
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
  // Group records of this tree by node id, for the "in force" lookup.
  const stored = new Map<number, Versioned<Uint8Array[]>[]>();
  for (const [k, v] of nodes) {
    const bytes = Buffer.from(k, 'hex');
    if (((bytes[1]! << 8) | bytes[2]!) !== tree) continue;
    const id = nodeId(bytes[3]!, (bytes[4]! << 8) | bytes[5]!);
    const list = stored.get(id) ?? [];
    list.push(v);
    stored.set(id, list);
  }
  const inForce = (id: number, height: number): readonly Uint8Array[] => {
    let best: Versioned<Uint8Array[]> | undefined;
    for (const v of stored.get(id) ?? []) if (v.version <= height && (best === undefined || v.version > best.version)) best = v;
    return best?.item ?? EMPTY_GROUP;
  };
  const at = (id: number): { level: number; index: number } => ({ level: Math.floor(id / 65536), index: id % 65536 });
  // At the first height every group record in force must agree with what the values give, and
  // every non-empty group must have one.
  const groups = new Set(stored.keys());
  for (const n of state.nodes()) {
    const level = n.level - GROUP_BITS;
    if (level >= 0 && isGroupLevel(level)) groups.add(nodeId(level, n.index >>> GROUP_BITS));
  }
  const mismatch = (height: number, level: number, index: number, stored: readonly Uint8Array[], computed: readonly Uint8Array[], candidates: readonly PathChange[]): AuditProblem => {
    const problem: AuditProblem = { problem: 'node mismatch', height, tree: name, node: { level, index } };
    if (level !== BUCKET_BITS - 2 * GROUP_BITS) return problem;
    // The level-12 children that disagree narrow it down to the entries below them.
    const bad = new Set<number>();
    for (let j = 0; j < GROUP_SIZE; j++) if (!sameHash(stored[j] ?? ZERO, computed[j]!)) bad.add(index * GROUP_SIZE + j);
    const suspects = candidates
      .filter((c) => bad.has(bucketOf(c.kh) >>> GROUP_BITS))
      .map((c) => {
        const key = keyOf(tree, c.kh);
        return { keyPath: hex(c.kh), ...(key === undefined ? {} : { key: hex(key) }) };
      });
    return { ...problem, suspects };
  };
  for (const id of groups) {
    const { level, index } = at(id);
    const computed = state.groupHashes(level, index);
    const stored = inForce(id, first);
    if (!sameGroup(stored, computed)) problems.push(mismatch(first, level, index, stored, computed, initial));
  }
  checkRoot(heights.get(first), tree, name, state.root, first, problems);
  for (const height of heightList.slice(1)) {
    const delta = state.stage(byHeight.get(height) ?? []);
    const changed = new Set<number>();
    for (const [level, index, hashes] of changedGroups(state, delta)) {
      const id = nodeId(level, index);
      changed.add(id);
      const record = nodes.get(nodeKey(tree, level, index, height));
      if (record === undefined || !sameGroup(record.item, hashes)) problems.push(mismatch(height, level, index, record?.item ?? EMPTY_GROUP, hashes, byHeight.get(height) ?? []));
    }
    for (const [id, versions] of stored) {
      const written = changed.has(id) ? undefined : versions.find((v) => v.version === height);
      if (written !== undefined) {
        const { level, index } = at(id);
        problems.push({ ...mismatch(height, level, index, written.item, state.groupHashes(level, index), byHeight.get(height) ?? []), problem: 'node record without change' });
      }
    }
    state.apply(delta);
    checkRoot(heights.get(height), tree, name, state.root, height, problems);
  }
}

const EMPTY_GROUP: readonly Uint8Array[] = new Array<Uint8Array>(GROUP_SIZE).fill(ZERO);

function sameGroup(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((h, j) => sameHash(h, b[j]!));
}

function checkRoot(record: HeightRecord | undefined, tree: number, name: string, root: Uint8Array, height: number, problems: AuditProblem[]): void {
  if (record === undefined) return;
  const listed = record.trees.get(tree);
  if (listed === undefined ? !sameHash(root, ZERO) : !sameHash(listed, root)) problems.push({ problem: 'tree root mismatch', height, tree: name });
}
