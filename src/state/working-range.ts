/** Ranges at the working height: the working changes laid over the height before. */
import { compareBytes } from '../util/bytes.js';
import { decodeEntry } from './state-records.js';
import { keyBytes, toStateValue, type StateRangeOptions, type StateValue } from './state-view.js';
import type { Change, Working } from './state-working.js';

/** Whether `key` lies within a range's prefix, gte and lt bounds (all that are given apply). */
function inBounds(key: Uint8Array, options: StateRangeOptions): boolean {
  if (options.prefix !== undefined) {
    const prefix = keyBytes(options.prefix);
    if (key.length < prefix.length || compareBytes(key.subarray(0, prefix.length), prefix) !== 0) return false;
  }
  if (options.gte !== undefined && compareBytes(key, keyBytes(options.gte)) < 0) return false;
  return options.lt === undefined || compareBytes(key, keyBytes(options.lt)) < 0;
}

/**
 * A working-height range: `committed` (the height before, read with the same bounds and at least
 * `limit` plus the number of in-bounds changes, so no deletion can pull in an unread key) with
 * the working changes laid over it, in key order (or reverse), at most `limit` entries.
 */
export function overlayRange(committed: readonly [Uint8Array, StateValue][], changes: readonly Change[], options: StateRangeOptions): [Uint8Array, StateValue][] {
  const merged = new Map<string, [Uint8Array, StateValue]>();
  for (const entry of committed) merged.set(Buffer.from(entry[0]).toString('latin1'), entry);
  for (const change of changes) {
    const name = Buffer.from(change.key).toString('latin1');
    if (change.kind === 'deleted') merged.delete(name);
    else merged.set(name, [new Uint8Array(change.key), toStateValue(change.kind, decodeEntry(change.record).value!)]);
  }
  const out = [...merged.values()].sort((a, b) => compareBytes(a[0], b[0]));
  if (options.reverse === true) out.reverse();
  return out.slice(0, options.limit ?? out.length);
}

/** The working changes of `tree` whose keys lie within the range's bounds. */
export function changesInRange(working: Working, tree: string, options: StateRangeOptions): Change[] {
  const out: Change[] = [];
  for (const change of working.get(tree)?.values() ?? []) if (inBounds(change.key, options)) out.push(change);
  return out;
}
