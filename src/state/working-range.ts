/** Ranges at the working height: the working changes laid over the height before. */
import { compareBytes, copyBytes, hasPrefix } from '../util/bytes.js';
import { decodeEntry } from './state-records.js';
import { keyBytes, toStateValue, type StateRangeOptions, type StateValue } from './state-view.js';
import { mapKey, type Change, type Working } from './state-working.js';

/** The working changes of `tree` whose keys lie within every bound the range gives. */
export function changesInRange(working: Working, tree: string, options: StateRangeOptions): Change[] {
  const prefix = options.prefix === undefined ? undefined : keyBytes(options.prefix);
  const gte = options.gte === undefined ? undefined : keyBytes(options.gte);
  const lt = options.lt === undefined ? undefined : keyBytes(options.lt);
  const out: Change[] = [];
  for (const change of working.get(tree)?.values() ?? []) {
    const { key } = change;
    if ((prefix === undefined || hasPrefix(key, prefix)) && (gte === undefined || compareBytes(key, gte) >= 0) && (lt === undefined || compareBytes(key, lt) < 0)) out.push(change);
  }
  return out;
}

/**
 * A working-height range: `committed` (the height before, read with the same bounds and at least
 * `limit` plus the number of in-bounds changes, so no deletion can pull in an unread key) with
 * the working changes laid over it, in key order (or reverse), at most `limit` entries.
 */
export function overlayRange(committed: readonly [Uint8Array, StateValue][], changes: readonly Change[], options: StateRangeOptions): [Uint8Array, StateValue][] {
  const merged = new Map<string, [Uint8Array, StateValue]>();
  for (const entry of committed) merged.set(mapKey(entry[0]), entry);
  for (const change of changes) {
    const name = mapKey(change.key);
    if (change.kind === 'deleted') merged.delete(name);
    else merged.set(name, [copyBytes(change.key), toStateValue(change.kind, decodeEntry(change.record).value!)]);
  }
  const out = [...merged.values()].sort((a, b) => compareBytes(a[0], b[0]));
  if (options.reverse === true) out.reverse();
  return out.slice(0, options.limit ?? out.length);
}
