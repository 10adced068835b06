/** Height bounds of height listings (`gt`, `gte`, `lt`, `lte`, all that are given applying) as one closed interval. */
import { KeeprError } from '../errors.js';
import { decodeHeightCursor } from '../util/cursor.js';
import { MAX_HEIGHT } from './state-records.js';
import type { Bounds } from '../util/range.js';

/** Height bounds and order of a height listing. */
export type HeightBoundsOptions = Omit<Bounds<number>, 'limit'>;

function bound(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_HEIGHT) {
    throw new KeeprError('ARGUMENT_INVALID', `${name} must be a height (an integer from 0 to ${MAX_HEIGHT})`, { details: { argument: name } });
  }
  return value;
}

/**
 * The heights `[gte, lte]` the options allow, narrowed past the cursor's height (after it, or
 * before it with `reverse`); undefined when none can be.
 */
export function heightBounds(options: HeightBoundsOptions, cursor: string | undefined): { gte: number; lte: number } | undefined {
  let gte = 0;
  let lte = MAX_HEIGHT;
  const gt = bound(options.gt, 'gt');
  const ge = bound(options.gte, 'gte');
  const lt = bound(options.lt, 'lt');
  const le = bound(options.lte, 'lte');
  if (gt !== undefined) gte = Math.max(gte, gt + 1);
  if (ge !== undefined) gte = Math.max(gte, ge);
  if (lt !== undefined) lte = Math.min(lte, lt - 1);
  if (le !== undefined) lte = Math.min(lte, le);
  if (cursor !== undefined) {
    const last = decodeHeightCursor(cursor, MAX_HEIGHT);
    if (options.reverse === true) lte = Math.min(lte, last - 1);
    else gte = Math.max(gte, last + 1);
  }
  return gte > lte ? undefined : { gte, lte };
}
