/**
 * Volatile containers over HTTP, with the embedded method names and types. Every call is one
 * `POST /v1/volatiles/{kind}/{name}/{op}`; blocks travel as base64 of the binary format, so
 * they arrive byte for byte. Getting a container makes no request: a kind mismatch shows at
 * its first call. The registry's `names`, `kind` and `drop` are promises here.
 */
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import type { QueueEntry, QueueOptions, QueuePutResult, TreeNode, VolatileKeysOptions, VolatileKind } from '../keepr/index.js';
import { assertKey, assertName } from '../keepr/names.js';
import type { VolatileDequeApi, VolatileMapApi, VolatileQueueApi, VolatileTreeApi, VolatilesApi } from './api.js';
import { hasCode, type Transport } from './http.js';

type Args = Record<string, unknown>;

function block64(block: Block): string {
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

/** One container's calls. */
class Caller {
  readonly #http: Transport;
  readonly #path: string;
  readonly #extra: Args;

  constructor(http: Transport, kind: VolatileKind, name: string, extra: Args = {}) {
    assertName(name, 'volatile');
    this.#http = http;
    this.#path = `/v1/volatiles/${kind}/${encodeURIComponent(name)}/`;
    this.#extra = extra;
  }

  async call(op: string, args: Args = {}): Promise<unknown> {
    const body = JSON.stringify({ ...args, ...this.#extra, encoding: 'base64' });
    const answer = (await this.#http.json('POST', this.#path + op, { body, headers: { 'content-type': 'application/json' } })) as { result: unknown };
    return answer.result;
  }
}

/** A remote ordered map of blocks. */
export class RemoteVolatileMap implements VolatileMapApi {
  /** Container name. */
  readonly name: string;
  readonly #c: Caller;

  /** @internal Created by `client.volatiles.map(name)`. */
  constructor(http: Transport, name: string) {
    this.#c = new Caller(http, 'map', name);
    this.name = name;
  }

  /** The block under `key`, or undefined. */
  async get(key: string): Promise<Block | undefined> {
    assertKey(key);
    return decode(await this.#c.call('get', { key }));
  }

  /** True when `key` is present. */
  async has(key: string): Promise<boolean> {
    assertKey(key);
    return (await this.#c.call('has', { key })) as boolean;
  }

  /** Stores a block under `key`. */
  async put(key: string, block: Block): Promise<void> {
    assertKey(key);
    await this.#c.call('put', { key, blockBase64: block64(block) });
  }

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    assertKey(key);
    return (await this.#c.call('delete', { key })) as boolean;
  }

  /** Number of entries. */
  async size(): Promise<number> {
    return (await this.#c.call('size')) as number;
  }

  /** Keys in order, optionally under a prefix and limited. */
  async keys(options: VolatileKeysOptions = {}): Promise<string[]> {
    const limit = options.limit === Infinity ? undefined : options.limit;
    return (await this.#c.call('keys', { prefix: options.prefix, limit })) as string[];
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    await this.#c.call('clear');
  }
}

/** A remote deque of blocks. */
export class RemoteVolatileDeque implements VolatileDequeApi {
  /** Container name. */
  readonly name: string;
  readonly #c: Caller;

  /** @internal Created by `client.volatiles.deque(name)`. */
  constructor(http: Transport, name: string) {
    this.#c = new Caller(http, 'deque', name);
    this.name = name;
  }

  /** Number of blocks held. */
  async length(): Promise<number> {
    return (await this.#c.call('length')) as number;
  }

  /** Adds a block at the front. */
  async pushFirst(block: Block): Promise<void> {
    await this.#c.call('pushFirst', { blockBase64: block64(block) });
  }

  /** Adds a block at the back. */
  async pushLast(block: Block): Promise<void> {
    await this.#c.call('pushLast', { blockBase64: block64(block) });
  }

  /** Removes and returns the front block, or undefined when empty. */
  async popFirst(): Promise<Block | undefined> {
    return decode(await this.#c.call('popFirst'));
  }

  /** Removes and returns the back block, or undefined when empty. */
  async popLast(): Promise<Block | undefined> {
    return decode(await this.#c.call('popLast'));
  }

  /** The front block without removing it. */
  async peekFirst(): Promise<Block | undefined> {
    return decode(await this.#c.call('peekFirst'));
  }

  /** The back block without removing it. */
  async peekLast(): Promise<Block | undefined> {
    return decode(await this.#c.call('peekLast'));
  }

  /** The block at position `index` from the front. */
  async at(index: number): Promise<Block | undefined> {
    if (!Number.isInteger(index)) throw new KeeprError('ARGUMENT_INVALID', 'index must be an integer');
    return decode(await this.#c.call('at', { index }));
  }

  /** Removes every block. */
  async clear(): Promise<void> {
    await this.#c.call('clear');
  }
}

/** A remote bounded priority queue of keyed blocks. */
export class RemoteVolatilePriorityQueue implements VolatileQueueApi {
  /** Container name. */
  readonly name: string;
  readonly #c: Caller;

  /** @internal Created by `client.volatiles.queue(name, options)`. */
  constructor(http: Transport, name: string, options: QueueOptions = {}) {
    this.#c = new Caller(http, 'queue', name, options.capacity === undefined ? {} : { capacity: options.capacity });
    this.name = name;
  }

  /** Number of entries. */
  async size(): Promise<number> {
    return (await this.#c.call('size')) as number;
  }

  /** Adds or re-prioritises `key`; see the embedded queue for eviction and `QUEUE_PRIORITY_TOO_LOW`. */
  async put(key: string, block: Block, priority: number): Promise<QueuePutResult> {
    assertKey(key);
    if (typeof priority !== 'number' || !Number.isFinite(priority)) throw new KeeprError('ARGUMENT_INVALID', 'priority must be a finite number');
    const result = (await this.#c.call('put', { key, blockBase64: block64(block), priority })) as { evicted: string | null };
    return { evicted: result.evicted ?? undefined };
  }

  /** The entry under `key`, or undefined. */
  async get(key: string): Promise<QueueEntry | undefined> {
    assertKey(key);
    return entry(await this.#c.call('get', { key }));
  }

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    assertKey(key);
    return (await this.#c.call('delete', { key })) as boolean;
  }

  /** The highest-priority entry (the oldest among equals). */
  async peekHighest(): Promise<QueueEntry | undefined> {
    return entry(await this.#c.call('peekHighest'));
  }

  /** The lowest-priority entry. */
  async peekLowest(): Promise<QueueEntry | undefined> {
    return entry(await this.#c.call('peekLowest'));
  }

  /** Removes and returns the highest-priority entry. */
  async popHighest(): Promise<QueueEntry | undefined> {
    return entry(await this.#c.call('popHighest'));
  }

  /** Removes and returns the lowest-priority entry. */
  async popLowest(): Promise<QueueEntry | undefined> {
    return entry(await this.#c.call('popLowest'));
  }

  /** Entries from highest to lowest priority. */
  async entries(limit = Infinity): Promise<QueueEntry[]> {
    const result = (await this.#c.call('entries', limit === Infinity ? {} : { limit })) as unknown[];
    return result.map((e) => entry(e)!);
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    await this.#c.call('clear');
  }
}

/** A remote tree of keyed blocks. */
export class RemoteVolatileTree implements VolatileTreeApi {
  /** Container name. */
  readonly name: string;
  readonly #c: Caller;

  /** @internal Created by `client.volatiles.tree(name)`. */
  constructor(http: Transport, name: string) {
    this.#c = new Caller(http, 'tree', name);
    this.name = name;
  }

  /** Number of nodes. */
  async size(): Promise<number> {
    return (await this.#c.call('size')) as number;
  }

  /** Adds a node under `parent` (a root when omitted). */
  async add(key: string, block: Block, parent?: string): Promise<void> {
    assertKey(key);
    if (parent !== undefined) assertKey(parent);
    await this.#c.call('add', { key, blockBase64: block64(block), parent });
  }

  /** Replaces the block of an existing node; false when there is no such node. */
  async set(key: string, block: Block): Promise<boolean> {
    assertKey(key);
    return (await this.#c.call('set', { key, blockBase64: block64(block) })) as boolean;
  }

  /** A node with its parent and children keys, or undefined. */
  async get(key: string): Promise<TreeNode | undefined> {
    assertKey(key);
    const node = (await this.#c.call('get', { key })) as { key: string; block: string; parent: string | null; children: string[] } | null;
    return node === null ? undefined : { key: node.key, block: decode(node.block)!, parent: node.parent ?? undefined, children: node.children };
  }

  /** Keys of the children of `key`. */
  async children(key: string): Promise<string[]> {
    assertKey(key);
    return (await this.#c.call('children', { key })) as string[];
  }

  /** Keys of the root nodes. */
  async roots(): Promise<string[]> {
    return (await this.#c.call('roots')) as string[];
  }

  /** Deletes `key` and its whole subtree; returns how many nodes were removed. */
  async delete(key: string): Promise<number> {
    assertKey(key);
    return (await this.#c.call('delete', { key })) as number;
  }

  /** Removes every node. */
  async clear(): Promise<void> {
    await this.#c.call('clear');
  }
}

/** The remote registry of volatile containers. */
export class RemoteVolatiles implements VolatilesApi {
  readonly #http: Transport;

  /** @internal Created by the client. */
  constructor(http: Transport) {
    this.#http = http;
  }

  /** The map called `name`. */
  map(name: string): RemoteVolatileMap {
    return new RemoteVolatileMap(this.#http, name);
  }

  /** The deque called `name`. */
  deque(name: string): RemoteVolatileDeque {
    return new RemoteVolatileDeque(this.#http, name);
  }

  /** The priority queue called `name`; `capacity` applies when a call creates it. */
  queue(name: string, options: QueueOptions = {}): RemoteVolatilePriorityQueue {
    return new RemoteVolatilePriorityQueue(this.#http, name, options);
  }

  /** The tree called `name`. */
  tree(name: string): RemoteVolatileTree {
    return new RemoteVolatileTree(this.#http, name);
  }

  async #list(): Promise<{ name: string; kind: VolatileKind }[]> {
    return ((await this.#http.json('GET', '/v1/volatiles')) as { volatiles: { name: string; kind: VolatileKind }[] }).volatiles;
  }

  /** Names of all containers, sorted. */
  async names(): Promise<string[]> {
    return (await this.#list()).map((v) => v.name);
  }

  /** The kind of the container called `name`, or undefined. */
  async kind(name: string): Promise<VolatileKind | undefined> {
    assertName(name, 'volatile');
    return (await this.#list()).find((v) => v.name === name)?.kind;
  }

  /** Removes a container; false when there was none. */
  async drop(name: string): Promise<boolean> {
    assertName(name, 'volatile');
    try {
      await this.#http.send('DELETE', `/v1/volatiles/${encodeURIComponent(name)}`);
      return true;
    } catch (err) {
      if (hasCode(err, 'VOLATILE_NOT_FOUND')) return false;
      throw err;
    }
  }
}
