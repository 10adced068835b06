/**
 * The one place where failures become HTTP answers: every error, whether a KeeprError from the
 * library, one of Fastify's own (body limit, media type, schema, bad URL) or an unexpected
 * throw, leaves as `{ code, message }` with the status the registry gives for the code.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, KeeprError, type ErrorCode } from '../errors.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Fastify error codes with a fixed keepr meaning. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HTTP_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HTTP_CONTENT_TYPE_UNSUPPORTED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HTTP_REQUEST_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HTTP_BODY_MALFORMED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HTTP_BODY_MALFORMED',
  FST_ERR_VALIDATION: 'HTTP_REQUEST_INVALID',
  FST_ERR_BAD_URL: 'HTTP_REQUEST_INVALID',
  FST_ERR_MAX_PARAM_LENGTH: 'HTTP_REQUEST_INVALID',
  FST_ERR_NOT_FOUND: 'HTTP_ROUTE_NOT_FOUND',
};

/** Registry codes for other 4xx statuses Fastify or Node may attach to an error. */
const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  404: 'HTTP_ROUTE_NOT_FOUND',
  405: 'HTTP_METHOD_NOT_ALLOWED',
  406: 'HTTP_NOT_ACCEPTABLE',
  413: 'HTTP_BODY_TOO_LARGE',
  415: 'HTTP_CONTENT_TYPE_UNSUPPORTED',
};

function fieldOf(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** Details only when they survive JSON (a bigint or a cycle must not turn a 4xx into a 500). */
function safeDetails(details: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> | undefined {
  if (details === undefined) return undefined;
  try {
    JSON.stringify(details);
    return details;
  } catch {
    return undefined;
  }
}

/**
 * Classifies any thrown value: a KeeprError as itself, a Fastify client error as the matching
 * registry code, anything else as `INTERNAL` with `unexpected: true` so it gets logged.
 */
export function toKeeprError(err: unknown): { error: KeeprError; unexpected: boolean } {
  if (err instanceof KeeprError) return { error: err, unexpected: ERROR_CODES[err.code].status >= 500 };
  const code = fieldOf(err, 'code');
  const message = fieldOf(err, 'message');
  const text = typeof message === 'string' && message !== '' ? message : 'request failed';
  if (typeof code === 'string') {
    const mapped = FASTIFY_CODES[code];
    if (mapped !== undefined) return { error: new KeeprError(mapped, text, { cause: err }), unexpected: false };
  }
  const status = fieldOf(err, 'statusCode');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { error: new KeeprError(STATUS_CODES[status] ?? 'HTTP_REQUEST_INVALID', text, { cause: err }), unexpected: false };
  }
  return { error: new KeeprError('INTERNAL', 'an unexpected internal error occurred', { cause: err }), unexpected: true };
}

/** The body sent for an error. */
export function errorBody(error: KeeprError): ErrorBody {
  const details = safeDetails(error.details);
  return details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details };
}

/** Sends any error as `{ code, message }` with its registry status, logging unexpected ones. */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { error, unexpected } = toKeeprError(err);
  if (unexpected) request.log.error({ err }, 'request failed unexpectedly');
  if (reply.sent) return;
  const allow = fieldOf(error.details, 'allow');
  if (error.code === 'HTTP_METHOD_NOT_ALLOWED' && typeof allow === 'string') void reply.header('allow', allow);
  // Drop representation headers a handler may have set before failing.
  reply.removeHeader('etag');
  reply.removeHeader('content-language');
  reply.removeHeader('cache-control');
  // The code in a header too, for HEAD answers, which have no body.
  void reply.header('keepr-error-code', error.code);
  if (error.code === 'AUTH_REQUIRED' || error.code === 'AUTH_TOKEN_INVALID') void reply.header('www-authenticate', 'Bearer realm="keepr"');
  void reply.status(ERROR_CODES[error.code].status).type('application/json; charset=utf-8').send(errorBody(error));
}

/** Tells, for a path with no route for this method, which methods the path does accept. */
export type AllowedMethods = (path: string) => readonly string[] | undefined;

/**
 * Installs the error handler and the not-found handler. A path that exists under another method
 * answers 405 with `Allow`; anything else unmatched answers 404 `HTTP_ROUTE_NOT_FOUND`.
 */
export function installErrorHandlers(app: FastifyInstance, allowedMethods: AllowedMethods): void {
  app.setErrorHandler((err, request, reply) => {
    sendError(err, request, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const allowed = allowedMethods(path);
    if (allowed !== undefined && !allowed.includes(request.method)) {
      const allow = allowed.join(', ');
      sendError(new KeeprError('HTTP_METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allow}`, { details: { allow } }), request, reply);
      return;
    }
    sendError(new KeeprError('HTTP_ROUTE_NOT_FOUND', `no route for ${request.method} ${path}`), request, reply);
  });
}

/** `frameworkErrors` option: router-level failures (a bad URL escape) get the same treatment. */
export function frameworkErrorHandler(err: Error, request: FastifyRequest, reply: FastifyReply): void {
  sendError(err, request, reply);
}

/**
 * `clientErrorHandler` option: a request Node could not even parse gets a minimal JSON 400 in
 * the same shape, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code: ErrorCode = 'HTTP_REQUEST_INVALID';
  const body = JSON.stringify({ code, message: 'the HTTP request could not be parsed' });
  socket.end(`HTTP/1.1 ${ERROR_CODES[code].status} Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
