/**
 * The volatile containers over HTTP: `POST /v1/volatiles/{kind}/{name}/{op}` calls the method
 * `op` of that container with named arguments from a JSON body, and answers `{ result }`. Routes,
 * argument checks, dispatch and result forms all come from the one table in wire/volatile-ops.ts,
 * which the client reads too. Reads of a
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
  type KeyPage,
  type QueueEntry,
  type QueuePutResult,
  type TreeNode,
  type VolatileKind,
} from '../keepr/index.js';
import { type Store } from '../store/index.js';
import { blockFromField, checkBlockSize, encodingOf, fieldsOf, header, parseJsonBody, renderBlock, type BlockEncoding } from './bodies.js';
import { JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';
import { blockJsonSchema, errorResponses } from './schemas.js';
import { RANGE_FIELDS, TREE_RANGE_FIELDS, VOLATILE_OPS, bodyFields, volatileOpOf, type VolatileArg, type VolatileOp, type VolatileResultType } from '../wire/volatile-ops.js';

/** The container class of each kind. */
interface Containers {
  readonly map: VolatileMap;
  readonly deque: VolatileDeque;
  readonly queue: VolatilePriorityQueue;
  readonly tree: VolatileTree;
}

/** A container seen as its methods by name (the table says which exist and what they take). */
type Methods = Readonly<Record<string, ((...args: unknown[]) => Promise<unknown>) | undefined>>;

/**
 * The operation `op` of `kind`, the one dispatch of every call. An unknown name is
 * `HTTP_REQUEST_INVALID`, the code the route's parameter check gives for it, never a stand-in
 * method; only the table's own entries count, so `toString` or `__proto__` are unknown too.
 */
export function volatileOp(kind: VolatileKind, op: string): VolatileOp {
  const spec = volatileOpOf(kind, op);
  if (spec === undefined) {
    throw new KeeprError('HTTP_REQUEST_INVALID', `a ${kind} has no method ${JSON.stringify(op)}: it has ${Object.keys(VOLATILE_OPS[kind]).join(', ')}`, { details: { kind, op } });
  }
  return spec;
}

function invalid(name: string, rule: string): KeeprError {
  return new KeeprError('ARGUMENT_INVALID', `${name} ${rule}`, { details: { argument: name } });
}

/** The value of one argument from the body, checked by its table type (`ARGUMENT_INVALID`, `NAME_INVALID`). */
function argValue(arg: VolatileArg, raw: Readonly<Record<string, unknown>>, block: () => Block): unknown {
  if (arg.type === 'range' || arg.type === 'treeRange') {
    // The fields given, as the options object; the container checks them before it reads.
    const fields = arg.type === 'range' ? RANGE_FIELDS : TREE_RANGE_FIELDS;
    return Object.fromEntries(fields.filter((f) => raw[f] !== undefined).map((f) => [f, raw[f]]));
  }
  if (arg.type === 'block') return block();
  const value = raw[arg.name];
  if (value === undefined && arg.optional) return undefined;
  switch (arg.type) {
    case 'key':
      assertKey(value);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(arg.name, 'must be a finite number');
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(arg.name, 'must be an integer');
      if (arg.name === 'limit' && value < 0) throw invalid(arg.name, 'must not be negative');
      return value;
  }
}

/** Calls operation `op` of a container with the arguments of a body: every argument is read (and checked) first. */
export async function callVolatile(container: Containers[VolatileKind], op: string, spec: VolatileOp, raw: Readonly<Record<string, unknown>>): Promise<unknown> {
  let built: Block | undefined;
  const block = (): Block => (built ??= blockFromField(raw, 'ARGUMENT_INVALID'));
  const args = spec.args.map((a) => argValue(a, raw, block));
  const method = (container as unknown as Methods)[op];
  if (method === undefined) throw new KeeprError('INTERNAL', `the ${op} operation has no method`);
  return method.apply(container, args);
}

/** A result as JSON, as the table says it is sent: blocks rendered, entries and nodes with their blocks, nothing as null. */
function render(value: unknown, type: VolatileResultType, encoding: BlockEncoding): unknown {
  if (value === undefined) return null;
  switch (type) {
    case 'block':
      return renderBlock(value as Block, encoding);
    case 'entry': {
      const e = value as QueueEntry;
      return { key: e.key, block: renderBlock(e.block, encoding), priority: e.priority };
    }
    case 'entries':
      return (value as QueueEntry[]).map((e) => render(e, 'entry', encoding));
    case 'node': {
      const n = value as TreeNode;
      return { key: n.key, block: renderBlock(n.block, encoding), parent: n.parent ?? null, children: n.children };
    }
    case 'evicted':
      return { evicted: (value as QueuePutResult).evicted ?? null };
    case 'keyPage': {
      const page = value as KeyPage;
      return { items: page.items, cursor: page.cursor ?? null };
    }
    case 'json':
      return value;
  }
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

const KINDS = Object.keys(VOLATILE_OPS) as VolatileKind[];

/** Every field any operation's body may hold. */
const ALL_FIELDS = new Set([...Object.values(VOLATILE_OPS).flatMap((ops) => Object.values(ops).flatMap((spec: VolatileOp) => bodyFields(spec))), 'capacity', 'encoding']);

function bodyOf(request: FastifyRequest): Readonly<Record<string, unknown>> {
  const body = request.body as Buffer | undefined;
  if (body === undefined || body.length === 0) return {};
  const essence = mediaTypeEssence(header(request, 'content-type'));
  if (essence !== JSON_MEDIA_TYPE) throw new KeeprError('HTTP_CONTENT_TYPE_UNSUPPORTED', `volatile operations take ${JSON_MEDIA_TYPE} bodies`);
  return fieldsOf(parseJsonBody(body), ALL_FIELDS, 'ARGUMENT_INVALID', 'the arguments');
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
                    gt: { type: 'string' },
                    gte: { type: 'string' },
                    lt: { type: 'string' },
                    lte: { type: 'string' },
                    reverse: { type: 'boolean' },
                    limit: { type: 'integer' },
                    cursor: { type: 'string', description: 'list: continue after the page that answered this cursor' },
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
        const takes = new Set(bodyFields(spec));
        for (const field of Object.keys(raw)) {
          if (!takes.has(field) && field !== 'encoding' && !(field === 'capacity' && kind === 'queue')) {
            throw new KeeprError('ARGUMENT_INVALID', `${kind}.${op} takes no ${field}`, { details: { argument: field } });
          }
        }
        const encoding = encodingOf(raw['encoding'], 'ARGUMENT_INVALID');
        const capacity = raw['capacity'];
        if (capacity !== undefined && (typeof capacity !== 'number' || !Number.isInteger(capacity))) throw invalid('capacity', 'must be an integer');
        // Every argument is checked before the method runs (a container the call created is dropped again), so a bad call changes nothing.
        if (takes.has('block')) checkBlockSize(config, blockFromField(raw, 'ARGUMENT_INVALID'));
        const existed = store.volatiles.kind(name) !== undefined;
        try {
          return { result: render(await callVolatile(container(store, kind, name, spec.writes, capacity), op, spec, raw), spec.result, encoding) };
        } catch (err) {
          // A call that fails (a missing tree parent) leaves no container it created behind.
          if (!existed) store.volatiles.drop(name);
          throw err;
        }
      },
    );
  }
}
