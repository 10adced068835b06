export { buildServer, DEFAULT_BODY_LIMIT, type ServerLogLevel, type ServerLoggerOptions, type ServerOptions } from './build-server.js';
export { allowedMethods, blockFromBody, blockPath, registerBlockRoutes } from './block-routes.js';
export {
  BLOCK_MEDIA_TYPE,
  DEFAULT_FILE_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  etagOf,
  ifNoneMatchHits,
  mediaTypeEssence,
  negotiateBlock,
  writeConditions,
  type BlockRepresentation,
  type WriteConditions,
} from './content-types.js';
export { errorBody, installErrorHandlers, sendError, toKeeprError, type AllowedMethods, type ErrorBody } from './error-handler.js';
