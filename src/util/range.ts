/**
 * The one range vocabulary of keepr, for keys and heights alike: bounds (all that are given
 * apply together), order and count. Every range option type in the API and every range query
 * over HTTP is one of these, so the names cannot drift apart.
 */

/** Bounds, order and count of an ordered read over values of type `B`. */
export interface Bounds<B> {
  /** Only values after this one. */
  readonly gt?: B;
  /** Only values from this one on. */
  readonly gte?: B;
  /** Only values before this one. */
  readonly lt?: B;
  /** Only values up to this one. */
  readonly lte?: B;
  /** Descending order. */
  readonly reverse?: boolean;
  /** At most this many items. */
  readonly limit?: number;
}

/** {@link Bounds} over keys, plus a key prefix. */
export interface KeyBounds<B> extends Bounds<B> {
  /** Only keys starting with this one. */
  readonly prefix?: B;
}
