/** The B+tree class of the `sorted-btree` package, loaded the same way under Node and Vitest. */
import sortedBtree from 'sorted-btree';
import type * as SortedBtree from 'sorted-btree';

type BTreeClass = typeof sortedBtree.default;
// sorted-btree is CommonJS with `exports.default = BTree`: Node's ESM default import yields
// module.exports (class on `.default`), Vitest's interop yields the class itself.
const loaded: unknown = sortedBtree;

/** The sorted-btree B+tree class. */
export const BTree: BTreeClass = typeof loaded === 'function' ? (loaded as BTreeClass) : (loaded as { default: BTreeClass }).default;

/** A B+tree instance type. */
export type BTreeOf<K, V> = SortedBtree.default<K, V>;
