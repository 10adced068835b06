/**
 * Reading request bodies. Every body arrives as one Buffer and the route decides what it means
 * from the Content-Type, so a bad body becomes a keepr error code rather than a parser's generic
 * 400. JSON bodies have their own, smaller limit, enforced while reading, before a byte is
 * parsed: parsed JSON takes about 13 times its size in memory, a binary body about its size.
 * Access control runs earlier still (an `onRequest` hook), so a refused request is never read.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeeprError } from '../errors.js';
import { JSON_MEDIA_TYPE, KEEPR_JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route stores an `application/json` body as a file, unparsed: `bodyLimit` applies, not `jsonBodyLimit`. */
    fileBody?: boolean;
  }
}

function tooLarge(limit: number, json: boolean): KeeprError {
  return new KeeprError('HTTP_BODY_TOO_LARGE', `the ${json ? 'JSON ' : ''}body is over this server's limit of ${limit} bytes`, {
    details: { limit, option: json ? 'jsonBodyLimit' : 'bodyLimit' },
  });
}

/**
 * Reads a body whole, refusing (`HTTP_BODY_TOO_LARGE`) one over `limit` bytes: by its
 * Content-Length before reading, and by the bytes received while reading (chunked bodies).
 */
function readBody(payload: IncomingMessage, limit: number, json: boolean): Promise<Buffer> {
  const declared = Number(payload.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit, json));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (): void => {
      payload.off('data', onData).off('end', onEnd).off('error', onEnd);
    };
    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (received > limit) {
        // The answer closes the connection (Fastify does on parser errors): the rest is never read.
        stop();
        reject(tooLarge(limit, json));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(err?: Error): void {
      stop();
      if (err !== undefined) reject(err);
      else if (!Number.isNaN(declared) && received !== declared) reject(new KeeprError('HTTP_REQUEST_INVALID', `the body has ${received} bytes, its Content-Length says ${declared}`));
      else resolve(Buffer.concat(chunks, received));
    }
    payload.on('data', onData).on('end', onEnd).on('error', onEnd);
  });
}

/** True when the route will parse this body as JSON: a block description, or an `application/json` API request. */
function parsedAsJson(request: FastifyRequest): boolean {
  // The routes' own test for a JSON body, so no spelling of the header escapes the JSON limit.
  const essence = mediaTypeEssence(request.headers['content-type']);
  if (essence === KEEPR_JSON_MEDIA_TYPE) return true;
  return essence === JSON_MEDIA_TYPE && request.routeOptions.config.fileBody !== true;
}

/**
 * Installs the one body parser: every body as a Buffer, those parsed as JSON held to
 * `jsonBodyLimit`, others (a JSON document stored as a file block too) to `bodyLimit`.
 */
export function installBodyParser(app: FastifyInstance, config: ServerConfig): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage): Promise<Buffer> => {
    const json = parsedAsJson(request);
    return readBody(payload, json ? config.jsonBodyLimit : config.bodyLimit, json);
  });
}
