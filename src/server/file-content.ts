/**
 * Sending a file block's content as itself: its MIME type and language, byte ranges (206/416,
 * RFC 9110 §14) and gzip or brotli for text-like types. Compressed forms are cached by block
 * hash, as a block never changes under its hash. node:zlib rather than a compression plugin:
 * the plugin would compress every API answer and knows nothing of block hashes, so it could
 * neither give each coding its own entity tag nor reuse a compressed form.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Block } from '../block/index.js';
import { KeeprError } from '../errors.js';
import { header } from './bodies.js';
import { DEFAULT_FILE_MEDIA_TYPE, etagOf, ifNoneMatchHits, mediaTypeEssence } from './content-types.js';

/** Content codings keepr sends. */
export type ContentCoding = 'br' | 'gzip';

/** Bodies smaller than this are sent as they are: compressing them saves next to nothing. */
export const COMPRESS_MIN_BYTES = 1024;
/** Bodies larger than this are sent as they are: compressing them would hold too much memory. */
export const COMPRESS_MAX_BYTES = 16 * 1024 * 1024;
/** Total bytes of compressed forms kept in memory (least recently used dropped first). */
const CACHE_BYTES = 32 * 1024 * 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** True for MIME types whose content compresses well (text, JSON, XML, JavaScript, SVG, WebAssembly). */
export function compressible(mime: string | undefined): boolean {
  const essence = mediaTypeEssence(mime);
  if (essence === undefined) return false;
  if (essence.startsWith('text/') || essence.endsWith('+json') || essence.endsWith('+xml')) return true;
  return /^application\/(?:json|xml|javascript|x-javascript|ecmascript|wasm|yaml|x-yaml|toml|graphql|x-ndjson|manifest\+json)$/.test(essence) || essence === 'image/svg+xml' || essence === 'image/x-icon';
}

/**
 * The coding to send under an Accept-Encoding header: the acceptable one of highest quality,
 * brotli on a tie; undefined for identity (no header, nothing acceptable, or identity preferred).
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentCoding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const q: Record<string, number> = {};
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (name === '') continue;
    let quality = 1;
    for (const p of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
      if (m !== null) quality = Math.min(1, Number(m[1]));
    }
    q[name] = quality;
  }
  const of = (coding: string): number => q[coding] ?? q['*'] ?? 0;
  const br = of('br');
  const gz = Math.max(of('gzip'), q['x-gzip'] ?? 0);
  const best = Math.max(br, gz);
  // identity is acceptable unless refused; when the client ranks it above both codings, keep it.
  if (best <= 0 || (q['identity'] ?? 0) > best) return undefined;
  return br >= gz ? 'br' : 'gzip';
}

/** A byte range to send: first and last byte, inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Reads a Range header for a body of `size` bytes: one range (`a-b`, `a-`, `-n`) as a
 * {@link ByteRange}, `unsatisfiable` when it starts past the end (or is `-0`, or the body is
 * empty), undefined when the header is to be ignored (absent, another unit, bad syntax, or
 * several ranges: a server may always answer those with the whole body).
 */
export function parseRange(value: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (m === null) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * True when If-Range lets a range be sent: absent, or an entity tag equal (strong comparison)
 * to the identity tag. A date never matches, as file blocks have no Last-Modified.
 */
function ifRangeAllows(value: string | undefined, strongTag: string | undefined): boolean {
  if (value === undefined) return true;
  return strongTag !== undefined && value.trim() === strongTag;
}

/** Compressed forms by `<hash>-<coding>`, in least-recently-used order (a Map keeps insertion order). */
const cache = new Map<string, Buffer>();
let cachedBytes = 0;

/** The compressed form of a body, from the cache or made now (and cached). */
async function compressed(hashHex: string, coding: ContentCoding, body: Buffer): Promise<Buffer> {
  const id = `${hashHex}-${coding}`;
  const hit = cache.get(id);
  if (hit !== undefined) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  // Quality 5 of 11: most of brotli's gain at a fraction of its top level's time.
  const out = coding === 'br' ? await brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }) : await gzipAsync(body);
  if (out.length <= CACHE_BYTES / 4 && !cache.has(id)) {
    cache.set(id, out);
    cachedBytes += out.length;
    for (const [key, value] of cache) {
      if (cachedBytes <= CACHE_BYTES) break;
      cache.delete(key);
      cachedBytes -= value.length;
    }
  }
  return out;
}

/** How {@link sendContent} tags and caches a file. */
export interface SendContentOptions {
  /** Weak entity tags (`W/"…"`): the content shares its URL with the block's other representations. */
  readonly weak?: boolean;
  /** Send `Cache-Control: no-cache` (revalidate every time; the URL may name another block later). */
  readonly noCache?: boolean;
}

function addVary(reply: FastifyReply, name: string): void {
  const vary = reply.getHeader('vary');
  void reply.header('vary', vary === undefined ? name : `${String(vary)}, ${name}`);
}

/**
 * Sends a file block's content: `Accept-Ranges: bytes`; one byte range as 206 with
 * Content-Range (416 `HTTP_RANGE_NOT_SATISFIABLE` past the end; If-Range honoured); otherwise
 * the whole content, gzip or brotli coded when the type compresses, the body has 1 KiB to 16 MiB
 * and Accept-Encoding allows, with `Vary: Accept-Encoding`. The entity tag is `"<hash>"` for the
 * content as stored and `"<hash>-gzip"` / `"<hash>-br"` for a coded form (weak when asked);
 * If-None-Match against it gives 304.
 */
export function sendContent(request: FastifyRequest, reply: FastifyReply, block: Block, options: SendContentOptions = {}): FastifyReply | Promise<FastifyReply> {
  const data = block.data();
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const hash = block.hashHex;
  const tag = (opaque: string): string => (options.weak === true ? `W/${etagOf(opaque)}` : etagOf(opaque));
  const mime = block.mime ?? DEFAULT_FILE_MEDIA_TYPE;
  void reply.type(mime).header('accept-ranges', 'bytes');
  if (options.noCache === true) void reply.header('cache-control', 'no-cache');
  const language = block.language;
  if (language !== undefined) void reply.header('content-language', language);
  // Ranges are defined for GET only (a HEAD answers as the whole GET would).
  let range = request.method === 'GET' ? parseRange(header(request, 'range'), body.length) : undefined;
  if (range !== undefined && !ifRangeAllows(header(request, 'if-range'), options.weak === true ? undefined : etagOf(hash))) range = undefined;
  const codable = compressible(mime) && body.length >= COMPRESS_MIN_BYTES && body.length <= COMPRESS_MAX_BYTES;
  if (codable) addVary(reply, 'Accept-Encoding');
  const coding = codable && range === undefined ? negotiateEncoding(header(request, 'accept-encoding')) : undefined;
  const opaque = coding === undefined ? hash : `${hash}-${coding}`;
  void reply.header('etag', tag(opaque));
  if (ifNoneMatchHits(header(request, 'if-none-match'), opaque)) return reply.code(304).send();
  if (range === 'unsatisfiable') {
    void reply.header('content-range', `bytes */${body.length}`);
    throw new KeeprError('HTTP_RANGE_NOT_SATISFIABLE', `the range ${header(request, 'range') ?? ''} starts past the end of this ${body.length}-byte content`, {
      details: { byteLength: body.length },
    });
  }
  if (range !== undefined) {
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${body.length}`)
      .send(body.subarray(range.start, range.end + 1));
  }
  if (coding === undefined) return reply.send(body);
  return compressed(hash, coding, body).then((coded) => reply.header('content-encoding', coding).send(coded));
}
