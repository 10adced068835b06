/**
 * Sealing a height: the ops of ONE engine transaction (changed entries, new key index records,
 * changed group records, the height record, the meta record and a check that nobody else
 * advanced the state), or, for a height already committed, the comparison that makes
 * re-applying the same change set a no-op.
 */
import type { WriteOp } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { changedGroups, type MerkleTree, type PathChange, type TreeDelta } from './merkle-tree.js';
import { compareHashes, sameHash, stateRoot } from './state-hash.js';
import { META_KEY, encodeGroup, encodeHeight, entryHash, entryKey, entryPrefix, groupPrefix, heightKey, keyIndexKey, versionOf, versioned } from './state-records.js';
import { readMeta, writeMeta, type StateMeta } from './state-meta.js';
import { StateView, versionAt, type StateContext } from './state-view.js';
import type { Change, Working } from './state-working.js';

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

/** A planned commit: the ops to write, then the meta and tree deltas to adopt once written. */
export interface CommitPlan {
  readonly ops: WriteOp[];
  readonly meta: StateMeta;
  readonly deltas: readonly (readonly [MerkleTree, TreeDelta])[];
  readonly result: CommitResult;
}

const EMPTY = new Uint8Array(0);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function result(height: number, root: Uint8Array, names: ReadonlyMap<string, Uint8Array>, changes: number): CommitResult {
  return { height, root, rootHex: hex(root), trees: Object.fromEntries([...names].map(([n, r]) => [n, hex(r)])), changes };
}

const byKeyPath = (a: Change, b: Change): number => compareHashes(a.kh, b.kh);

/** Plans the commit of `working` as the next height. */
export async function planCommit(ctx: StateContext, meta: StateMeta, working: Working, height: number, treeOf: (id: number) => Promise<MerkleTree>): Promise<CommitPlan> {
  const ns = ctx.namespace;
  const next: StateMeta = { ...meta, trees: { ...meta.trees }, latest: height };
  const roots = meta.latest === undefined ? new Map<number, Uint8Array>() : new Map((await new StateView(ctx, meta.latest).record()).trees);
  const ops: WriteOp[] = [];
  const deltas: [MerkleTree, TreeDelta][] = [];
  let changes = 0;
  for (const [treeName, treeChanges] of [...working].sort(([a], [b]) => (a < b ? -1 : 1))) {
    let id = next.trees[treeName];
    if (id === undefined) {
      id = Object.keys(next.trees).length + 1;
      next.trees[treeName] = id;
    }
    const tree = await treeOf(id);
    const paths: PathChange[] = [];
    // Entries go to the engine in key order (neighbouring writes touch the same pages), and
    // staging finds each bucket's changes side by side.
    const sorted = [...treeChanges.values()].sort(byKeyPath);
    for (const change of sorted) {
      const held = tree.holds(change.kh, change.vh);
      // Only effective changes are stored: a put of the value already there writes nothing.
      if (change.vh === undefined ? held === 'absent' : held === 'same') continue;
      paths.push(change);
      ops.push({ op: 'put', namespace: ns, key: entryKey(id, change.kh, height), value: change.record });
      // A key that gets a value while absent joins the key index (again, if it was deleted).
      if (held === 'absent') ops.push({ op: 'put', namespace: ns, key: keyIndexKey(id, change.key), value: EMPTY });
    }
    changes += paths.length;
    const delta = tree.stage(paths);
    for (const [level, index, hashes] of changedGroups(tree, delta)) {
      ops.push({ op: 'put', namespace: ns, key: versioned(groupPrefix(id, level, index), height), value: encodeGroup(hashes) });
    }
    roots.set(id, delta.root);
    deltas.push([tree, delta]);
  }
  const names = new Map(Object.entries(next.trees).map(([n, id]) => [n, roots.get(id) ?? new Uint8Array(32)]));
  const root = stateRoot(names);
  ops.push({ op: 'put', namespace: ns, key: heightKey(height), value: encodeHeight({ root, changes, trees: roots }) });
  // Another process committing to this state meanwhile would make our trees stale: check.
  const expected = meta.latest;
  ops.push({ op: 'check', namespace: ns, key: META_KEY, test: (raw) => readMeta(raw).latest === expected });
  ops.push(writeMeta(ns, next));
  return { ops, meta: next, deltas, result: result(height, root, names, changes) };
}

/** Re-applying a committed height: the same effective changes give its stored result; else an error. */
export async function recommit(ctx: StateContext, meta: StateMeta, working: Working, height: number): Promise<CommitResult> {
  const view = new StateView(ctx, height);
  const record = await view.record();
  let changes = 0;
  const differs = (): KeeprError => new KeeprError('STATE_HEIGHT_EXISTS', `height ${height} was committed with other changes`, { details: { height } });
  const hashAt = async (id: number, kh: Uint8Array, h: number): Promise<Uint8Array | undefined> => {
    const entry = await versionAt(ctx, entryPrefix(id, kh), h);
    return entry === undefined ? undefined : entryHash(entry.value);
  };
  for (const [treeName, treeChanges] of working) {
    const id = meta.trees[treeName];
    for (const { kh, vh } of treeChanges.values()) {
      const before = height === 0 || id === undefined ? undefined : await hashAt(id, kh, height - 1);
      if (vh === undefined ? before === undefined : before !== undefined && sameHash(before, vh)) continue;
      changes++;
      const at = id === undefined ? undefined : await versionAt(ctx, entryPrefix(id, kh), height);
      if (at === undefined || versionOf(at.key) !== height) throw differs();
      const stored = entryHash(at.value);
      if (vh === undefined ? stored !== undefined : stored === undefined || !sameHash(stored, vh)) throw differs();
    }
  }
  if (changes !== record.changes) throw differs();
  return result(height, record.root, await view.trees(), changes);
}
