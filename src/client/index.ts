/**
 * keepr/client: a keepr store over HTTP with the embedded API's names and types, so code moves
 * between `open(dir)` and `connect(url)` by changing that one line (docs/http-api.md, "Client").
 */
export { connect, KeeprClient, type ConnectOptions } from './client.js';
export { RemoteSource } from './remote-source.js';
export { Batch } from '../keepr/batch.js';
export type { Key, KeyEncoding, KeyOf } from '../keepr/keys.js';
export { RemoteVolatiles, RemoteVolatileMap, RemoteVolatileDeque, RemoteVolatilePriorityQueue, RemoteVolatileTree } from './remote-volatiles.js';
export { RemoteState, RemoteStateView } from './remote-state.js';
export { RemoteKeyedColumn, RemoteTimeSeries } from './remote-instrument.js';
export type {
  AlignJoin,
  AlignOptions,
  AlignedRows,
  DownsampleOp,
  DownsampleOptions,
  DownsampleResult,
  InstrumentApi,
  InstrumentIndex,
  InstrumentInfo,
  InstrumentKey,
  InstrumentOptions,
  InstrumentsApi,
  InstrumentType,
  InstrumentValues,
  InstrumentValuesInput,
  InstrumentValuesMap,
  InstrumentWriteReport,
  KeyRange,
  KeyedColumnApi,
  KeyedRows,
  SeriesRows,
  TimeInput,
  TimeRange,
  TimesInput,
  TimeSeriesApi,
  TimeUnit,
} from '../instrument/instrument-types.js';
export { errorFromResponse } from './http.js';
// Proofs are checked on the client's side, against a root it trusts, without trusting the server.
export { verifyProof, decodeProof, encodeProof, type StateProof, type ProvenValue } from '../state/state-proof.js';
export type { CommitResult } from '../state/state-commit.js';
export type { StateChange } from '../state/state-working.js';
export type { Page, StateEntry, StateKeyEncoding, StateKeyOf, StateListOptions, StateRangeOptions } from '../state/state-range.js';
export type { StateValue } from '../state/state-view.js';
export type { ApplyOptions, HeightItem, HeightListOptions, HeightsOptions } from '../state/versioned-state.js';
export type { StateOptions } from '../state/open-state.js';
export type { PruneOptions, PruneReport } from '../state/state-prune.js';
export type { AuditProblem, AuditReport } from '../state/state-audit.js';
export type { KeyPage, TreeListOptions, VolatileListOptions, VolatileRangeOptions } from '../keepr/index.js';
export type {
  MaybePromise,
  SourceApi,
  StateApi,
  StateViewApi,
  StoreApi,
  VolatileDequeApi,
  VolatileMapApi,
  VolatileQueueApi,
  VolatileTreeApi,
  VolatilesApi,
} from './api.js';
export { Block } from '../block/index.js';
export { KeeprError, isKeeprError, type ErrorCode } from '../errors.js';
