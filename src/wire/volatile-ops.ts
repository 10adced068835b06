/**
 * The one table of volatile container operations: for each kind, each method of the embedded
 * container with whether it writes, its arguments in call order (how each crosses the wire as
 * a JSON body field) and how its result is sent. The server builds its routes, argument checks
 * and dispatch from it, the client its calls; a test holds both (and the embedded classes) to it.
 */
import type { VolatileKind } from '../keepr/volatiles.js';

/**
 * How an argument crosses the wire: `key` a key string, `block` a block (`block` JSON view or
 * `blockBase64`), `number` a finite number, `integer` an integer, `range` a key range and cursor
 * spread into the body (`prefix`, `gt`, `gte`, `lt`, `lte`, `reverse`, `limit`, `cursor`),
 * `treeRange` the same plus `parent`.
 */
export type VolatileArgType = 'key' | 'block' | 'number' | 'integer' | 'range' | 'treeRange';

/** One argument of an operation: its body field (for `range`s, the option fields instead), its type and whether it may be left out. */
export interface VolatileArg {
  readonly name: string;
  readonly type: VolatileArgType;
  readonly optional: boolean;
}

/**
 * How a result is sent in `{ result }`: as JSON (`json`: booleans, numbers, key arrays, null for
 * nothing), a block or null (`block`), a queue entry or null (`entry`, its block inside), an
 * array of queue entries (`entries`), a tree node or null (`node`), a put's `{ evicted }`
 * (`evicted`), or a page of keys `{ items, cursor }` (`keyPage`, cursor null on the last page).
 */
export type VolatileResultType = 'json' | 'block' | 'entry' | 'entries' | 'node' | 'evicted' | 'keyPage';

/** One operation of a kind. */
export interface VolatileOp {
  readonly writes: boolean;
  readonly args: readonly VolatileArg[];
  readonly result: VolatileResultType;
}

/** The body fields a `range` argument spreads into. */
export const RANGE_FIELDS = ['prefix', 'gt', 'gte', 'lt', 'lte', 'reverse', 'limit', 'cursor'] as const;
/** The body fields a `treeRange` argument spreads into. */
export const TREE_RANGE_FIELDS = ['parent', ...RANGE_FIELDS] as const;

const arg = (name: string, type: VolatileArgType, optional = false): VolatileArg => ({ name, type, optional });
const KEY = arg('key', 'key');
const BLOCK = arg('block', 'block');
const read = (result: VolatileResultType, ...args: VolatileArg[]): VolatileOp => ({ writes: false, args, result });
const write = (result: VolatileResultType, ...args: VolatileArg[]): VolatileOp => ({ writes: true, args, result });

/** Every operation of every kind, named as the embedded methods. */
export const VOLATILE_OPS = {
  map: {
    get: read('block', KEY),
    has: read('json', KEY),
    put: write('json', KEY, BLOCK),
    delete: write('json', KEY),
    size: read('json'),
    list: read('keyPage', arg('options', 'range', true)),
    clear: write('json'),
  },
  deque: {
    pushFirst: write('json', BLOCK),
    pushLast: write('json', BLOCK),
    popFirst: write('block'),
    popLast: write('block'),
    peekFirst: read('block'),
    peekLast: read('block'),
    at: read('block', arg('index', 'integer')),
    length: read('json'),
    clear: write('json'),
  },
  queue: {
    put: write('evicted', KEY, BLOCK, arg('priority', 'number')),
    get: read('entry', KEY),
    delete: write('json', KEY),
    peekHighest: read('entry'),
    peekLowest: read('entry'),
    popHighest: write('entry'),
    popLowest: write('entry'),
    entries: read('entries', arg('limit', 'integer', true)),
    size: read('json'),
    clear: write('json'),
  },
  tree: {
    add: write('json', KEY, BLOCK, arg('parent', 'key', true)),
    set: write('json', KEY, BLOCK),
    get: read('node', KEY),
    list: read('keyPage', arg('options', 'treeRange', true)),
    delete: write('json', KEY),
    size: read('json'),
    clear: write('json'),
  },
} as const satisfies { readonly [K in VolatileKind]: Readonly<Record<string, VolatileOp>> };

/** The operation names of a kind. */
export type VolatileOpName<K extends VolatileKind> = keyof (typeof VOLATILE_OPS)[K] & string;

/** The operation `op` of `kind`, or undefined (only the table's own entries count: not `toString` or `__proto__`). */
export function volatileOpOf(kind: VolatileKind, op: string): VolatileOp | undefined {
  const ops: Readonly<Record<string, VolatileOp>> = VOLATILE_OPS[kind];
  return Object.hasOwn(ops, op) ? ops[op] : undefined;
}

/** The body fields an operation takes (a block as `block` or `blockBase64`). */
export function bodyFields(spec: VolatileOp): string[] {
  return spec.args.flatMap((a) => (a.type === 'range' ? [...RANGE_FIELDS] : a.type === 'treeRange' ? [...TREE_RANGE_FIELDS] : a.type === 'block' ? ['block', 'blockBase64'] : [a.name]));
}
