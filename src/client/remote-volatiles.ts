/**
 * Volatile containers over HTTP, with the embedded method names and types. Every call is one
 * `POST /v1/volatiles/{kind}/{name}/{op}`, its body and result read from the one table of
 * operations (wire/volatile-ops.ts); blocks travel as base64 of the binary format, so
 * they arrive byte for byte. Getting a container makes no request: a kind mismatch shows at
 * its first call. The registry's `names`, `kind` and `drop` are promises here.
 */
import type { Block } from '../block/index.js';
import type { KeyPage, QueueEntry, QueueOptions, QueuePutResult, TreeListOptions, TreeNode, VolatileKind, VolatileListOptions, VolatileRangeOptions } from '../keepr/index.js';
import { assertKey, assertName } from '../keepr/names.js';
import type { VolatileDequeApi, VolatileMapApi, VolatileQueueApi, VolatileTreeApi, VolatilesApi } from './api.js';
import { hasCode, type Transport } from './http.js';
import { Caller } from './volatile-caller.js';

/** A remote ordered map of blocks. */
export class RemoteVolatileMap implements VolatileMapApi {
  /** Container name. */
  readonly name: string;
  readonly #c: Caller<'map'>;

  /** @internal Created by `client.volatiles.map(name)`. */
  constructor(http: Transport, name: string) {
    this.#c = new Caller(http, 'map', name);
    this.name = name;
  }

  /** The block under `key`, or undefined. */
  async get(key: string): Promise<Block | undefined> {
    return (await this.#c.call('get', key)) as Block | undefined;
  }

  /** True when `key` is present. */
  async has(key: string): Promise<boolean> {
    return (await this.#c.call('has', key)) as boolean;
  }

  /** Stores a block under `key`. */
  async put(key: string, block: Block): Promise<void> {
    await this.#c.call('put', key, block);
  }

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    return (await this.#c.call('delete', key)) as boolean;
  }

  /** Number of entries. */
  async size(): Promise<number> {
    return (await this.#c.call('size')) as number;
  }

  /** Keys in order (or reverse) within the bounds, fetched a page at a time as they are iterated. */
  async *keys(options: VolatileRangeOptions = {}): AsyncGenerator<string> {
    yield* this.#c.keys(options);
  }

  /** One page of keys: `{ items, cursor }`, `cursor` absent on the last page. */
  async list(options: VolatileListOptions = {}): Promise<KeyPage> {
    return (await this.#c.call('list', options)) as KeyPage;
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
  readonly #c: Caller<'deque'>;

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
    await this.#c.call('pushFirst', block);
  }

  /** Adds a block at the back. */
  async pushLast(block: Block): Promise<void> {
    await this.#c.call('pushLast', block);
  }

  /** Removes and returns the front block, or undefined when empty. */
  async popFirst(): Promise<Block | undefined> {
    return (await this.#c.call('popFirst')) as Block | undefined;
  }

  /** Removes and returns the back block, or undefined when empty. */
  async popLast(): Promise<Block | undefined> {
    return (await this.#c.call('popLast')) as Block | undefined;
  }

  /** The front block without removing it. */
  async peekFirst(): Promise<Block | undefined> {
    return (await this.#c.call('peekFirst')) as Block | undefined;
  }

  /** The back block without removing it. */
  async peekLast(): Promise<Block | undefined> {
    return (await this.#c.call('peekLast')) as Block | undefined;
  }

  /** The block at position `index` from the front. */
  async at(index: number): Promise<Block | undefined> {
    return (await this.#c.call('at', index)) as Block | undefined;
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
  readonly #c: Caller<'queue'>;

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
    return (await this.#c.call('put', key, block, priority)) as QueuePutResult;
  }

  /** The entry under `key`, or undefined. */
  async get(key: string): Promise<QueueEntry | undefined> {
    return (await this.#c.call('get', key)) as QueueEntry | undefined;
  }

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    return (await this.#c.call('delete', key)) as boolean;
  }

  /** The highest-priority entry (the oldest among equals). */
  async peekHighest(): Promise<QueueEntry | undefined> {
    return (await this.#c.call('peekHighest')) as QueueEntry | undefined;
  }

  /** The lowest-priority entry. */
  async peekLowest(): Promise<QueueEntry | undefined> {
    return (await this.#c.call('peekLowest')) as QueueEntry | undefined;
  }

  /** Removes and returns the highest-priority entry. */
  async popHighest(): Promise<QueueEntry | undefined> {
    return (await this.#c.call('popHighest')) as QueueEntry | undefined;
  }

  /** Removes and returns the lowest-priority entry. */
  async popLowest(): Promise<QueueEntry | undefined> {
    return (await this.#c.call('popLowest')) as QueueEntry | undefined;
  }

  /** Entries from highest to lowest priority. */
  async entries(limit = Infinity): Promise<QueueEntry[]> {
    return (await this.#c.call('entries', limit)) as QueueEntry[];
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
  readonly #c: Caller<'tree'>;

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
    await this.#c.call('add', key, block, parent);
  }

  /** Replaces the block of an existing node; false when there is no such node. */
  async set(key: string, block: Block): Promise<boolean> {
    return (await this.#c.call('set', key, block)) as boolean;
  }

  /** A node with its parent and children keys, or undefined. */
  async get(key: string): Promise<TreeNode | undefined> {
    return (await this.#c.call('get', key)) as TreeNode | undefined;
  }

  /** Keys of the children of `key` in key order within the bounds, fetched a page at a time as they are iterated. */
  async *children(key: string, options: VolatileRangeOptions = {}): AsyncGenerator<string> {
    assertKey(key);
    yield* this.#c.keys({ ...options, parent: key });
  }

  /** Keys of the root nodes in key order within the bounds, fetched a page at a time as they are iterated. */
  async *roots(options: VolatileRangeOptions = {}): AsyncGenerator<string> {
    yield* this.#c.keys({ ...options, parent: undefined });
  }

  /** One page of the children of `parent` (the roots when absent): `{ items, cursor }`, `cursor` absent on the last page. */
  async list(options: TreeListOptions = {}): Promise<KeyPage> {
    return (await this.#c.call('list', options)) as KeyPage;
  }

  /** Deletes `key` and its whole subtree; returns how many nodes were removed. */
  async delete(key: string): Promise<number> {
    return (await this.#c.call('delete', key)) as number;
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
