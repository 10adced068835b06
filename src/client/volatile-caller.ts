/**
 * The calls of a remote volatile container, built from the one table of operations
 * (wire/volatile-ops.ts): arguments checked and written as the body fields the table names,
 * results read back into what the embedded method returns.
 */
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import type { KeyPage, QueueEntry, VolatileKind, VolatileRangeOptions } from '../keepr/index.js';
import { assertKey, assertName } from '../keepr/names.js';
import { RANGE_FIELDS, TREE_RANGE_FIELDS, volatileOpOf, type VolatileArg, type VolatileOpName, type VolatileResultType } from '../wire/volatile-ops.js';
import type { Transport } from './http.js';

function block64(block: unknown): string {
  if (!(block instanceof Block)) throw new KeeprError('ARGUMENT_INVALID', 'value must be a Block');
  return Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.byteLength).toString('base64');
}

function decode(value: unknown): Block | undefined {
  return typeof value === 'string' ? Block.decode(Buffer.from(value, 'base64')) : undefined;
}

function entry(value: unknown): QueueEntry | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const e = value as { key: string; block: string; priority: number };
  return { key: e.key, block: decode(e.block)!, priority: e.priority };
}

/** An argument as body fields, checked as the server checks it (so a bad call makes no request). */
function argFields(arg: VolatileArg, value: unknown): Record<string, unknown> {
  if (value === undefined && arg.optional) return {};
  switch (arg.type) {
    case 'key':
      assertKey(value);
      return { [arg.name]: value };
    case 'block':
      return { blockBase64: block64(value) };
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new KeeprError('ARGUMENT_INVALID', `${arg.name} must be a finite number`);
      return { [arg.name]: value };
    case 'integer':
      // An unbounded limit is the same as none.
      if (arg.name === 'limit' && value === Infinity) return {};
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new KeeprError('ARGUMENT_INVALID', `${arg.name} must be an integer`);
      return { [arg.name]: value };
    case 'range':
    case 'treeRange': {
      if (typeof value !== 'object' || value === null) throw new KeeprError('ARGUMENT_INVALID', 'options must be an object');
      const fields: readonly string[] = arg.type === 'range' ? RANGE_FIELDS : TREE_RANGE_FIELDS;
      return Object.fromEntries(Object.entries(value).filter(([k, v]) => fields.includes(k) && v !== undefined));
    }
  }
}

/** A result as the embedded method returns it, read as the table says it is sent. */
function resultOf(value: unknown, type: VolatileResultType): unknown {
  switch (type) {
    case 'block':
      return decode(value);
    case 'entry':
      return entry(value);
    case 'entries':
      return (value as unknown[]).map((e) => entry(e)!);
    case 'node': {
      const node = value as { key: string; block: string; parent: string | null; children: string[] } | null;
      return node === null ? undefined : { key: node.key, block: decode(node.block)!, parent: node.parent ?? undefined, children: node.children };
    }
    case 'evicted':
      return { evicted: (value as { evicted: string | null }).evicted ?? undefined };
    case 'keyPage': {
      const page = value as { items: string[]; cursor: string | null };
      return page.cursor === null ? { items: page.items } : { items: page.items, cursor: page.cursor };
    }
    case 'json':
      return value ?? undefined;
  }
}

/** One container's calls, built from the table of operations. */
export class Caller<K extends VolatileKind> {
  readonly #http: Transport;
  readonly #kind: K;
  readonly #path: string;
  readonly #extra: Record<string, unknown>;

  constructor(http: Transport, kind: K, name: string, extra: Record<string, unknown> = {}) {
    assertName(name, 'volatile');
    this.#http = http;
    this.#kind = kind;
    this.#path = `/v1/volatiles/${kind}/${encodeURIComponent(name)}/`;
    this.#extra = extra;
  }

  /** Calls `op` with the embedded method's arguments, in order; gives what the embedded method would. */
  async call(op: VolatileOpName<K>, ...args: unknown[]): Promise<unknown> {
    const spec = volatileOpOf(this.#kind, op)!;
    const fields = Object.assign({}, ...spec.args.map((a, i) => argFields(a, args[i]))) as Record<string, unknown>;
    const body = JSON.stringify({ ...fields, ...this.#extra, encoding: 'base64' });
    const answer = (await this.#http.json('POST', this.#path + op, { body, headers: { 'content-type': 'application/json' } })) as { result: unknown };
    return resultOf(answer.result, spec.result);
  }

  /** Every key of a `list` operation's pages, within the options' range and limit. */
  async *keys(options: VolatileRangeOptions & { parent?: string }): AsyncGenerator<string> {
    if (typeof options !== 'object' || (options as unknown) === null) throw new KeeprError('ARGUMENT_INVALID', 'options must be an object');
    const limit = options.limit ?? Infinity;
    if (limit !== Infinity && (!Number.isInteger(limit) || limit < 0)) throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
    let left = limit;
    let cursor: string | undefined;
    while (left > 0) {
      const page = (await this.call('list' as VolatileOpName<K>, { ...options, limit: Math.min(left, PAGE), cursor })) as KeyPage;
      for (const key of page.items) {
        yield key;
        if (--left === 0) return;
      }
      if (page.cursor === undefined) return;
      cursor = page.cursor;
    }
  }
}

/** Keys fetched per request by the key scans. */
const PAGE = 1000;

