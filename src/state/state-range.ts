/** State range options and their normal form (bounds as `[gte, lt)`), shared by the embedded state and the client. */
import { compareBytes } from '../util/bytes.js';

const utf8 = new TextEncoder();

/** Key bytes of a string or byte key. */
export function keyBytes(key: Uint8Array | string): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
}

/**
 * Options of {@link StateView.range}: string or byte bounds over the original keys, the same
 * names as every other range (`prefix`, `gt`, `gte`, `lt`, `lte`, `reverse`, `limit`); all given
 * bounds apply together.
 */
export interface StateRangeOptions {
  readonly prefix?: Uint8Array | string;
  readonly gt?: Uint8Array | string;
  readonly gte?: Uint8Array | string;
  readonly lt?: Uint8Array | string;
  readonly lte?: Uint8Array | string;
  readonly reverse?: boolean;
  readonly limit?: number;
}


/** The next key after `key` in byte order: `key` followed by a zero byte. */
function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

/**
 * The same range with `gt` and `lte` folded into `gte` and `lt` (keys are byte strings, so
 * `gt k` is `gte k‖0x00` and `lte k` is `lt k‖0x00`), the tighter bound winning.
 */
export function halfOpenRange(options: StateRangeOptions): StateRangeOptions {
  const { gt, lte, ...rest } = options;
  if (gt === undefined && lte === undefined) return options;
  let { gte, lt } = rest;
  if (gt !== undefined) {
    const bound = successor(keyBytes(gt));
    if (gte === undefined || compareBytes(bound, keyBytes(gte)) > 0) gte = bound;
  }
  if (lte !== undefined) {
    const bound = successor(keyBytes(lte));
    if (lt === undefined || compareBytes(bound, keyBytes(lt)) < 0) lt = bound;
  }
  return { ...rest, ...(gte === undefined ? {} : { gte }), ...(lt === undefined ? {} : { lt }) };
}
