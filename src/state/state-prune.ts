/**
 * Pruning: forget heights below a point while every height from it on stays readable and
 * provable. For each entry and node, the newest version at or below the point is kept (it is
 * still in force there) unless it records absence (a deletion, an empty node), and every older
 * version is deleted; height records below the point go. The key index is kept. Deletions run in bounded transactions, the meta record is updated first so a
 * crash midway leaves only unreachable garbage that the next prune removes.
 */
import { KeeprError } from '../errors.js';
import { isObject } from '../util/guards.js';
import type { WriteOp } from '../engine/engine.js';
import { DELETED, TAG, heightOfKey, versionOf } from './state-records.js';
import { writeMeta } from './state-meta.js';
import type { VersionedState } from './versioned-state.js';

/** Options of {@link pruneState}: keep the last N heights, or everything from a height on. */
export type PruneOptions = { readonly keepLast: number } | { readonly from: number };

/** What pruning removed. */
export interface PruneReport {
  /** The first height still readable. */
  readonly prunedBefore: number;
  /** Records deleted. */
  readonly deleted: number;
}

const BATCH = 5000;

/** True when a record states absence: a deleted entry or an empty node. */
function absent(tag: number, value: Uint8Array): boolean {
  return tag === TAG.entry ? value.length === 1 && value[0] === DELETED : value.length === 0;
}

/** Removes heights below the prune point of `options` (the embedded `state.prune()`, also behind the HTTP route). */
export async function pruneState(state: VersionedState, options: PruneOptions): Promise<PruneReport> {
  // Checked as the HTTP body is, so embedded and remote callers get the same answer.
  if (!isObject(options) || ('keepLast' in options) === ('from' in options)) throw new KeeprError('ARGUMENT_INVALID', 'give exactly one of keepLast and from');
  const latest = state.latest;
  if (latest === undefined) return { prunedBefore: state.prunedBefore, deleted: 0 };
  let from: number;
  if ('keepLast' in options) {
    if (!Number.isInteger(options.keepLast) || options.keepLast < 1) throw new KeeprError('ARGUMENT_INVALID', 'keepLast must be a positive integer');
    from = Math.max(0, latest - options.keepLast + 1);
  } else {
    if (!Number.isInteger(options.from) || options.from < 0 || options.from > latest) {
      throw new KeeprError('STATE_HEIGHT_INVALID', `prune point must be 0 to ${latest}`, { details: { height: options.from } });
    }
    from = options.from;
  }
  const ctx = state.context;
  const { engine, namespace } = ctx;
  if (from > state.prunedBefore) {
    const meta = { ...state.meta, prunedBefore: from };
    await engine.write([writeMeta(namespace, meta)]);
    state.reload(meta);
  }
  // Collect first, delete after: never delete under a live cursor.
  const doomed: Uint8Array[] = [];
  for (const tag of [TAG.entry, TAG.node]) {
    let thing = '';
    let keptOne = false;
    for await (const { key, value } of engine.range(namespace, { prefix: Uint8Array.of(tag) })) {
      const id = Buffer.from(key.subarray(0, key.length - 4)).toString('latin1');
      if (id !== thing) {
        thing = id;
        keptOne = false;
      }
      if (versionOf(key) > from) continue;
      // Within one thing the newest version comes first; the newest one at or below the prune
      // point is still in force at `from`, so it stays, unless it says "absent" (no record
      // says the same).
      if (keptOne || absent(tag, value)) doomed.push(key);
      keptOne = true;
    }
  }
  for await (const { key } of engine.range(namespace, { prefix: Uint8Array.of(TAG.height) })) {
    if (heightOfKey(key) < from) doomed.push(key);
  }
  for (let at = 0; at < doomed.length; at += BATCH) {
    const ops: WriteOp[] = doomed.slice(at, at + BATCH).map((key) => ({ op: 'delete', namespace, key }));
    await engine.write(ops);
  }
  const deleted = doomed.length;
  return { prunedBefore: Math.max(from, state.prunedBefore), deleted };
}
