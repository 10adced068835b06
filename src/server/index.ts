export { buildServer } from './build-server.js';
export {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  DEFAULT_CORS_MAX_AGE,
  installCors,
  resolveCorsOptions,
  type CorsConfig,
  type CorsOptions,
} from './cors.js';
export { RouteTable, routePattern, type RouteEntry } from './route-table.js';
export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_ENTRIES_PAGE,
  DEFAULT_JSON_BODY_LIMIT,
  DEFAULT_MAX_BATCH_OPS,
  DEFAULT_MAX_BLOCK_BYTES,
  DEFAULT_WEB_SOURCE,
  ENTRIES_PAGE_BYTES,
  resolveServerOptions,
  type ServerConfig,
  type ServerLogLevel,
  type ServerLoggerOptions,
  type ServerOptions,
} from './options.js';
export {
  ROLES,
  MIN_TOKEN_LENGTH,
  TOKENS_ENV,
  assertBindAllowed,
  bindNotice,
  checkTokens,
  isLoopback,
  loadTokens,
  parseTokenList,
  roleAllows,
  type Role,
  type TokenConfig,
} from './auth.js';
export { serveUntilSignal, shutdown, SHUTDOWN_GRACE_MS, type ServeUntilSignalOptions } from './shutdown.js';
export { ServerMetrics, RequestStats, METRIC_NAMES, LATENCY_BUCKETS } from './metrics.js';
export { blockPath, registerBlockRoutes, sendBlock, sendFile, type SendBlockOptions } from './block-routes.js';
export { blockPage, escapeHtml, HTML_PAGE_CSP, HTML_PREVIEW_CELLS, type BlockPageContext } from './block-html.js';
export { blockFromBody, type BlockEncoding, type FileAttributes } from './bodies.js';
export { VOLATILE_OPS } from './volatile-routes.js';
export { registerStateRoutes } from './state-routes.js';
export { renderKey, renderStateValue, parseCommit, parsePrune, type StateValueJson } from './state-bodies.js';
export {
  KEY_ENCODINGS,
  decodeKeyText,
  encodeKeyText,
  fromBase64Url,
  keyEncodingOf,
  parseHeightText,
  statePath,
  toBase64Url,
  treePath,
  type KeyEncoding,
} from '../wire/state-wire.js';
export { webKey } from './web-routes.js';
export { KEEPR_VERSION } from './openapi.js';
export {
  BATCH_MEDIA_TYPE,
  decodeBatchAnswer,
  decodeBatchRequest,
  decodeEntries,
  encodeBatchAnswer,
  encodeBatchRequest,
  encodeEntries,
  type WireOp,
  type WireResult,
} from '../wire/batch-wire.js';
export { arrowStreamOf, checkArrowable } from './block-arrow.js';
export {
  ARROW_STREAM_MEDIA_TYPE,
  BLOCK_MEDIA_TYPE,
  BLOCK_REPRESENTATIONS,
  DEFAULT_FILE_MEDIA_TYPE,
  HTML_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  acceptsExactly,
  etagOf,
  ifNoneMatchHits,
  mediaTypeEssence,
  negotiateBlock,
  writeConditions,
  type BlockRepresentation,
  type WriteConditions,
} from './content-types.js';
export { errorBody, installErrorHandlers, sendError, toKeeprError, type AllowedMethods, type ErrorBody } from './error-handler.js';
