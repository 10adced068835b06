/**
 * `connect(url, { token })`: a keepr store served over HTTP, with the embedded Store's method
 * names and types (see api.ts for what is shared and what cannot be). Source handles are cached
 * like the embedded store caches them, and forgotten when the server says the source is gone.
 */
import { KeeprError, isKeeprError } from '../errors.js';
import type { SourceOptions, StoreStats } from '../keepr/index.js';
import { assertName } from '../keepr/names.js';
import { statePath } from '../wire/state-wire.js';
import type { StateOptions } from '../state/open-state.js';
import type { AlignOptions, AlignedRows, InstrumentApi, InstrumentInfo, InstrumentOptions, KeyedColumnApi, TimeSeriesApi } from '../instrument/instrument-types.js';
import type { StoreApi } from './api.js';
import { hasCode, Transport } from './http.js';
import { remoteAlign, remoteDropInstrument, remoteInstrument, remoteInstruments } from './remote-instrument.js';
import { RemoteSource, sourcePath } from './remote-source.js';
import { RemoteState } from './remote-state.js';
import { RemoteVolatiles } from './remote-volatiles.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Bearer token, when the server has tokens (default: the `KEEPR_TOKEN` environment variable). */
  readonly token?: string;
  /** Abort any request that takes longer (default: no limit). */
  readonly timeoutMs?: number;
}

/** A keepr store on a server. Get one from {@link connect}. */
export class KeeprClient implements StoreApi, AsyncDisposable {
  /** The server's base URL. */
  readonly url: string;
  /** RAM-only containers of the server's store. */
  readonly volatiles: RemoteVolatiles;
  readonly #http: Transport;
  readonly #sources = new Map<string, RemoteSource>();
  readonly #states = new Map<string, RemoteState>();

  /** @internal Use {@link connect}. */
  constructor(http: Transport) {
    this.#http = http;
    this.url = http.base;
    this.volatiles = new RemoteVolatiles(http);
  }

  /** True until {@link close}. */
  get isOpen(): boolean {
    return this.#http.isOpen;
  }

  #handle(name: string): RemoteSource {
    const source: RemoteSource = new RemoteSource(this.#http, name, () => {
      if (this.#sources.get(name) === source) this.#sources.delete(name);
    });
    this.#sources.set(name, source);
    return source;
  }

  /** A source by name, created on first use unless `create: false` (creating needs the admin role). */
  async source(name: string, options: SourceOptions = {}): Promise<RemoteSource> {
    assertName(name, 'source');
    this.#http.assertOpen();
    const cached = this.#sources.get(name);
    if (cached !== undefined) return cached;
    if (!(await this.hasSource(name))) {
      if (options.create === false) throw new KeeprError('SOURCE_NOT_FOUND', `source ${JSON.stringify(name)} does not exist`, { details: { source: name } });
      try {
        await this.#http.send('PUT', sourcePath(name));
      } catch (err) {
        // Created meanwhile by someone else: that is what was asked for.
        if (!hasCode(err, 'SOURCE_EXISTS')) throw err;
      }
    }
    return this.#sources.get(name) ?? this.#handle(name);
  }

  /** Creates a source; `SOURCE_EXISTS` when it is already there. */
  async createSource(name: string): Promise<RemoteSource> {
    assertName(name, 'source');
    await this.#http.send('PUT', sourcePath(name));
    return this.#sources.get(name) ?? this.#handle(name);
  }

  /** True when the source exists. */
  async hasSource(name: string): Promise<boolean> {
    assertName(name, 'source');
    try {
      await this.#http.send('GET', sourcePath(name, '/blocks'), { query: { limit: 1 } });
      return true;
    } catch (err) {
      if (hasCode(err, 'SOURCE_NOT_FOUND')) return false;
      throw err;
    }
  }

  /** Names of all sources, sorted. */
  async sources(): Promise<string[]> {
    return ((await this.#http.json('GET', '/v1/sources')) as { sources: string[] }).sources;
  }

  /** Deletes a source and all its blocks; false when it did not exist. */
  async dropSource(name: string): Promise<boolean> {
    assertName(name, 'source');
    this.#sources.delete(name);
    try {
      await this.#http.send('DELETE', sourcePath(name));
      return true;
    } catch (err) {
      if (hasCode(err, 'SOURCE_NOT_FOUND')) return false;
      throw err;
    }
  }

  #stateHandle(name: string, summary: unknown): RemoteState {
    const state: RemoteState = new RemoteState(this.#http, name, summary, () => {
      if (this.#states.get(name) === state) this.#states.delete(name);
    });
    this.#states.set(name, state);
    return state;
  }

  /**
   * The versioned state `name`, created on first use unless `create: false` (then
   * `STATE_NOT_FOUND`); creating needs the admin role. One handle per name, as embedded.
   */
  async state(name: string, options: StateOptions = {}): Promise<RemoteState> {
    assertName(name, 'state');
    this.#http.assertOpen();
    const cached = this.#states.get(name);
    if (cached !== undefined) return cached;
    let summary: unknown;
    try {
      summary = await this.#http.json('GET', statePath(name));
    } catch (err) {
      if (!hasCode(err, 'STATE_NOT_FOUND') || options.create === false) throw err;
      // PUT answers the summary whether it created the state or someone else did meanwhile.
      summary = await this.#http.json('PUT', statePath(name));
    }
    return this.#states.get(name) ?? this.#stateHandle(name, summary);
  }

  /** True when the state exists. */
  async hasState(name: string): Promise<boolean> {
    assertName(name, 'state');
    try {
      await this.#http.send('GET', statePath(name));
      return true;
    } catch (err) {
      if (hasCode(err, 'STATE_NOT_FOUND')) return false;
      throw err;
    }
  }

  /** Names of all versioned states, sorted. */
  async states(): Promise<string[]> {
    return ((await this.#http.json('GET', '/v1/states')) as { states: string[] }).states;
  }

  /** Drops a state with all its heights (admin role); false when it did not exist. */
  async dropState(name: string): Promise<boolean> {
    assertName(name, 'state');
    this.#states.delete(name);
    try {
      await this.#http.send('DELETE', statePath(name));
      return true;
    } catch (err) {
      if (hasCode(err, 'STATE_NOT_FOUND')) return false;
      throw err;
    }
  }

  /**
   * The instrument `name` on the server, created on first use with `options.type` unless
   * `create: false` (`INSTRUMENT_NOT_FOUND`); another kind is `INSTRUMENT_KIND_MISMATCH`.
   */
  async instrument(name: string, options: InstrumentOptions & { index: 'time' }): Promise<TimeSeriesApi>;
  async instrument(name: string, options: InstrumentOptions & { index: 'key' }): Promise<KeyedColumnApi>;
  async instrument(name: string, options?: InstrumentOptions): Promise<InstrumentApi>;
  async instrument(name: string, options: InstrumentOptions = {}): Promise<InstrumentApi> {
    assertName(name, 'instrument');
    return remoteInstrument(this.#http, name, options);
  }

  /** Facts about every instrument, sorted by name. */
  async instruments(): Promise<InstrumentInfo[]> {
    return remoteInstruments(this.#http);
  }

  /** Deletes an instrument with all its chunks; false when absent. */
  async dropInstrument(name: string): Promise<boolean> {
    assertName(name, 'instrument');
    return remoteDropInstrument(this.#http, name);
  }

  /** Several instruments of one index kind read as columns of one table. */
  async align(names: readonly string[], options: AlignOptions = {}): Promise<AlignedRows> {
    return remoteAlign(this.#http, names, options);
  }

  /** Numbers about the server's store. */
  async stats(): Promise<StoreStats> {
    return (await this.#http.json('GET', '/v1/stats')) as StoreStats;
  }

  /** Closes the client (not the server's store); later calls fail with `STORE_CLOSED`. Idempotent. */
  async close(): Promise<void> {
    this.#sources.clear();
    this.#states.clear();
    this.#http.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Connects to a keepr server (`http://127.0.0.1:7070`), checking that it answers `/healthz`.
 * The result has the embedded store's methods; `getSync` and `entriesSync` do not exist over HTTP.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<KeeprClient> {
  let base: URL;
  try {
    base = new URL(url);
  } catch (err) {
    throw new KeeprError('OPTION_INVALID', `not a URL: ${JSON.stringify(url)}`, { cause: err, details: { option: 'url' } });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new KeeprError('OPTION_INVALID', `the URL must be http: or https:, not ${base.protocol}`, { details: { option: 'url' } });
  }
  const { timeoutMs } = options;
  if (timeoutMs !== undefined && (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)) {
    throw new KeeprError('OPTION_INVALID', 'timeoutMs must be a positive integer', { details: { option: 'timeoutMs' } });
  }
  const token = options.token ?? process.env['KEEPR_TOKEN'];
  if (token !== undefined && (typeof token !== 'string' || !/^[A-Za-z0-9._~+/=-]+$/.test(token))) {
    throw new KeeprError('OPTION_INVALID', 'the token must be b64token text (A-Z a-z 0-9 . _ ~ + / = -)', { details: { option: 'token' } });
  }
  const http = new Transport(base.href.replace(/\/+$/, ''), token, timeoutMs);
  try {
    await http.send('GET', '/healthz');
  } catch (err) {
    // A server whose disk is full still answers reads: it is reachable, just not writable.
    if (!isKeeprError(err, 'STORE_FULL')) throw err;
  }
  return new KeeprClient(http);
}
