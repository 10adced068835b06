/**
 * Reads of a versioned state over HTTP: its heights page by page (the one cursor scheme), one height's record, one key
 * at a height (with its proof on request, also for an absent key), and a tree's entries at a
 * height. A height in a path may be `latest`; answers name the height they read and its root.
 */
import type { FastifyInstance } from 'fastify';
import { KeeprError } from '../errors.js';
import { assertName } from '../keepr/index.js';
import { type Store } from '../store/index.js';
import type { StateRangeOptions, StateView, VersionedState } from '../state/index.js';
import { pageRange } from '../state/state-range.js';
import { checkTree } from '../state/state-working.js';
import { encodeKeyCursor } from '../util/cursor.js';
import { encodingOf } from './bodies.js';
import { DEFAULT_ENTRIES_PAGE, ENTRIES_PAGE_BYTES } from './options.js';
import { errorResponses } from './schemas.js';
import { renderKey, renderStateValue } from './state-bodies.js';
import {
  entriesQuerySchema,
  entriesSchema,
  heightParamsSchema,
  heightRecordSchema,
  heightsQuerySchema,
  heightsSchema,
  keyAnswerSchema,
  keyParamsSchema,
  keyQuerySchema,
  stateParamsSchema,
  treeParamsSchema,
} from './state-schemas.js';
import { decodeKeyText, keyEncodingOf, parseHeightText, toBase64Url, toHex, type KeyEncoding } from '../wire/state-wire.js';
import type { Bounds, KeyBounds } from '../util/range.js';

const TAGS = ['states'];

interface HeightParams {
  readonly state: string;
  readonly height: string;
}

interface TreeParams extends HeightParams {
  readonly tree: string;
}

interface KeyParams extends TreeParams {
  readonly '*': string;
}

interface EntriesQuery extends KeyBounds<string> {
  readonly cursor?: string;
  readonly keyEncoding?: string;
  readonly encoding?: string;
}

interface HeightsQuery extends Bounds<number> {
  readonly cursor?: string;
}

/** The state `name`, its meta re-read; `STATE_NOT_FOUND` when it does not exist. */
export async function existingState(store: Store, name: string): Promise<VersionedState> {
  const state = await store.state(name, { create: false });
  await state.refresh();
  return state;
}

/** Hex of every tree root in a map. */
export function hexRoots(trees: ReadonlyMap<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...trees].map(([name, root]) => [name, toHex(root)]));
}

/** A view at a checked height (`latest` resolved): `STATE_HEIGHT_UNKNOWN` / `STATE_HEIGHT_PRUNED` here, not halfway through an answer. */
async function viewAt(store: Store, name: string, heightText: string): Promise<StateView> {
  const wanted = parseHeightText(heightText);
  const state = await existingState(store, name);
  const height = wanted === 'latest' ? state.latest : wanted;
  if (height === undefined) throw new KeeprError('STATE_HEIGHT_UNKNOWN', `state ${JSON.stringify(name)} has no committed height yet`, { details: { height: 'latest' } });
  const view = state.at(height);
  await view.record();
  return view;
}

/** The key bounds of an entries page as bytes, each in the request's key encoding (the state folds and narrows them). */
function rangeBounds(query: EntriesQuery, encoding: KeyEncoding): StateRangeOptions {
  const out: Record<string, Uint8Array> = {};
  for (const name of ['prefix', 'gt', 'gte', 'lt', 'lte'] as const) {
    const text = query[name];
    if (text !== undefined) out[name] = decodeKeyText(text, encoding, name);
  }
  return out;
}

/** Registers the read routes of states. */
export function registerStateReadRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { state: string }; Querystring: HeightsQuery }>(
    '/v1/states/:state/heights',
    {
      config: { role: 'read' },
      schema: { operationId: 'listHeights', summary: 'One page of committed heights, their roots and change counts', tags: TAGS, params: stateParamsSchema, querystring: heightsQuerySchema, response: { 200: heightsSchema, ...errorResponses } },
    },
    async (request) => {
      const { limit = DEFAULT_ENTRIES_PAGE, ...rest } = request.query;
      const state = await existingState(store, request.params.state);
      const page = await state.listHeights({ ...rest, limit });
      return { items: page.items, cursor: page.cursor ?? null };
    },
  );

  app.get<{ Params: HeightParams }>(
    '/v1/states/:state/heights/:height',
    {
      config: { role: 'read' },
      schema: { operationId: 'getHeight', summary: 'One height: state root, tree roots, number of changed keys', tags: TAGS, params: heightParamsSchema, response: { 200: heightRecordSchema, ...errorResponses } },
    },
    async (request) => {
      const view = await viewAt(store, request.params.state, request.params.height);
      const record = await view.record();
      return { height: view.height, root: toHex(record.root), changes: record.changes, trees: hexRoots(await view.trees()) };
    },
  );

  app.get<{ Params: KeyParams; Querystring: { proof?: boolean; keyEncoding?: string; encoding?: string } }>(
    '/v1/states/:state/heights/:height/trees/:tree/keys/*',
    {
      config: { role: 'read' },
      schema: {
        operationId: 'getStateKey',
        summary: 'A key at a height: its value (found: false when absent) and, with ?proof=true, its inclusion or exclusion proof',
        tags: TAGS,
        params: keyParamsSchema,
        querystring: keyQuerySchema,
        response: { 200: keyAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { state: name, height, tree, '*': keyText } = request.params;
      const { proof = false, keyEncoding, encoding } = request.query;
      // Everything about the request is checked before the store is read.
      assertName(name, 'state');
      checkTree(tree);
      const key = decodeKeyText(keyText, keyEncodingOf(keyEncoding, 'HTTP_REQUEST_INVALID'));
      const blocks = encodingOf(encoding, 'HTTP_REQUEST_INVALID');
      const view = await viewAt(store, name, height);
      const value = await view.get(tree, key);
      const root = toHex(await view.root());
      const found = value === undefined ? { found: false } : { found: true, ...renderStateValue(value, blocks) };
      return { height: view.height, root, tree, ...found, ...(proof ? { proof: toBase64Url(await view.prove(tree, key)) } : {}) };
    },
  );

  app.get<{ Params: TreeParams; Querystring: EntriesQuery }>(
    '/v1/states/:state/heights/:height/trees/:tree/entries',
    {
      config: { role: 'read' },
      schema: {
        operationId: 'listTreeEntries',
        summary: 'One page of a tree\'s keys and values at a height, in key byte order; continue with the cursor',
        tags: TAGS,
        params: treeParamsSchema,
        querystring: entriesQuerySchema,
        response: { 200: entriesSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { state: name, height, tree } = request.params;
      const { limit = DEFAULT_ENTRIES_PAGE, reverse = false, cursor } = request.query;
      assertName(name, 'state');
      checkTree(tree);
      const keyEncoding = keyEncodingOf(request.query.keyEncoding, 'HTTP_REQUEST_INVALID');
      const blocks = encodingOf(request.query.encoding, 'HTTP_REQUEST_INVALID');
      // Bounds and cursor are checked before the store is read.
      const range = pageRange({ ...rangeBounds(request.query, keyEncoding), reverse, ...(cursor === undefined ? {} : { cursor }) });
      const view = await viewAt(store, name, height);
      const root = toHex(await view.root());
      const items: Record<string, unknown>[] = [];
      let byteLength = 0;
      let last: Uint8Array | undefined;
      let next: string | null = null;
      // One entry beyond the page tells whether another follows; a byte budget keeps pages of big values small.
      for await (const { key, value } of view.range(tree, range)) {
        if (last !== undefined && (items.length === limit || byteLength >= ENTRIES_PAGE_BYTES)) {
          next = encodeKeyCursor(last);
          break;
        }
        items.push({ ...renderKey(key, keyEncoding), ...renderStateValue(value, blocks) });
        byteLength += value.byteLength;
        last = key;
      }
      return { height: view.height, root, items, cursor: next };
    },
  );
}
