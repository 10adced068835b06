/**
 * Range reads over a chunked column (both index kinds): the chunks that overlap the range are
 * decoded in order, trimmed to it, and joined, forward or reverse, up to a limit.
 */
import { KeeprError } from '../errors.js';
import type { ChunkedColumn, IndexBound, IndexRange } from './chunked-column.js';
import type { Bounds } from '../util/range.js';
import type { InstrumentValues } from './instrument-types.js';
import { concatValues, sliceValues } from './instrument-values.js';

/** Rows of a column read: index entries and values, in the order asked for. */
export interface ColumnRows<A> {
  readonly index: A;
  readonly values: InstrumentValues;
}

/** Reads the points of `range` (checked with {@link indexRange}). */
export async function readColumn<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array>(column: ChunkedColumn<A, E>, range: IndexRange<E>): Promise<ColumnRows<A>> {
  const { ops, type } = column;
  const reverse = range.reverse === true;
  let left = range.limit ?? Infinity;
  const indexParts: A[] = [];
  const valueParts: InstrumentValues[] = [];
  if (left > 0) {
    for await (const chunk of column.chunksOver(range, reverse, false)) {
      const { index, values } = column.columns(chunk);
      let [s, e] = column.span(index, range);
      if (s >= e) continue;
      if (e - s > left) {
        if (reverse) s = e - left;
        else e = s + left;
      }
      let partIndex = s === 0 && e === index.length ? index : ops.slice(index, s, e);
      let partValues = s === 0 && e === index.length ? values : sliceValues(values as never, s, e);
      if (reverse) {
        partIndex = (partIndex === index ? ops.slice(index, 0, index.length) : partIndex).reverse() as A;
        partValues = (partValues === values ? sliceValues(values as never, 0, values.length) : partValues).reverse();
      }
      indexParts.push(partIndex);
      valueParts.push(partValues);
      left -= e - s;
      if (left <= 0) break;
    }
  }
  if (indexParts.length === 0) return { index: ops.concat([]), values: concatValues(type, []) };
  return { index: ops.concat(indexParts), values: concatValues(type, valueParts as never[]) };
}

/** A limit option: a non-negative integer or undefined. */
export function limitOf(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new KeeprError('ARGUMENT_INVALID', `limit must be a non-negative integer; got ${typeof limit === 'number' ? limit : typeof limit}`, { details: { limit: typeof limit } });
  }
  return limit;
}

/**
 * Folds `gt`/`gte`/`lt`/`lte` (each converted by `convert`) into one lower and one upper bound,
 * the tighter of two winning, like every other range in keepr.
 */
export function indexRange<B, E>(bounds: Bounds<B>, convert: (b: B, name: string) => E, compare: (x: E, y: E) => number): IndexRange<E> {
  const pick = (a: IndexBound<E> | undefined, b: IndexBound<E> | undefined, lower: boolean): IndexBound<E> | undefined => {
    if (a === undefined) return b;
    if (b === undefined) return a;
    const c = compare(a.e, b.e);
    if (c === 0) return a.inclusive ? b : a;
    return (c > 0) === lower ? a : b;
  };
  const bound = (name: 'gt' | 'gte' | 'lt' | 'lte', inclusive: boolean): IndexBound<E> | undefined =>
    bounds[name] === undefined ? undefined : { e: convert(bounds[name], name), inclusive };
  if (bounds.reverse !== undefined && typeof bounds.reverse !== 'boolean') throw new KeeprError('ARGUMENT_INVALID', 'reverse must be a boolean');
  return {
    lower: pick(bound('gt', false), bound('gte', true), true),
    upper: pick(bound('lt', false), bound('lte', true), false),
    reverse: bounds.reverse === true,
    limit: limitOf(bounds.limit),
  };
}
