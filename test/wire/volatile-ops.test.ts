// The one table of volatile operations: every op it names is a method of the embedded
// container, a method of the client's container and a route of the server, and nothing else is.
import { describe, expect, it } from 'vitest';
import { RemoteVolatileDeque, RemoteVolatileMap, RemoteVolatilePriorityQueue, RemoteVolatileTree } from '../../src/client/remote-volatiles.js';
import { VolatileDeque, VolatileMap, VolatilePriorityQueue, VolatileTree, type VolatileKind } from '../../src/keepr/index.js';
import { VOLATILE_OPS, bodyFields, volatileOpOf } from '../../src/wire/volatile-ops.js';
import { serverFixture } from '../server/server-fixture.js';

const EMBEDDED: Record<VolatileKind, object> = { map: VolatileMap.prototype, deque: VolatileDeque.prototype, queue: VolatilePriorityQueue.prototype, tree: VolatileTree.prototype };
const REMOTE: Record<VolatileKind, object> = { map: RemoteVolatileMap.prototype, deque: RemoteVolatileDeque.prototype, queue: RemoteVolatilePriorityQueue.prototype, tree: RemoteVolatileTree.prototype };
const KINDS = Object.keys(VOLATILE_OPS) as VolatileKind[];

/** Public method names of a prototype. */
function methods(proto: object): string[] {
  return Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && typeof (proto as Record<string, unknown>)[n] === 'function');
}

describe('the table of volatile operations', () => {
  it('names only methods of the embedded and the remote containers, with as many parameters', () => {
    for (const kind of KINDS) {
      for (const [op, spec] of Object.entries(VOLATILE_OPS[kind])) {
        expect(methods(EMBEDDED[kind]), `${kind}.${op} embedded`).toContain(op);
        expect(methods(REMOTE[kind]), `${kind}.${op} remote`).toContain(op);
        // Parameters with defaults do not count in length, so compare at most.
        const embedded = (EMBEDDED[kind] as Record<string, (...a: unknown[]) => unknown>)[op]!;
        expect(embedded.length, `${kind}.${op} arity`).toBeLessThanOrEqual(spec.args.length);
        expect(spec.args.filter((a) => !a.optional).length, `${kind}.${op} required`).toBeLessThanOrEqual(Math.max(embedded.length, spec.args.length));
      }
    }
  });

  it('leaves out only scans the client builds from list pages', () => {
    for (const kind of KINDS) {
      const over = methods(REMOTE[kind]).filter((m) => volatileOpOf(kind, m) === undefined);
      expect(over, kind).toEqual(kind === 'map' ? ['keys'] : kind === 'tree' ? ['children', 'roots'] : []);
      expect(methods(EMBEDDED[kind]).filter((m) => volatileOpOf(kind, m) === undefined), kind).toEqual(over);
    }
  });

  it('is what the server routes: every op answers, any other name is HTTP_REQUEST_INVALID', async () => {
    const { app } = await serverFixture({}, 'memory');
    for (const kind of KINDS) {
      for (const op of Object.keys(VOLATILE_OPS[kind])) {
        // No arguments: a route that exists answers 200 or refuses the missing arguments, never 404.
        const answer = await app.inject({ method: 'POST', url: `/v1/volatiles/${kind}/c${kind}/${op}` });
        expect([200, 400, 404, 409].includes(answer.statusCode), `${kind}.${op}`).toBe(true);
        if (answer.statusCode !== 200) expect(answer.json<{ code: string }>().code, `${kind}.${op}`).not.toBe('HTTP_REQUEST_INVALID');
      }
      const unknown = await app.inject({ method: 'POST', url: `/v1/volatiles/${kind}/c${kind}/frobnicate` });
      expect([unknown.statusCode, unknown.json<{ code: string }>().code]).toEqual([400, 'HTTP_REQUEST_INVALID']);
    }
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, { post?: { parameters?: { name: string; schema?: { enum?: string[] } }[] } }> }>();
    for (const kind of KINDS) {
      const op = openapi.paths[`/v1/volatiles/${kind}/{name}/{op}`]?.post?.parameters?.find((p) => p.name === 'op');
      expect(op?.schema?.enum, kind).toEqual(Object.keys(VOLATILE_OPS[kind]));
    }
  });

  it('lists each op\'s body fields from its arguments', () => {
    expect(bodyFields(VOLATILE_OPS.queue.put)).toEqual(['key', 'block', 'blockBase64', 'priority']);
    expect(bodyFields(VOLATILE_OPS.tree.list)).toEqual(['parent', 'prefix', 'gt', 'gte', 'lt', 'lte', 'reverse', 'limit', 'cursor']);
    expect(bodyFields(VOLATILE_OPS.deque.clear)).toEqual([]);
  });
});
