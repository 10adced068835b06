/**
 * Turning request bodies into blocks and blocks into answer values, for every route: a body by
 * its Content-Type, a block field of a JSON body (`block` as the JSON view, `blockBase64` as
 * the binary format), and the server's block rules (size limit, web URL).
 */
import type { FastifyRequest } from 'fastify';
import { Block, NPY_MEDIA_TYPE, blockInitFromJSON, blockToJSON, decodeNpy, type BlockJSON } from '../block/index.js';
import { KeeprError, isKeeprError, type ErrorCode } from '../errors.js';
import { isObject } from '../util/guards.js';
import { BLOCK_MEDIA_TYPE, DEFAULT_FILE_MEDIA_TYPE, FORM_MEDIA_TYPE, KEEPR_JSON_MEDIA_TYPE, mediaTypeEssence } from './content-types.js';
import type { ServerConfig } from './options.js';

/** How blocks appear in JSON answers: the JSON view, or base64 of the binary format. */
export type BlockEncoding = 'json' | 'base64';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One request header as a string (repeated headers joined). */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Runs a conversion of client bytes; a non-KeeprError from it is still the client's bad input. */
function fromClient(code: ErrorCode, what: string, request: FastifyRequest | undefined, build: () => Block): Block {
  try {
    return build();
  } catch (err) {
    if (isKeeprError(err)) throw err;
    // A library gap, not a server fault: report it as bad input but leave a trace to fix it.
    request?.log.warn({ err }, `non-keepr error while reading ${what}`);
    const reason = err instanceof Error ? err.message : String(err);
    throw new KeeprError(code, `the body is not a valid ${what}: ${reason}`, { cause: err });
  }
}

/** Parses a JSON body strictly (UTF-8, JSON syntax); `HTTP_BODY_MALFORMED` otherwise. */
export function parseJsonBody(body: Buffer | undefined): unknown {
  try {
    return JSON.parse(strictUtf8.decode(body ?? Buffer.alloc(0)));
  } catch (err) {
    throw new KeeprError('HTTP_BODY_MALFORMED', `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Extra attributes for a file body: its language from `Content-Language`, its URL in the web source. */
export interface FileAttributes {
  readonly language?: string;
  readonly url?: string;
}

/**
 * `HTTP_FORM_BODY_REFUSED` for a block body typed `application/x-www-form-urlencoded`: curl
 * `-d`/`--data-binary` and Python urllib add that type when none is given, so such a body is
 * almost always a file sent without `-H`, which would otherwise be stored under a wrong MIME type.
 */
export function refuseFormBody(contentType: string | undefined): void {
  if (mediaTypeEssence(contentType) !== FORM_MEDIA_TYPE) return;
  throw new KeeprError(
    'HTTP_FORM_BODY_REFUSED',
    `a block body typed ${FORM_MEDIA_TYPE} is refused: curl -d/--data-binary and Python urllib send that type when none is given; ` +
      "send the body's real Content-Type, e.g. -H 'Content-Type: application/octet-stream' (a form document is kept by sending it inside a binary block or a batch)",
    { details: { contentType: contentType ?? null } },
  );
}

/**
 * Turns a request body into a block according to its Content-Type: the binary block format, a
 * block description (`application/vnd.keepr+json`), a NumPy `.npy` file (a tensor block; the
 * file attributes are kept), or any other bytes, `application/json` documents included, as a
 * file block of that MIME type holding the bytes exactly as sent (`application/octet-stream`
 * when no type is given). A form-encoded body is refused ({@link refuseFormBody}).
 */
export function blockFromBody(body: Buffer, contentType: string | undefined, request?: FastifyRequest, file: FileAttributes = {}): Block {
  refuseFormBody(contentType);
  const essence = mediaTypeEssence(contentType) ?? DEFAULT_FILE_MEDIA_TYPE;
  if (essence === BLOCK_MEDIA_TYPE) return fromClient('BLOCK_MALFORMED', 'binary block', request, () => Block.decode(body));
  if (essence === KEEPR_JSON_MEDIA_TYPE) {
    const parsed = parseJsonBody(body);
    return fromClient('BLOCK_JSON_INVALID', 'JSON block', request, () => Block.create(blockInitFromJSON(parsed)));
  }
  const attributes: Record<string, string> = {};
  if (file.language !== undefined) attributes['language'] = file.language;
  if (file.url !== undefined) attributes['url'] = file.url;
  if (essence === NPY_MEDIA_TYPE) return fromClient('NPY_MALFORMED', '.npy file', request, () => decodeNpy(body, { attributes }));
  const mime = contentType?.trim() || DEFAULT_FILE_MEDIA_TYPE;
  return fromClient('BLOCK_INVALID', 'file block', request, () => Block.file(body, mime, attributes));
}

/** Adds `index` to an error's details (the operation of a batch it belongs to). */
export function atIndex(err: unknown, index: number): unknown {
  if (!isKeeprError(err)) return err;
  return new KeeprError(err.code, `operation ${index}: ${err.message}`, { cause: err, details: { ...err.details, index } });
}

/** A block given in a JSON body: `block` (JSON view or bare value) or `blockBase64` (binary format). */
export function blockFromField(holder: Readonly<Record<string, unknown>>, code: ErrorCode = 'BATCH_INVALID'): Block {
  const json = holder['block'];
  const base64 = holder['blockBase64'];
  if ((json === undefined) === (base64 === undefined)) throw new KeeprError(code, 'give exactly one of block (JSON) and blockBase64');
  if (base64 !== undefined) {
    if (typeof base64 !== 'string' || !BASE64.test(base64)) throw new KeeprError(code, 'blockBase64 must be padded base64 text');
    return fromClient('BLOCK_MALFORMED', 'binary block', undefined, () => Block.decode(Buffer.from(base64, 'base64')));
  }
  return fromClient('BLOCK_JSON_INVALID', 'JSON block', undefined, () => Block.create(blockInitFromJSON(json)));
}

/** A block as it appears in a JSON answer. */
export function renderBlock(block: Block, encoding: BlockEncoding): BlockJSON | string {
  return encoding === 'json' ? blockToJSON(block) : Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.byteLength).toString('base64');
}

/** Reads the `encoding` of a JSON body or query (default `json`). */
export function encodingOf(value: unknown, code: ErrorCode): BlockEncoding {
  if (value === undefined || value === 'json') return 'json';
  if (value === 'base64') return 'base64';
  throw new KeeprError(code, 'encoding must be json or base64');
}

/** `BLOCK_TOO_LARGE` for a block over the server's `maxBlockBytes`. */
export function checkBlockSize(config: ServerConfig, block: Block): void {
  if (block.byteLength > config.maxBlockBytes) {
    throw new KeeprError('BLOCK_TOO_LARGE', `a ${block.byteLength}-byte block is over this server's limit of ${config.maxBlockBytes} bytes`, {
      details: { byteLength: block.byteLength, limit: config.maxBlockBytes },
    });
  }
}

/**
 * The server's rules for a block about to be written: at most `maxBlockBytes`, and in the web
 * source a URL attribute equal to `'/' + key` (so what is published is exactly what was asked).
 */
export function checkWritable(config: ServerConfig, source: string, key: string, block: Block): void {
  checkBlockSize(config, block);
  if (source === config.webSource && block.url !== `/${key}`) {
    throw new KeeprError('WEB_URL_MISMATCH', `blocks in the web source ${source} must have the URL attribute ${JSON.stringify(`/${key}`)}, not ${JSON.stringify(block.url ?? null)}`, {
      details: { source, key, url: block.url ?? null },
    });
  }
}

/** Checks that a JSON body is an object with only the given fields (`code` otherwise). */
export function fieldsOf(value: unknown, allowed: ReadonlySet<string>, code: ErrorCode, what: string): Readonly<Record<string, unknown>> {
  if (!isObject(value) || Array.isArray(value)) throw new KeeprError(code, `${what} must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw new KeeprError(code, `${what} has an unknown field ${JSON.stringify(key)}`, { details: { field: key } });
  }
  return value as Readonly<Record<string, unknown>>;
}
