/**
 * A versioned state over HTTP, with the embedded VersionedState's and StateView's names and
 * types. Keys always travel as base64url and block values as their binary format (base64), so
 * both arrive byte for byte; proofs come back as the same bytes `prove()` gives embedded, to be
 * checked with the pure `verifyProof` against a root the caller trusts.
 */
import { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import { fromBase64Url, hashFromHex, statePath, toBase64Url, treePath } from '../wire/state-wire.js';
import type { AuditReport } from '../state/state-audit.js';
import type { CommitResult } from '../state/state-commit.js';
import { decodeProof, type StateProof } from '../state/state-proof.js';
import type { PruneOptions, PruneReport } from '../state/state-prune.js';
import { heightBounds } from '../state/height-range.js';
import {
  halfOpenRange,
  keyOut,
  pageLimit,
  rangeLimit,
  stateKeyEncoding,
  type Page,
  type StateEntry,
  type StateKeyOf,
  type StateListOptions,
  type StateRangeOptions,
} from '../state/state-range.js';
import type { StateValue } from '../state/state-view.js';
import { checkKey, checkTree, type StateChange } from '../state/state-working.js';
import type { ApplyOptions, HeightItem, HeightListOptions, HeightsOptions } from '../state/versioned-state.js';
import type { StateApi, StateViewApi } from './api.js';
import { hasCode, type Transport } from './http.js';

/** Heights or entries fetched per request. */
const PAGE = 1000;
const JSON_HEADERS = { 'content-type': 'application/json' };
const utf8 = new TextEncoder();

/** The summary the server gives of a state. */
interface Summary {
  readonly latest: number | null;
  readonly prunedBefore: number;
  readonly trees: Readonly<Record<string, string>>;
}

/** A value in a JSON answer (the client always asks for blocks as base64). */
interface ValueJson {
  readonly bytes?: string;
  readonly blockBase64?: string;
}

function invalid(message: string): KeeprError {
  return new KeeprError('ARGUMENT_INVALID', message);
}

function rootOf(hex: unknown): Uint8Array {
  const root = hashFromHex(hex);
  if (root === undefined) throw new KeeprError('HTTP_UNREACHABLE', 'the server answered a root that is not 64 hex digits');
  return root;
}

function valueOf(json: ValueJson): StateValue {
  if (json.blockBase64 !== undefined) return Block.decode(Buffer.from(json.blockBase64, 'base64'));
  return new Uint8Array(Buffer.from(json.bytes ?? '', 'base64'));
}

function rootsOf(trees: Readonly<Record<string, string>>): Map<string, Uint8Array> {
  return new Map(Object.entries(trees).map(([name, hex]) => [name, rootOf(hex)]));
}

/** A change as JSON: key as base64url, value as bytes or blockBase64 (checked first, as embedded). */
function changeJson(change: unknown, index: number): Record<string, unknown> {
  if (typeof change !== 'object' || change === null) throw new KeeprError('ARGUMENT_INVALID', `change ${index} is not an object`, { details: { index } });
  const { op, tree, key, value } = change as { op?: unknown; tree?: unknown; key?: unknown; value?: unknown };
  if (op !== 'put' && op !== 'delete') throw new KeeprError('ARGUMENT_INVALID', `change ${index}: op must be put or delete`, { details: { index } });
  checkTree(tree);
  const out = { op, tree, key: toBase64Url(checkKey(key)) };
  if (op === 'delete') return out;
  if (value instanceof Block) return { ...out, blockBase64: Buffer.from(value.bytes.buffer, value.bytes.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Uint8Array) return { ...out, bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  throw new KeeprError('ARGUMENT_INVALID', value === undefined ? `change ${index}: a put needs a value` : 'state values are Blocks or Uint8Arrays', { details: { index } });
}

/** Key bytes of a range bound ('' and empty bytes stand for no bound, as embedded). */
function boundBytes(bound: unknown, name: string): Uint8Array | undefined {
  if (bound === undefined) return undefined;
  const bytes = typeof bound === 'string' ? utf8.encode(bound) : bound;
  if (!(bytes instanceof Uint8Array)) throw invalid(`${name} must be a string or a Uint8Array`);
  return bytes;
}

/** The bounds of a range as base64url query parameters, folded to `[gte, lt)`; undefined when nothing can be in it. */
function boundsQuery(given: StateRangeOptions): Record<string, string> | undefined {
  for (const name of ['gt', 'lte'] as const) boundBytes(given[name], name);
  const options = halfOpenRange(given);
  const bounds: Record<string, string> = {};
  for (const name of ['prefix', 'gte', 'lt'] as const) {
    const bytes = boundBytes(options[name], name);
    if (bytes === undefined || (bytes.length === 0 && name !== 'lt')) continue;
    // Nothing is below the empty key.
    if (bytes.length === 0) return undefined;
    bounds[name] = toBase64Url(bytes);
  }
  return bounds;
}

/** A read-only view of a remote state at one committed height. Get one from `state.at(height)`. */
export class RemoteStateView implements StateViewApi {
  /** The height this view reads. */
  readonly height: number;
  readonly #state: RemoteState;
  readonly #http: Transport;
  #record: { root: Uint8Array; trees: Map<string, Uint8Array> } | undefined;

  /** @internal Created by {@link RemoteState.at}. */
  constructor(state: RemoteState, http: Transport, height: number) {
    this.#state = state;
    this.#http = http;
    this.height = height;
  }

  async #height(): Promise<{ root: Uint8Array; trees: Map<string, Uint8Array> }> {
    if (this.#record !== undefined) return this.#record;
    const answer = (await this.#state.call(() => this.#http.json('GET', statePath(this.#state.name, `/heights/${this.height}`)))) as { root: string; trees: Record<string, string> };
    this.#record = { root: rootOf(answer.root), trees: rootsOf(answer.trees) };
    return this.#record;
  }

  /** The state root at this height (`STATE_HEIGHT_UNKNOWN` / `STATE_HEIGHT_PRUNED`). */
  async root(): Promise<Uint8Array> {
    return (await this.#height()).root;
  }

  /** Roots of every tree at this height, by name. */
  async trees(): Promise<Map<string, Uint8Array>> {
    return new Map((await this.#height()).trees);
  }

  async #key(tree: string, key: Uint8Array | string, proof: boolean): Promise<{ root: string; found: boolean; proof?: string } & ValueJson> {
    checkTree(tree);
    const path = treePath(this.#state.name, this.height, tree, `/keys/${toBase64Url(checkKey(key))}`);
    const query = { keyEncoding: 'base64url', encoding: 'base64', ...(proof ? { proof: true } : {}) };
    return (await this.#state.call(() => this.#http.json('GET', path, { query }))) as { root: string; found: boolean; proof?: string } & ValueJson;
  }

  /** The value of `key` in `tree` at this height, or undefined. */
  async get(tree: string, key: Uint8Array | string): Promise<StateValue | undefined> {
    const answer = await this.#key(tree, key, false);
    return answer.found ? valueOf(answer) : undefined;
  }

  /**
   * The value (or undefined), the encoded proof and the state root the server claims, in one
   * request. Check the proof with `verifyProof` against a root you trust, not only this one.
   */
  async getWithProof(tree: string, key: Uint8Array | string): Promise<{ value: StateValue | undefined; proof: Uint8Array; root: Uint8Array }> {
    const answer = await this.#key(tree, key, true);
    const proof = fromBase64Url(answer.proof ?? '');
    if (proof === undefined || answer.proof === undefined) throw new KeeprError('HTTP_UNREACHABLE', 'the server answered no proof');
    return { value: answer.found ? valueOf(answer) : undefined, proof, root: rootOf(answer.root) };
  }

  /** An inclusion proof (or, when absent, an exclusion proof) of `key` in `tree`, encoded. */
  async prove(tree: string, key: Uint8Array | string): Promise<Uint8Array> {
    return (await this.getWithProof(tree, key)).proof;
  }

  /** The same proof, decoded. */
  async proof(tree: string, key: Uint8Array | string): Promise<StateProof> {
    return decodeProof(await this.prove(tree, key));
  }

  /** Keys and values of `tree` at this height in key order (or reverse) within the bounds, fetched a page at a time as they are iterated. */
  async *range<O extends StateRangeOptions = StateRangeOptions>(tree: string, options?: O): AsyncGenerator<StateEntry<StateKeyOf<O>>> {
    const given: StateRangeOptions = options ?? {};
    checkTree(tree);
    if (typeof given !== 'object') throw invalid('options must be an object');
    let left = rangeLimit(given.limit);
    const encoding = stateKeyEncoding(given.keyEncoding);
    const bounds = boundsQuery(given);
    let cursor: string | undefined;
    while (left > 0 && bounds !== undefined) {
      const page = await this.#page(tree, bounds, given.reverse === true, Math.min(left, PAGE), cursor);
      for (const [key, value] of page.items) {
        yield { key: keyOut(key, encoding) as StateKeyOf<O>, value };
        if (--left === 0) return;
      }
      if (page.cursor === undefined) return;
      cursor = page.cursor;
    }
  }

  /** One page of `tree` at this height: `{ items, cursor }`, `cursor` absent on the last page. */
  async list<O extends StateListOptions = StateListOptions>(tree: string, options?: O): Promise<Page<StateEntry<StateKeyOf<O>>>> {
    const given: StateListOptions = options ?? {};
    checkTree(tree);
    if (typeof given !== 'object') throw invalid('options must be an object');
    const limit = pageLimit(given.limit);
    const encoding = stateKeyEncoding(given.keyEncoding);
    const bounds = boundsQuery(given);
    if (bounds === undefined) return { items: [] };
    const page = await this.#page(tree, bounds, given.reverse === true, limit, given.cursor);
    const items = page.items.map(([key, value]) => ({ key: keyOut(key, encoding) as StateKeyOf<O>, value }));
    return page.cursor === undefined ? { items } : { items, cursor: page.cursor };
  }

  async #page(tree: string, bounds: Record<string, string>, reverse: boolean, limit: number, cursor: string | undefined): Promise<{ items: [Uint8Array, StateValue][]; cursor?: string }> {
    const query = { ...bounds, reverse, keyEncoding: 'base64url', encoding: 'base64', limit, ...(cursor === undefined ? {} : { cursor }) };
    const page = (await this.#state.call(() => this.#http.json('GET', treePath(this.#state.name, this.height, tree, '/entries'), { query }))) as {
      items: ({ key: string } & ValueJson)[];
      cursor: string | null;
    };
    const items = page.items.map((entry): [Uint8Array, StateValue] => [fromBase64Url(entry.key) ?? new Uint8Array(0), valueOf(entry)]);
    return page.cursor === null ? { items } : { items, cursor: page.cursor };
  }
}

/** A versioned state on a keepr server. Get one from `client.state(name)`. */
export class RemoteState implements StateApi {
  /** The state name. */
  readonly name: string;
  readonly #http: Transport;
  readonly #onGone: () => void;
  #summary: Summary;

  /** @internal Created by the client. */
  constructor(http: Transport, name: string, summary: unknown, onGone: () => void) {
    this.#http = http;
    this.name = name;
    this.#summary = summary as Summary;
    this.#onGone = onGone;
  }

  /** The last committed height, as of the last `refresh()`, `apply()` or `prune()`; undefined before the first commit. */
  get latest(): number | undefined {
    return this.#summary.latest ?? undefined;
  }

  /** The first height still readable, as of the last `refresh()`, `apply()` or `prune()`. */
  get prunedBefore(): number {
    return this.#summary.prunedBefore;
  }

  /** Names of the trees this state has, as of the last `refresh()` or `apply()`. */
  get treeNames(): string[] {
    return Object.keys(this.#summary.trees).sort();
  }

  /** @internal Runs a request; a STATE_NOT_FOUND makes the client forget this handle, as the embedded store does. */
  async call<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (hasCode(err, 'STATE_NOT_FOUND')) this.#onGone();
      throw err;
    }
  }

  /** Re-reads the state's latest height, first readable height and trees from the server. */
  async refresh(): Promise<void> {
    this.#summary = (await this.call(() => this.#http.json('GET', statePath(this.name)))) as Summary;
  }

  /** A read-only view at a committed height. */
  at(height: number): RemoteStateView {
    if (!Number.isInteger(height) || height < 0) throw new KeeprError('STATE_HEIGHT_INVALID', `heights are non-negative integers, not ${height}`, { details: { height } });
    return new RemoteStateView(this, this.#http, height);
  }

  /** Committed heights and their roots (hex), oldest first unless `reverse`, fetched a page at a time as they are iterated. */
  async *heights(options: HeightsOptions = {}): AsyncGenerator<HeightItem> {
    let left = rangeLimit(options.limit);
    if (heightBounds(options, undefined) === undefined) return;
    let cursor: string | undefined;
    while (left > 0) {
      const page = await this.listHeights({ ...options, limit: Math.min(left, PAGE), ...(cursor === undefined ? {} : { cursor }) });
      for (const item of page.items) {
        yield item;
        if (--left === 0) return;
      }
      if (page.cursor === undefined) return;
      cursor = page.cursor;
    }
  }

  /** One page of committed heights: `{ items, cursor }`, `cursor` absent on the last page. */
  async listHeights(options: HeightListOptions = {}): Promise<Page<HeightItem>> {
    const { gt, gte, lt, lte, reverse = false, cursor } = options;
    const limit = pageLimit(options.limit);
    // Checked here as embedded, so a bad bound is ARGUMENT_INVALID on either side.
    if (heightBounds(options, undefined) === undefined) return { items: [] };
    const query = { gt, gte, lt, lte, reverse, limit, cursor };
    const page = (await this.call(() => this.#http.json('GET', statePath(this.name, '/heights'), { query }))) as { items: HeightItem[]; cursor: string | null };
    return page.cursor === null ? { items: page.items } : { items: page.items, cursor: page.cursor };
  }

  /**
   * Seals a change set as one height (the next, or `options.height` to re-apply a committed
   * one) in one request and one transaction on the server: all of it or nothing.
   */
  async apply(changes: readonly StateChange[], options: ApplyOptions = {}): Promise<CommitResult> {
    if (!Array.isArray(changes)) throw invalid('a change set is an array of { op, tree, key, value } changes');
    const list = (changes as readonly unknown[]).map((c, i) => changeJson(c, i));
    const { height } = options;
    if (height !== undefined && (!Number.isInteger(height) || height < 0)) throw new KeeprError('STATE_HEIGHT_INVALID', `heights are non-negative integers, not ${height}`, { details: { height } });
    const body = JSON.stringify({ changes: list, keyEncoding: 'base64url', ...(height === undefined ? {} : { height }) });
    const answer = (await this.call(() => this.#http.json('POST', statePath(this.name, '/commit'), { body, headers: JSON_HEADERS }))) as {
      height: number;
      root: string;
      trees: Record<string, string>;
      changes: number;
    };
    if (answer.height >= (this.#summary.latest ?? -1)) this.#summary = { ...this.#summary, latest: answer.height, trees: answer.trees };
    return { height: answer.height, root: rootOf(answer.root), rootHex: answer.root, trees: answer.trees, changes: answer.changes };
  }

  /** Forgets heights before a point: `{ keepLast }` heights, or those `{ from }` a height on; needs the admin role. */
  async prune(options: PruneOptions): Promise<PruneReport> {
    if (typeof options !== 'object') throw invalid('prune options are { keepLast } or { from }');
    const report = (await this.call(() => this.#http.json('POST', statePath(this.name, '/prune'), { body: JSON.stringify(options), headers: JSON_HEADERS }))) as PruneReport;
    this.#summary = { ...this.#summary, prunedBefore: report.prunedBefore };
    return report;
  }

  /** Recomputes every hash of the state on the server and reports what disagrees; needs the admin role. */
  async audit(): Promise<AuditReport> {
    return (await this.call(() => this.#http.json('POST', statePath(this.name, '/audit')))) as AuditReport;
  }
}
