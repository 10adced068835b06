/**
 * Versioned states as a whole under `/v1/states`: list, create, describe, drop, commit a change
 * set, prune and audit. Every handler re-reads the state's meta first (`refresh`), so a server
 * answers with heights that other processes committed to the same store.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeeprError } from '../errors.js';
import { assertName } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import type { CommitResult, StateChange, VersionedState } from '../state/index.js';
import { header, parseJsonBody } from './bodies.js';
import { JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';
import { errorResponses } from './schemas.js';
import { parseCommit, parsePrune } from './state-bodies.js';
import { existingState, hexRoots, registerStateReadRoutes } from './state-read-routes.js';
import {
  auditAnswerSchema,
  commitAnswerSchema,
  commitBodyDoc,
  pruneAnswerSchema,
  pruneBodyDoc,
  stateParamsSchema,
  summarySchema,
} from './state-schemas.js';
import { statePath, toHex } from '../wire/state-wire.js';

const TAGS = ['states'];

/** Commits without a height retry this often when another process takes the next height first. */
const COMMIT_TRIES = 5;

/** The summary answer of a state: latest height, first readable height, roots at latest. */
async function summary(state: VersionedState): Promise<Record<string, unknown>> {
  const latest = state.latest;
  if (latest === undefined) return { state: state.name, latest: null, prunedBefore: state.prunedBefore, root: null, trees: {} };
  const view = state.at(latest);
  return { state: state.name, latest, prunedBefore: state.prunedBefore, root: toHex(await view.root()), trees: hexRoots(await view.trees()) };
}

/** The JSON of a commit result (roots as hex). */
function commitJson(result: CommitResult): Record<string, unknown> {
  return { height: result.height, root: result.rootHex, trees: result.trees, changes: result.changes };
}

/** The parsed JSON body of a request that must be JSON. */
function jsonBody(request: FastifyRequest): unknown {
  const essence = mediaTypeEssence(header(request, 'content-type'));
  if (essence !== JSON_MEDIA_TYPE) throw new KeeprError('HTTP_CONTENT_TYPE_UNSUPPORTED', `the body is ${JSON_MEDIA_TYPE}, not ${essence ?? 'an untyped body'}`);
  return parseJsonBody(request.body as Buffer | undefined);
}

/** Applies a change set; without a height, a commit another process got in first is retried on top of it. */
async function commit(state: VersionedState, changes: readonly StateChange[], height: number | undefined): Promise<CommitResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await state.apply(changes, height === undefined ? {} : { height });
    } catch (err) {
      // The failed apply adopted the other writer's meta, so the retry stages on its height.
      if (height !== undefined || attempt >= COMMIT_TRIES || !(err instanceof KeeprError) || err.code !== 'STATE_HEIGHT_EXISTS') throw err;
    }
  }
}

/** Registers the `/v1/states` routes. */
export function registerStateRoutes(app: FastifyInstance, store: Store, config: ServerConfig): void {
  app.get(
    '/v1/states',
    {
      config: { role: 'read' },
      schema: { operationId: 'listStates', summary: 'Names of all versioned states', tags: TAGS, response: { 200: { type: 'object', properties: { states: { type: 'array', items: { type: 'string' } } } }, ...errorResponses } },
    },
    async () => ({ states: await store.states() }),
  );

  app.put<{ Params: { state: string } }>(
    '/v1/states/:state',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createState',
        summary: 'Create a state (201), or describe it when it is there (200)',
        tags: TAGS,
        params: stateParamsSchema,
        response: { 200: { ...summarySchema, description: 'It was there' }, 201: { ...summarySchema, description: 'Created' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const name = request.params.state;
      assertName(name, 'state');
      const existed = await store.hasState(name);
      const state = await store.state(name);
      await state.refresh();
      return reply.code(existed ? 200 : 201).header('location', statePath(name)).send(await summary(state));
    },
  );

  app.get<{ Params: { state: string } }>(
    '/v1/states/:state',
    {
      config: { role: 'read' },
      schema: { operationId: 'getState', summary: 'Latest height, first readable height and roots at latest of a state', tags: TAGS, params: stateParamsSchema, response: { 200: summarySchema, ...errorResponses } },
    },
    async (request) => summary(await existingState(store, request.params.state)),
  );

  app.delete<{ Params: { state: string } }>(
    '/v1/states/:state',
    {
      config: { role: 'admin' },
      schema: { operationId: 'dropState', summary: 'Drop a state with all its heights', tags: TAGS, params: stateParamsSchema, response: { 204: { type: 'null', description: 'Dropped' }, ...errorResponses } },
    },
    async (request, reply) => {
      const name = request.params.state;
      if (!(await store.dropState(name))) throw new KeeprError('STATE_NOT_FOUND', `state ${JSON.stringify(name)} does not exist`, { details: { state: name } });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { state: string } }>(
    '/v1/states/:state/commit',
    {
      config: { role: 'write', docBody: commitBodyDoc },
      schema: {
        operationId: 'commitState',
        summary: 'Seal a change set as the next height (or re-apply a committed height), all or nothing',
        tags: TAGS,
        params: stateParamsSchema,
        response: { 200: commitAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const name = request.params.state;
      assertName(name, 'state');
      // The whole change set is checked before the state is touched: a bad one writes nothing.
      const { changes, height } = parseCommit(jsonBody(request), config);
      return commitJson(await commit(await existingState(store, name), changes, height));
    },
  );

  app.post<{ Params: { state: string } }>(
    '/v1/states/:state/prune',
    {
      config: { role: 'admin', docBody: pruneBodyDoc },
      schema: { operationId: 'pruneState', summary: 'Forget heights before a point (keepLast or from)', tags: TAGS, params: stateParamsSchema, response: { 200: pruneAnswerSchema, ...errorResponses } },
    },
    async (request) => {
      const name = request.params.state;
      assertName(name, 'state');
      const options = parsePrune(jsonBody(request));
      return (await existingState(store, name)).prune(options);
    },
  );

  app.post<{ Params: { state: string } }>(
    '/v1/states/:state/audit',
    {
      config: { role: 'admin' },
      schema: { operationId: 'auditState', summary: 'Recompute every hash of a state and report tampering (reads every record)', tags: TAGS, params: stateParamsSchema, response: { 200: auditAnswerSchema, ...errorResponses } },
    },
    async (request) => (await existingState(store, request.params.state)).audit(),
  );

  registerStateReadRoutes(app, store);
}
