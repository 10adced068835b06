/**
 * The volatile containers over HTTP: `POST /v1/volatiles/{kind}/{name}/{op}` calls the method
 * `op` of that container with named arguments from a JSON body, and answers `{ result }`. The
 * method names are those of the embedded API, so the client maps one to one. Reads of a
 * container that does not exist answer as an empty one and create nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import {
  VolatileDeque,
  VolatileMap,
  VolatilePriorityQueue,
  VolatileTree,
  assertKey,
  type QueueEntry,
  type Store,
  type TreeNode,
  type VolatileKind,
} from '../keepr/index.js';
import { blockFromField, checkBlockSize, encodingOf, fieldsOf, header, parseJsonBody, renderBlock, type BlockEncoding } from './bodies.js';
import { JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';
import { blockJsonSchema, errorResponses } from './schemas.js';

type Arg = 'key' | 'block' | 'priority' | 'parent' | 'index' | 'prefix' | 'limit';

/** One method: the arguments it takes (`?` optional) and whether it changes the container. */
interface OpSpec {
  readonly args: readonly `${Arg}${'' | '?'}`[];
  readonly writes: boolean;
}

const R = (...args: OpSpec['args']): OpSpec => ({ args, writes: false });
const W = (...args: OpSpec['args']): OpSpec => ({ args, writes: true });

/** Every method of every kind, with the embedded API's names. */
export const VOLATILE_OPS: Readonly<Record<VolatileKind, Readonly<Record<string, OpSpec>>>> = {
  map: { get: R('key'), has: R('key'), put: W('key', 'block'), delete: W('key'), size: R(), keys: R('prefix?', 'limit?'), clear: W() },
  deque: {
    pushFirst: W('block'),
    pushLast: W('block'),
    popFirst: W(),
    popLast: W(),
    peekFirst: R(),
    peekLast: R(),
    at: R('index'),
    length: R(),
    clear: W(),
  },
  queue: {
    put: W('key', 'block', 'priority'),
    get: R('key'),
    delete: W('key'),
    peekHighest: R(),
    peekLowest: R(),
    popHighest: W(),
    popLowest: W(),
    entries: R('limit?'),
    size: R(),
    clear: W(),
  },
  tree: { add: W('key', 'block', 'parent?'), set: W('key', 'block'), get: R('key'), children: R('key'), roots: R(), delete: W('key'), size: R(), clear: W() },
};

const KINDS = Object.keys(VOLATILE_OPS) as VolatileKind[];

/** Named arguments of one call, checked on read (`ARGUMENT_INVALID`). */
class Args {
  readonly #raw: Readonly<Record<string, unknown>>;
  #block: Block | undefined;

  constructor(raw: Readonly<Record<string, unknown>>) {
    this.#raw = raw;
  }

  key(name: 'key' | 'parent' = 'key'): string {
    const value = this.#raw[name];
    assertKey(value);
    return value;
  }

  optionalKey(name: 'parent'): string | undefined {
    return this.#raw[name] === undefined ? undefined : this.key(name);
  }

  block(): Block {
    this.#block ??= blockFromField(this.#raw, 'ARGUMENT_INVALID');
    return this.#block;
  }

  number(name: 'priority' | 'index' | 'limit' | 'capacity'): number {
    const value = this.#raw[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new KeeprError('ARGUMENT_INVALID', `${name} must be a finite number`, { details: { argument: name } });
    if (name !== 'priority' && !Number.isInteger(value)) throw new KeeprError('ARGUMENT_INVALID', `${name} must be an integer`, { details: { argument: name } });
    if (name === 'limit' && value < 0) throw new KeeprError('ARGUMENT_INVALID', 'limit must not be negative', { details: { argument: name } });
    return value;
  }

  optionalNumber(name: 'limit' | 'capacity'): number | undefined {
    return this.#raw[name] === undefined ? undefined : this.number(name);
  }

  /** Reads every argument `spec` takes, so each is checked. */
  check(spec: OpSpec): void {
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

  optionalString(name: 'prefix'): string | undefined {
    const value = this.#raw[name];
    if (value !== undefined && typeof value !== 'string') throw new KeeprError('ARGUMENT_INVALID', `${name} must be a string`, { details: { argument: name } });
    return value;
  }
}

type Container = VolatileMap | VolatileDeque | VolatilePriorityQueue | VolatileTree;

async function callMap(m: VolatileMap, op: string, a: Args): Promise<unknown> {
  switch (op) {
    case 'get': return m.get(a.key());
    case 'has': return m.has(a.key());
    case 'put': return m.put(a.key(), a.block());
    case 'delete': return m.delete(a.key());
    case 'size': return m.size();
    case 'keys': {
      const prefix = a.optionalString('prefix');
      const limit = a.optionalNumber('limit');
      return m.keys({ ...(prefix === undefined ? {} : { prefix }), ...(limit === undefined ? {} : { limit }) });
    }
    default: return m.clear();
  }
}

async function callDeque(d: VolatileDeque, op: string, a: Args): Promise<unknown> {
  switch (op) {
    case 'pushFirst': return d.pushFirst(a.block());
    case 'pushLast': return d.pushLast(a.block());
    case 'popFirst': return d.popFirst();
    case 'popLast': return d.popLast();
    case 'peekFirst': return d.peekFirst();
    case 'peekLast': return d.peekLast();
    case 'at': return d.at(a.number('index'));
    case 'length': return d.length();
    default: return d.clear();
  }
}

async function callQueue(q: VolatilePriorityQueue, op: string, a: Args): Promise<unknown> {
  switch (op) {
    case 'put': return q.put(a.key(), a.block(), a.number('priority'));
    case 'get': return q.get(a.key());
    case 'delete': return q.delete(a.key());
    case 'peekHighest': return q.peekHighest();
    case 'peekLowest': return q.peekLowest();
    case 'popHighest': return q.popHighest();
    case 'popLowest': return q.popLowest();
    case 'entries': return q.entries(a.optionalNumber('limit'));
    case 'size': return q.size();
    default: return q.clear();
  }
}

async function callTree(t: VolatileTree, op: string, a: Args): Promise<unknown> {
  switch (op) {
    case 'add': return t.add(a.key(), a.block(), a.optionalKey('parent'));
    case 'set': return t.set(a.key(), a.block());
    case 'get': return t.get(a.key());
    case 'children': return t.children(a.key());
    case 'roots': return t.roots();
    case 'delete': return t.delete(a.key());
    case 'size': return t.size();
    default: return t.clear();
  }
}

function call(container: Container, op: string, args: Args): Promise<unknown> {
  if (container instanceof VolatileMap) return callMap(container, op, args);
  if (container instanceof VolatileDeque) return callDeque(container, op, args);
  if (container instanceof VolatilePriorityQueue) return callQueue(container, op, args);
  return callTree(container, op, args);
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

function container(store: Store, kind: VolatileKind, name: string, creating: boolean, capacity: number | undefined): Container {
  const existing = store.volatiles.kind(name);
  // A read of a container that is not there must not create it (read tokens allocate nothing).
  if (existing === undefined && !creating) {
    if (kind === 'map') return new VolatileMap(name);
    if (kind === 'deque') return new VolatileDeque(name);
    if (kind === 'queue') return new VolatilePriorityQueue(name, capacity);
    return new VolatileTree(name);
  }
  if (kind === 'map') return store.volatiles.map(name);
  if (kind === 'deque') return store.volatiles.deque(name);
  if (kind === 'queue') return store.volatiles.queue(name, capacity === undefined ? {} : { capacity });
  return store.volatiles.tree(name);
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
      schema: { summary: 'Drop a volatile container', tags, params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, response: { 204: { type: 'null', description: 'Dropped' }, ...errorResponses } },
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
          roleOf: (request) => (ops[(request.params as { op: string }).op]?.writes === true ? 'write' : 'read'),
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
          summary: `Call a method of a ${kind} (created by the first call that writes)`,
          tags,
          params: { type: 'object', properties: { name: { type: 'string' }, op: { type: 'string', enum: Object.keys(ops) } }, required: ['name', 'op'] },
          response: { 200: { type: 'object', properties: { result: { description: 'The method\'s result; blocks as in encoding, absent values as null' } } }, ...errorResponses },
        },
      },
      async (request) => {
        const { name, op } = request.params;
        const spec = ops[op]!;
        const raw = bodyOf(request);
        const takes = new Set(spec.args.map((a) => a.replace('?', '')));
        for (const field of Object.keys(raw)) {
          const arg = field === 'blockBase64' ? 'block' : field;
          if (!takes.has(arg) && field !== 'encoding' && !(field === 'capacity' && kind === 'queue')) {
            throw new KeeprError('ARGUMENT_INVALID', `${kind}.${op} takes no ${field}`, { details: { argument: field } });
          }
        }
        const encoding = encodingOf(raw['encoding'], 'ARGUMENT_INVALID');
        const args = new Args(raw);
        // Every argument is checked before the container is touched, so a bad call changes nothing.
        args.check(spec);
        const capacity = args.optionalNumber('capacity');
        if (takes.has('block')) checkBlockSize(config, args.block());
        const existed = store.volatiles.kind(name) !== undefined;
        try {
          return { result: render(await call(container(store, kind, name, spec.writes, capacity), op, args), encoding) };
        } catch (err) {
          // A call that fails (a missing tree parent) leaves no container it created behind.
          if (!existed) store.volatiles.drop(name);
          throw err;
        }
      },
    );
  }
}
