/**
 * The volatile containers over HTTP: `POST /v1/volatiles/{kind}/{name}/{op}` calls the method
 * `op` of that container with named arguments from a JSON body, and answers `{ result }`. The
 * method names are those of the embedded API, so the client maps one to one. Reads of a
 * container that does not exist answer as an empty one and create nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import { VolatileDeque, VolatileMap, VolatilePriorityQueue, VolatileTree, assertKey, type QueueEntry, type TreeNode, type VolatileKind } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { blockFromField, checkBlockSize, encodingOf, fieldsOf, header, parseJsonBody, renderBlock, type BlockEncoding } from './bodies.js';
import { JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';
import { blockJsonSchema, errorResponses } from './schemas.js';

type Arg = 'key' | 'block' | 'priority' | 'parent' | 'index' | 'prefix' | 'limit';

/** The container class of each kind. */
interface Containers {
  readonly map: VolatileMap;
  readonly deque: VolatileDeque;
  readonly queue: VolatilePriorityQueue;
  readonly tree: VolatileTree;
}

/** One method: the arguments it takes (`?` optional), whether it changes the container, and the call itself. */
interface OpSpec<C> {
  readonly args: readonly `${Arg}${'' | '?'}`[];
  readonly writes: boolean;
  readonly call: (container: C, args: VolatileArgs) => Promise<unknown>;
}

type OpTable<C> = Readonly<Record<string, OpSpec<C>>>;

const R = <C>(call: OpSpec<C>['call'], ...args: OpSpec<C>['args']): OpSpec<C> => ({ args, writes: false, call });
const W = <C>(call: OpSpec<C>['call'], ...args: OpSpec<C>['args']): OpSpec<C> => ({ args, writes: true, call });

/** Every method of every kind, with the embedded API's names: the one table the routes and the dispatch read. */
export const VOLATILE_OPS: { readonly [K in VolatileKind]: OpTable<Containers[K]> } = {
  map: {
    get: R((m, a) => m.get(a.key()), 'key'),
    has: R((m, a) => m.has(a.key()), 'key'),
    put: W((m, a) => m.put(a.key(), a.block()), 'key', 'block'),
    delete: W((m, a) => m.delete(a.key()), 'key'),
    size: R((m) => m.size()),
    keys: R((m, a) => {
      const prefix = a.optionalString('prefix');
      const limit = a.optionalNumber('limit');
      return m.keys({ ...(prefix === undefined ? {} : { prefix }), ...(limit === undefined ? {} : { limit }) });
    }, 'prefix?', 'limit?'),
    clear: W((m) => m.clear()),
  },
  deque: {
    pushFirst: W((d, a) => d.pushFirst(a.block()), 'block'),
    pushLast: W((d, a) => d.pushLast(a.block()), 'block'),
    popFirst: W((d) => d.popFirst()),
    popLast: W((d) => d.popLast()),
    peekFirst: R((d) => d.peekFirst()),
    peekLast: R((d) => d.peekLast()),
    at: R((d, a) => d.at(a.number('index')), 'index'),
    length: R((d) => d.length()),
    clear: W((d) => d.clear()),
  },
  queue: {
    put: W((q, a) => q.put(a.key(), a.block(), a.number('priority')), 'key', 'block', 'priority'),
    get: R((q, a) => q.get(a.key()), 'key'),
    delete: W((q, a) => q.delete(a.key()), 'key'),
    peekHighest: R((q) => q.peekHighest()),
    peekLowest: R((q) => q.peekLowest()),
    popHighest: W((q) => q.popHighest()),
    popLowest: W((q) => q.popLowest()),
    entries: R((q, a) => q.entries(a.optionalNumber('limit')), 'limit?'),
    size: R((q) => q.size()),
    clear: W((q) => q.clear()),
  },
  tree: {
    add: W((t, a) => t.add(a.key(), a.block(), a.optionalKey('parent')), 'key', 'block', 'parent?'),
    set: W((t, a) => t.set(a.key(), a.block()), 'key', 'block'),
    get: R((t, a) => t.get(a.key()), 'key'),
    children: R((t, a) => t.children(a.key()), 'key'),
    roots: R((t) => t.roots()),
    delete: W((t, a) => t.delete(a.key()), 'key'),
    size: R((t) => t.size()),
    clear: W((t) => t.clear()),
  },
};

const KINDS = Object.keys(VOLATILE_OPS) as VolatileKind[];

/**
 * The method `op` of `kind`, the one dispatch of every call. An unknown name is
 * `HTTP_REQUEST_INVALID`, the code the route's parameter check gives for it, never a stand-in
 * method; only the table's own entries count, so `toString` or `__proto__` are unknown too.
 */
export function volatileOp<K extends VolatileKind>(kind: K, op: string): OpSpec<Containers[K]> {
  const ops: OpTable<Containers[K]> = VOLATILE_OPS[kind];
  const spec = Object.hasOwn(ops, op) ? ops[op] : undefined;
  if (spec === undefined) {
    throw new KeeprError('HTTP_REQUEST_INVALID', `a ${kind} has no method ${JSON.stringify(op)}: it has ${Object.keys(ops).join(', ')}`, { details: { kind, op } });
  }
  return spec;
}

/** Named arguments of one call, checked on read (`ARGUMENT_INVALID`). */
export class VolatileArgs {
  readonly #raw: Readonly<Record<string, unknown>>;
  #block: Block | undefined;

  constructor(raw: Readonly<Record<string, unknown>>) {
    this.#raw = raw;
  }

  /** A key argument (`key`, or a tree node's `parent`). */
  key(name: 'key' | 'parent' = 'key'): string {
    const value = this.#raw[name];
    assertKey(value);
    return value;
  }

  /** An optional key argument. */
  optionalKey(name: 'parent'): string | undefined {
    return this.#raw[name] === undefined ? undefined : this.key(name);
  }

  /** The block, from `block` (JSON view) or `blockBase64`; built once. */
  block(): Block {
    this.#block ??= blockFromField(this.#raw, 'ARGUMENT_INVALID');
    return this.#block;
  }

  /** A number argument: finite, an integer but for `priority`, not negative for `limit`. */
  number(name: 'priority' | 'index' | 'limit' | 'capacity'): number {
    const value = this.#raw[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new KeeprError('ARGUMENT_INVALID', `${name} must be a finite number`, { details: { argument: name } });
    if (name !== 'priority' && !Number.isInteger(value)) throw new KeeprError('ARGUMENT_INVALID', `${name} must be an integer`, { details: { argument: name } });
    if (name === 'limit' && value < 0) throw new KeeprError('ARGUMENT_INVALID', 'limit must not be negative', { details: { argument: name } });
    return value;
  }

  /** An optional number argument. */
  optionalNumber(name: 'limit' | 'capacity'): number | undefined {
    return this.#raw[name] === undefined ? undefined : this.number(name);
  }

  /** Reads every argument `spec` takes, so each is checked. */
  check(spec: Pick<OpSpec<unknown>, 'args'>): void {
    for (const arg of spec.args) {
      const optional = arg.endsWith('?');
      const name = arg.replace('?', '') as Arg;
      if (name === 'block') this.block();
      else if (name === 'key') this.key();
      else if (name === 'parent') this.optionalKey('parent');
      else if (name === 'prefix') this.optionalString('prefix');
      else if (name === 'limit') this.optionalNumber('limit');
      else if (!optional || this.#raw[name] !== undefined) this.number(name);
    }
  }

  /** An optional string argument. */
  optionalString(name: 'prefix'): string | undefined {
    const value = this.#raw[name];
    if (value !== undefined && typeof value !== 'string') throw new KeeprError('ARGUMENT_INVALID', `${name} must be a string`, { details: { argument: name } });
    return value;
  }
}

/** A result as JSON: blocks rendered, entries and nodes with their blocks, undefined as null. */
function render(value: unknown, encoding: BlockEncoding): unknown {
  if (value === undefined) return null;
  if (value instanceof Block) return renderBlock(value as Block, encoding);
  if (Array.isArray(value)) return value.map((v: unknown) => render(v, encoding));
  if (typeof value === 'object' && value !== null) {
    if ('priority' in value) {
      const e = value as QueueEntry;
      return { key: e.key, block: renderBlock(e.block, encoding), priority: e.priority };
    }
    if ('children' in value) {
      const n = value as TreeNode;
      return { key: n.key, block: renderBlock(n.block, encoding), parent: n.parent ?? null, children: n.children };
    }
    if ('evicted' in value) return { evicted: (value as { evicted: string | undefined }).evicted ?? null };
  }
  return value;
}

/** Where a call finds its container: an empty one outside the store, or the store's (created on first use). */
interface ContainerSource<C> {
  readonly empty: (name: string, capacity?: number) => C;
  readonly open: (store: Store, name: string, capacity?: number) => C;
}

const CONTAINERS: { readonly [K in VolatileKind]: ContainerSource<Containers[K]> } = {
  map: { empty: (name) => new VolatileMap(name), open: (store, name) => store.volatiles.map(name) },
  deque: { empty: (name) => new VolatileDeque(name), open: (store, name) => store.volatiles.deque(name) },
  queue: { empty: (name, capacity) => new VolatilePriorityQueue(name, capacity), open: (store, name, capacity) => store.volatiles.queue(name, capacity === undefined ? {} : { capacity }) },
  tree: { empty: (name) => new VolatileTree(name), open: (store, name) => store.volatiles.tree(name) },
};

function container<K extends VolatileKind>(store: Store, kind: K, name: string, creating: boolean, capacity: number | undefined): Containers[K] {
  // A read of a container that is not there must not create it (read tokens allocate nothing).
  if (store.volatiles.kind(name) === undefined && !creating) return CONTAINERS[kind].empty(name, capacity);
  return CONTAINERS[kind].open(store, name, capacity);
}

function bodyOf(request: FastifyRequest): Readonly<Record<string, unknown>> {
  const body = request.body as Buffer | undefined;
  if (body === undefined || body.length === 0) return {};
  const essence = mediaTypeEssence(header(request, 'content-type'));
  if (essence !== JSON_MEDIA_TYPE) throw new KeeprError('HTTP_CONTENT_TYPE_UNSUPPORTED', `volatile operations take ${JSON_MEDIA_TYPE} bodies`);
  return fieldsOf(parseJsonBody(body), new Set(['key', 'block', 'blockBase64', 'priority', 'parent', 'index', 'prefix', 'limit', 'capacity', 'encoding']), 'ARGUMENT_INVALID', 'the arguments');
}

/** Registers the volatile container routes. */
export function registerVolatileRoutes(app: FastifyInstance, store: Store, config: ServerConfig): void {
  const tags = ['volatiles'];
  app.get(
    '/v1/volatiles',
    {
      config: { role: 'read' },
      schema: {
        operationId: 'listVolatiles',
        summary: 'Names and kinds of all volatile containers',
        tags,
        response: { 200: { type: 'object', properties: { volatiles: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string', enum: KINDS } } } } } }, ...errorResponses },
      },
    },
    () => ({ volatiles: store.volatiles.names().map((name) => ({ name, kind: store.volatiles.kind(name) })) }),
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/volatiles/:name',
    {
      config: { role: 'write' },
      schema: { operationId: 'dropVolatile', summary: 'Drop a volatile container', tags, params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, response: { 204: { type: 'null', description: 'Dropped' }, ...errorResponses } },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!store.volatiles.drop(name)) throw new KeeprError('VOLATILE_NOT_FOUND', `no volatile container ${JSON.stringify(name)}`, { details: { name } });
      return reply.code(204).send();
    },
  );

  for (const kind of KINDS) {
    const ops = VOLATILE_OPS[kind];
    app.post<{ Params: { name: string; op: string } }>(
      `/v1/volatiles/${kind}/:name/:op`,
      {
        config: {
          role: 'read',
          // Known from the URL, so a method that writes is refused before its body is read.
          roleOf: (request) => (volatileOp(kind, (request.params as { op: string }).op).writes ? 'write' : 'read'),
          docBody: {
            description: 'Named arguments (none for size, length, roots, peeks and pops)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    key: { type: 'string' },
                    block: blockJsonSchema,
                    blockBase64: { type: 'string', format: 'byte' },
                    priority: { type: 'number' },
                    parent: { type: 'string' },
                    index: { type: 'integer' },
                    prefix: { type: 'string' },
                    limit: { type: 'integer' },
                    capacity: { type: 'integer', description: 'queue: capacity when this call creates it' },
                    encoding: { type: 'string', enum: ['json', 'base64'] },
                  },
                },
              },
            },
          },
        },
        schema: {
          operationId: `call${kind[0]!.toUpperCase()}${kind.slice(1)}`,
          summary: `Call a method of a ${kind} (created by the first call that writes)`,
          tags,
          params: { type: 'object', properties: { name: { type: 'string' }, op: { type: 'string', enum: Object.keys(ops) } }, required: ['name', 'op'] },
          response: { 200: { type: 'object', properties: { result: { description: 'The method\'s result; blocks as in encoding, absent values as null' } } }, ...errorResponses },
        },
      },
      async (request) => {
        const { name, op } = request.params;
        const spec = volatileOp(kind, op);
        const raw = bodyOf(request);
        const takes = new Set(spec.args.map((a) => a.replace('?', '')));
        for (const field of Object.keys(raw)) {
          const arg = field === 'blockBase64' ? 'block' : field;
          if (!takes.has(arg) && field !== 'encoding' && !(field === 'capacity' && kind === 'queue')) {
            throw new KeeprError('ARGUMENT_INVALID', `${kind}.${op} takes no ${field}`, { details: { argument: field } });
          }
        }
        const encoding = encodingOf(raw['encoding'], 'ARGUMENT_INVALID');
        const args = new VolatileArgs(raw);
        // Every argument is checked before the container is touched, so a bad call changes nothing.
        args.check(spec);
        const capacity = args.optionalNumber('capacity');
        if (takes.has('block')) checkBlockSize(config, args.block());
        const existed = store.volatiles.kind(name) !== undefined;
        try {
          return { result: render(await spec.call(container(store, kind, name, spec.writes, capacity), args), encoding) };
        } catch (err) {
          // A call that fails (a missing tree parent) leaves no container it created behind.
          if (!existed) store.volatiles.drop(name);
          throw err;
        }
      },
    );
  }
}
