/**
 * The writers' deterministic plan: op n of writer w (for a seed) is always the same puts and
 * deletes with the same block bytes, so the checker can rebuild what any prefix of the plan
 * leaves in the store, and tell a block that was never written from one that was.
 */
import { createHash } from 'node:crypto';
import { Block } from '../../../src/block/index.js';
import { mulberry32 } from '../mulberry32.js';

/** One key change: a block's bytes, or undefined for a delete. */
export interface PlannedChange {
  readonly source: string;
  readonly key: string;
  readonly block: Block | undefined;
}

/** How an op is submitted: a single put or delete, `source.batch()`, or `source.write(ops)`. */
export type PlannedApi = 'put' | 'delete' | 'batch' | 'write';

/** One acknowledged unit of work of a writer: all of its changes commit together or not at all. */
export interface PlannedOp {
  readonly n: number;
  readonly api: PlannedApi;
  readonly changes: readonly PlannedChange[];
}

const KEYS_PER_SOURCE = 48;

/** Source `j` of writer `w`. */
export function sourceName(writer: number, j: number): string {
  return `w${writer}-s${j}`;
}

/** The writer a source belongs to, or undefined for a source of no writer. */
export function writerOfSource(source: string): number | undefined {
  const m = /^w(\d+)-s\d+$/.exec(source);
  return m === null ? undefined : Number(m[1]);
}

/** The block change `j` of op `n` of writer `w` puts: 100 B to 14 KiB that encode (w, n, j). */
export function plannedBlock(seed: number, writer: number, n: number, j: number): Block {
  const random = mulberry32((seed * 31 + writer * 1_000_003 + n * 97 + j) >>> 0);
  const size = 100 + Math.floor(random() ** 2 * 14_000);
  const data = new Uint8Array(size);
  let x = (random() * 2 ** 32) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return Block.create({ type: 'uint8', data, attributes: { 1000: `${writer}/${n}/${j}` } });
}

/** Short digest of a block's bytes: what the checker reports and compares. */
export function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 24);
}

/** The first `count` ops of writer `w`. */
export function planOps(seed: number, writer: number, count: number): PlannedOp[] {
  const ops: PlannedOp[] = [];
  for (const op of planSequence(seed, writer)) {
    if (ops.length >= count) break;
    ops.push(op);
  }
  return ops;
}

/** Writer `w`'s ops, endless and lazy. Every ~60 ops it moves on to a new source. */
export function* planSequence(seed: number, writer: number): Generator<PlannedOp, never, undefined> {
  const random = mulberry32((seed ^ (writer * 0x85ebca6b)) >>> 0);
  let source = sourceName(writer, 0);
  let sources = 1;
  for (let n = 0; ; n++) {
    if (n > 0 && random() < 1 / 60) source = sourceName(writer, sources++);
    // Keys come from a small pool so puts overwrite and deletes hit; keys are unique per op.
    const key = (): string => `k${Math.floor(random() * KEYS_PER_SOURCE)}`;
    const r = random();
    const api: PlannedApi = r < 0.35 ? 'put' : r < 0.5 ? 'delete' : r < 0.8 ? 'batch' : 'write';
    const changes: PlannedChange[] = [];
    const size = api === 'put' || api === 'delete' ? 1 : 2 + Math.floor(random() * 5);
    const used = new Set<string>();
    for (let j = 0; changes.length < size && j < 50; j++) {
      const k = key();
      if (used.has(k)) continue;
      used.add(k);
      const del = api === 'delete' || (api !== 'put' && random() < 0.25);
      changes.push({ source, key: k, block: del ? undefined : plannedBlock(seed, writer, n, changes.length) });
    }
    yield { n, api, changes };
  }
}

/** The store content (`source/key` -> digest) that ops 0..m-1 leave, for m = 0..ops.length, incrementally. */
export class PlanState {
  readonly #ops: readonly PlannedOp[];
  readonly #state = new Map<string, string>();
  #applied = 0;

  constructor(ops: readonly PlannedOp[]) {
    this.#ops = ops;
  }

  /** Ops applied so far. */
  get applied(): number {
    return this.#applied;
  }

  /** Current expected content. */
  get state(): ReadonlyMap<string, string> {
    return this.#state;
  }

  /** Applies the next op and returns the keys it changed with their value before it. */
  step(): Map<string, string | undefined> {
    const op = this.#ops[this.#applied++];
    const before = new Map<string, string | undefined>();
    if (op === undefined) return before;
    for (const c of op.changes) {
      const key = `${c.source}/${c.key}`;
      if (!before.has(key)) before.set(key, this.#state.get(key));
      if (c.block === undefined) this.#state.delete(key);
      else this.#state.set(key, digest(c.block.bytes));
    }
    return before;
  }
}
