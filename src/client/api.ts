/**
 * The surface the embedded store and the HTTP client share, so code written against these types
 * runs on either: `await open(dir)` or `await connect(url)` is the one line that changes. The
 * container types are picked from the embedded classes, so their signatures cannot drift.
 * Left out on purpose: synchronous reads (`getSync`, `entriesSync`), which HTTP cannot offer.
 */
import type {
  QueueOptions,
  Source,
  SourceOptions,
  StoreStats,
  VolatileDeque,
  VolatileKind,
  VolatileMap,
  VolatilePriorityQueue,
  VolatileTree,
} from '../keepr/index.js';
import type { InstrumentsApi } from '../instrument/instrument-types.js';
import type { StateOptions } from '../state/open-state.js';
import type { StateView } from '../state/state-view.js';
import type { VersionedState } from '../state/versioned-state.js';

/** A value, or a promise of it: the embedded API answers some calls synchronously. */
export type MaybePromise<T> = T | Promise<T>;

/** A source, embedded or remote. */
export type SourceApi = Pick<Source, 'name' | 'get' | 'getMany' | 'has' | 'put' | 'delete' | 'batch' | 'write' | 'transact' | 'list' | 'entries'>;

/** An ordered map container. */
export type VolatileMapApi = Pick<VolatileMap, 'name' | 'get' | 'has' | 'put' | 'delete' | 'size' | 'keys' | 'list' | 'clear'>;
/** A deque container. */
export type VolatileDequeApi = Pick<VolatileDeque, 'name' | 'length' | 'pushFirst' | 'pushLast' | 'popFirst' | 'popLast' | 'peekFirst' | 'peekLast' | 'at' | 'clear'>;
/** A priority queue container. */
export type VolatileQueueApi = Pick<
  VolatilePriorityQueue,
  'name' | 'size' | 'put' | 'get' | 'delete' | 'peekHighest' | 'peekLowest' | 'popHighest' | 'popLowest' | 'entries' | 'clear'
>;
/** A tree container. */
export type VolatileTreeApi = Pick<VolatileTree, 'name' | 'size' | 'add' | 'set' | 'get' | 'children' | 'roots' | 'list' | 'delete' | 'clear'>;

/** The registry of volatile containers; `await` its answers, which are promises remotely. */
export interface VolatilesApi {
  /** The map called `name`, created on first write. */
  map(name: string): VolatileMapApi;
  /** The deque called `name`. */
  deque(name: string): VolatileDequeApi;
  /** The priority queue called `name`. */
  queue(name: string, options?: QueueOptions): VolatileQueueApi;
  /** The tree called `name`. */
  tree(name: string): VolatileTreeApi;
  /** Names of all containers, sorted. */
  names(): MaybePromise<string[]>;
  /** The kind of a container, or undefined. */
  kind(name: string): MaybePromise<VolatileKind | undefined>;
  /** Removes a container; false when there was none. */
  drop(name: string): MaybePromise<boolean>;
}

/** A read-only view of a versioned state at one committed height, embedded or remote. */
export type StateViewApi = Pick<StateView, 'height' | 'root' | 'trees' | 'get' | 'range' | 'list' | 'prove' | 'proof'>;

/** A versioned state, embedded or remote: the same names, options and result shapes on both sides. */
export interface StateApi extends Pick<VersionedState, 'name' | 'latest' | 'prunedBefore' | 'treeNames' | 'heights' | 'listHeights' | 'apply' | 'refresh' | 'prune' | 'audit'> {
  /** A read-only view at a committed height. */
  at(height: number): StateViewApi;
}

/** A store, embedded or remote (instruments included: `instrument`, `instruments`, `dropInstrument`, `align`). */
export interface StoreApi extends InstrumentsApi {
  /** A source by name, created on first use unless `create: false`. */
  source(name: string, options?: SourceOptions): Promise<SourceApi>;
  /** Creates a source; `SOURCE_EXISTS` when it is there. */
  createSource(name: string): Promise<SourceApi>;
  /** True when the source exists. */
  hasSource(name: string): Promise<boolean>;
  /** Names of all sources, sorted. */
  sources(): Promise<string[]>;
  /** Drops a source and its blocks; false when it did not exist. */
  dropSource(name: string): Promise<boolean>;
  /** A versioned state by name, created on first use unless `create: false` (`STATE_NOT_FOUND`). */
  state(name: string, options?: StateOptions): Promise<StateApi>;
  /** True when the state exists. */
  hasState(name: string): Promise<boolean>;
  /** Names of all versioned states, sorted. */
  states(): Promise<string[]>;
  /** Drops a state with all its heights; false when it did not exist. */
  dropState(name: string): Promise<boolean>;
  /** Numbers about the store. */
  stats(): Promise<StoreStats>;
  /** RAM-only containers. */
  readonly volatiles: VolatilesApi;
  /** True until closed. */
  readonly isOpen: boolean;
  /** Closes the store (embedded) or the client (remote). */
  close(): Promise<void>;
}
