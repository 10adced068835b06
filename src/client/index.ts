/**
 * keepr/client: a keepr store over HTTP with the embedded API's names and types, so code moves
 * between `open(dir)` and `connect(url)` by changing that one line (docs/http-api.md, "Client").
 */
export { connect, KeeprClient, type ConnectOptions } from './client.js';
export { RemoteSource, RemoteBatch } from './remote-source.js';
export { RemoteVolatiles, RemoteVolatileMap, RemoteVolatileDeque, RemoteVolatilePriorityQueue, RemoteVolatileTree } from './remote-volatiles.js';
export { errorFromResponse } from './http.js';
export type {
  BatchApi,
  MaybePromise,
  SourceApi,
  StoreApi,
  VolatileDequeApi,
  VolatileMapApi,
  VolatileQueueApi,
  VolatileTreeApi,
  VolatilesApi,
} from './api.js';
export { Block } from '../block/index.js';
export { KeeprError, isKeeprError, type ErrorCode } from '../errors.js';
