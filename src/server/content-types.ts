/**
 * Media types, content negotiation and entity tags for the HTTP API. Small hand-written
 * parsers: the headers we read are simple, and a bad header must become a 4xx, never a throw
 * we did not plan for.
 */
import { NPY_MEDIA_TYPE } from '../block/index.js';
import { KeeprError } from '../errors.js';

/** Media type of a block in the binary block format. */
export const BLOCK_MEDIA_TYPE = 'application/vnd.keepr.block';

/** Media type of the JSON view and of JSON request bodies. */
export const JSON_MEDIA_TYPE = 'application/json';

/** Media type assumed for a request body that names none. */
export const DEFAULT_FILE_MEDIA_TYPE = 'application/octet-stream';

/** Media type of the readable HTML page a browser gets for a block. */
export const HTML_MEDIA_TYPE = 'text/html';

/** Media type of an Apache Arrow IPC stream. */
export const ARROW_STREAM_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

/** The representations a block GET can answer with. */
export type BlockRepresentation = 'block' | 'json' | 'npy' | 'arrow' | 'html';

/** The media type of each block representation, in the order ties between them are settled. */
export const BLOCK_REPRESENTATIONS: Readonly<Record<BlockRepresentation, string>> = {
  block: BLOCK_MEDIA_TYPE,
  json: JSON_MEDIA_TYPE,
  npy: NPY_MEDIA_TYPE,
  arrow: ARROW_STREAM_MEDIA_TYPE,
  html: HTML_MEDIA_TYPE,
};

/** The essence (`type/subtype`, lower case, no parameters) of a Content-Type value. */
export function mediaTypeEssence(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return essence === '' ? undefined : essence;
}

interface AcceptRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** Parses an Accept header into media ranges; malformed entries are skipped (RFC 9110 leniency). */
function parseAccept(header: string): AcceptRange[] {
  const ranges: AcceptRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim());
    const m = /^([a-z0-9!#$%&'*+.^_`|~-]+)\/([a-z0-9!#$%&'*+.^_`|~-]+)$/i.exec(range);
    if (m === null) continue;
    let q = 1;
    for (const p of params) {
      const qm = /^q=([01](?:\.\d{0,3})?)$/i.exec(p);
      if (qm !== null) q = Math.min(1, Number(qm[1]));
    }
    ranges.push({ type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), q });
  }
  return ranges;
}

/** Quality of `mediaType` under `ranges`: the most specific matching range decides; -1 if none. */
function qualityOf(mediaType: string, ranges: readonly AcceptRange[]): { q: number; exact: boolean } {
  const [type, subtype] = mediaType.split('/') as [string, string];
  let best: { q: number; specificity: number } = { q: -1, specificity: -1 };
  for (const r of ranges) {
    let specificity: number;
    if (r.type === type && r.subtype === subtype) specificity = 2;
    else if (r.type === type && r.subtype === '*') specificity = 1;
    else if (r.type === '*' && r.subtype === '*') specificity = 0;
    else continue;
    if (specificity > best.specificity) best = { q: r.q, specificity };
  }
  return { q: best.q, exact: best.specificity === 2 };
}

/**
 * Picks the representation for a block GET from the Accept header: the binary block unless
 * another representation is preferred (higher quality, or equal quality but named explicitly
 * while the binary block is not; among the others, the first in {@link BLOCK_REPRESENTATIONS}
 * wins a tie). A browser (text/html first, anything else at q=0.8) thus gets the HTML page, and `.npy` and Arrow
 * are only sent to clients that name them. `HTTP_NOT_ACCEPTABLE` when none is acceptable.
 */
export function negotiateBlock(accept: string | undefined): BlockRepresentation {
  if (accept === undefined || accept.trim() === '') return 'block';
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return 'block';
  let best: { representation: BlockRepresentation; q: number; exact: boolean } = { representation: 'block', ...qualityOf(BLOCK_MEDIA_TYPE, ranges) };
  for (const [representation, mediaType] of Object.entries(BLOCK_REPRESENTATIONS) as [BlockRepresentation, string][]) {
    if (representation === 'block') continue;
    const { q, exact } = qualityOf(mediaType, ranges);
    if (q > best.q || (q === best.q && exact && !best.exact)) best = { representation, q, exact };
  }
  if (best.q <= 0) {
    const types = Object.values(BLOCK_REPRESENTATIONS).join(', ');
    throw new KeeprError('HTTP_NOT_ACCEPTABLE', `a block is served as one of ${types}; the Accept header allows none`, { details: { available: types } });
  }
  return best.representation;
}

/** The strong entity tag of a block: its hash in quotes. */
export function etagOf(hashHex: string): string {
  return `"${hashHex}"`;
}

/** Entity tags listed in an If-None-Match header (weak prefixes dropped), or `*`. */
function parseEtagList(header: string): string[] | '*' {
  if (header.trim() === '*') return '*';
  const tags: string[] = [];
  for (const m of header.matchAll(/(?:W\/)?"([^"]*)"/g)) tags.push(m[1]!.toLowerCase());
  return tags;
}

/** True when If-None-Match (weak comparison) matches the block hash, so a GET may answer 304. */
export function ifNoneMatchHits(header: string | undefined, hashHex: string): boolean {
  if (header === undefined) return false;
  const tags = parseEtagList(header);
  return tags === '*' || tags.includes(hashHex.toLowerCase());
}

/** What the conditional headers of a write ask for. */
export interface WriteConditions {
  /** `if-absent` from `If-None-Match: *`, `if-exists` from `If-Match: *`. */
  readonly mode?: 'if-absent' | 'if-exists';
  /** From `If-Match: "<hash>"`. */
  readonly ifHash?: string;
}

function badHeader(name: string, rule: string): KeeprError {
  return new KeeprError('HTTP_REQUEST_INVALID', `${name}: ${rule}`, { details: { header: name } });
}

/**
 * Reads `If-None-Match` / `If-Match` of a PUT or DELETE. Only the forms keepr can check inside
 * the write transaction are accepted: `If-None-Match: *`, `If-Match: *` and `If-Match` with one
 * block hash, strong `"<hash>"` or weak `W/"<hash>"` (both tags name the block by its hash, so a
 * client may send back either ETag it was given); anything else is `HTTP_REQUEST_INVALID`
 * rather than silently ignored.
 */
export function writeConditions(ifNoneMatch: string | undefined, ifMatch: string | undefined): WriteConditions {
  if (ifNoneMatch !== undefined && ifMatch !== undefined) throw badHeader('If-None-Match', 'cannot be combined with If-Match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw badHeader('If-None-Match', 'only * is supported on writes');
    return { mode: 'if-absent' };
  }
  if (ifMatch === undefined) return {};
  if (ifMatch.trim() === '*') return { mode: 'if-exists' };
  const m = /^\s*(?:W\/)?"([0-9a-fA-F]{64})"\s*$/.exec(ifMatch);
  if (m === null) throw badHeader('If-Match', 'must be * or one block hash as an entity tag ("<hash>" or W/"<hash>")');
  return { ifHash: m[1]!.toLowerCase() };
}

/**
 * True when the Accept header names `mediaType` itself (not by a wildcard) at least as highly as
 * JSON: binary framings are only sent to clients that ask for them by name.
 */
export function acceptsExactly(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined) return false;
  const ranges = parseAccept(accept);
  const wanted = qualityOf(mediaType, ranges);
  return wanted.exact && wanted.q > 0 && wanted.q >= qualityOf(JSON_MEDIA_TYPE, ranges).q;
}
