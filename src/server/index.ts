/**
 * `keepr/server`: the HTTP server over a store (`buildServer`, `serveUntilSignal`), its options,
 * tokens and roles, and the media types and metric names it speaks. Internals stay in their modules.
 */
export { buildServer } from './build-server.js';
export { CONSOLE_FILES, CONSOLE_PATH, CONSOLE_SOURCE, installConsole, type ConsoleInstallReport } from './console-install.js';
export { SHUTDOWN_GRACE_MS, serveUntilSignal, shutdown, type ServeUntilSignalOptions } from './shutdown.js';
export { MIN_TOKEN_LENGTH, ROLES, TOKENS_ENV, assertBindAllowed, bindNotice, isLoopback, loadTokens, type Role, type TokenConfig } from './auth.js';
export { DEFAULT_BODY_LIMIT, DEFAULT_ENTRIES_PAGE, DEFAULT_JSON_BODY_LIMIT, DEFAULT_MAX_BATCH_OPS, DEFAULT_MAX_BLOCK_BYTES, DEFAULT_WEB_SOURCE, type ServerLogLevel, type ServerLoggerOptions, type ServerOptions } from './options.js';
export { DEFAULT_CORS_MAX_AGE, type CorsOptions } from './cors.js';
export { METRIC_NAMES } from './metrics.js';
export { KEEPR_VERSION } from '../util/package-version.js';
export { BATCH_MEDIA_TYPE } from '../wire/batch-wire.js';
export { ARROW_STREAM_MEDIA_TYPE, BLOCK_MEDIA_TYPE, DEFAULT_FILE_MEDIA_TYPE, HTML_MEDIA_TYPE, JSON_MEDIA_TYPE } from './content-types.js';
export { type ErrorBody } from './error-handler.js';
