/** Ranges at the working height: the working changes laid over the height before, merged as they are read. */
import { compareBytes, copyBytes, equalBytes, hasPrefix } from '../util/bytes.js';
import { decodeEntry } from './state-records.js';
import { keyBytes, toStateValue, type StateRangeOptions, type StateValue } from './state-view.js';
import type { Change, Working } from './state-working.js';

/** The working changes of `tree` whose keys lie within every bound of a `[gte, lt)` range, in its order. */
export function changesInRange(working: Working, tree: string, options: StateRangeOptions): Change[] {
  const prefix = options.prefix === undefined ? undefined : keyBytes(options.prefix);
  const gte = options.gte === undefined ? undefined : keyBytes(options.gte);
  const lt = options.lt === undefined ? undefined : keyBytes(options.lt);
  const out: Change[] = [];
  for (const change of working.get(tree)?.values() ?? []) {
    const { key } = change;
    if ((prefix === undefined || hasPrefix(key, prefix)) && (gte === undefined || compareBytes(key, gte) >= 0) && (lt === undefined || compareBytes(key, lt) < 0)) out.push(change);
  }
  out.sort((a, b) => compareBytes(a.key, b.key));
  if (options.reverse === true) out.reverse();
  return out;
}

/**
 * A working-height range: `committed` (the height before, read with the same bounds, in the
 * same order) with `changes` (in that order too) laid over it, one merge step per entry.
 */
export async function* overlayRange(committed: AsyncIterable<[Uint8Array, StateValue]>, changes: readonly Change[], reverse: boolean): AsyncGenerator<[Uint8Array, StateValue]> {
  const before = (a: Uint8Array, b: Uint8Array): boolean => (reverse ? compareBytes(a, b) > 0 : compareBytes(a, b) < 0);
  const entry = (change: Change): [Uint8Array, StateValue] | undefined =>
    change.kind === 'deleted' ? undefined : [copyBytes(change.key), toStateValue(change.kind, decodeEntry(change.record).value!)];
  let i = 0;
  for await (const [key, value] of committed) {
    for (; i < changes.length && before(changes[i]!.key, key); i++) {
      const e = entry(changes[i]!);
      if (e !== undefined) yield e;
    }
    const change = changes[i];
    if (change !== undefined && equalBytes(change.key, key)) {
      // The working change replaces (or deletes) the committed value.
      i++;
      const e = entry(change);
      if (e !== undefined) yield e;
      continue;
    }
    yield [key, value];
  }
  for (; i < changes.length; i++) {
    const e = entry(changes[i]!);
    if (e !== undefined) yield e;
  }
}
