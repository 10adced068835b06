/**
 * Media types, content negotiation and entity tags for the HTTP API. Small hand-written
 * parsers: the headers we read are simple, and a bad header must become a 4xx, never a throw
 * we did not plan for.
 */
import { NPY_MEDIA_TYPE } from '../block/index.js';
import { KeeprError } from '../errors.js';

/** Media type of a block in the binary block format. */
export const BLOCK_MEDIA_TYPE = 'application/vnd.keepr.block';

/** Media type of JSON API requests and answers, and of JSON documents stored as file blocks. */
export const JSON_MEDIA_TYPE = 'application/json';

/** Media type of a block description: the JSON view of a block, and a JSON body that describes one. */
export const KEEPR_JSON_MEDIA_TYPE = 'application/vnd.keepr+json';

/** Media type of an HTML form body, which curl `-d`/`--data-binary` and Python urllib send unasked. */
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** Media type assumed for a request body that names none. */
export const DEFAULT_FILE_MEDIA_TYPE = 'application/octet-stream';

/** Media type of the readable HTML page a browser gets for a block. */
export const HTML_MEDIA_TYPE = 'text/html';

/** Media type of an Apache Arrow IPC stream. */
export const ARROW_STREAM_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

/** The representations of any block that a block GET can answer with (`?format=` names them). */
export type BlockRepresentation = 'block' | 'json' | 'npy' | 'arrow' | 'html';

/** The media type of each block representation, in the order ties between them are settled. */
export const BLOCK_REPRESENTATIONS: Readonly<Record<BlockRepresentation, string>> = {
  block: BLOCK_MEDIA_TYPE,
  json: KEEPR_JSON_MEDIA_TYPE,
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
function qualityOf(mediaType: string, ranges: readonly AcceptRange[]): { q: number; exact: boolean; wildcard: boolean } {
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
  return { q: best.q, exact: best.specificity === 2, wildcard: best.specificity === 0 };
}

/** A representation chosen by {@link negotiateBlock}: one of every block's, or a file block's content. */
export type NegotiatedRepresentation = BlockRepresentation | 'content';

interface Candidate {
  readonly representation: NegotiatedRepresentation;
  readonly q: number;
  readonly exact: boolean;
}

/** The better of two qualities: higher q, then named exactly. */
function better<T extends { q: number; exact: boolean }>(a: T, b: T): T {
  return b.q > a.q || (b.q === a.q && b.exact && !a.exact) ? b : a;
}

/**
 * Picks the representation for a block GET from the Accept header: the binary block unless
 * another representation is preferred (higher quality, or equal quality but named explicitly
 * while the binary block is not; among the others, a file's content first, then the order of
 * {@link BLOCK_REPRESENTATIONS}, wins a tie). `contentType` is the MIME essence of a file block
 * (undefined for other blocks): its content is a representation too, chosen only when Accept
 * names that type (or its `type/*` range; never by the full wildcard alone). The JSON view is chosen by `application/vnd.keepr+json`, and also by
 * `application/json` unless the block is itself a JSON document (then `application/json`
 * means its content). A browser (text/html first, anything else at q=0.8) thus gets the HTML
 * page, and `.npy` and Arrow are only sent to clients that name them. `HTTP_NOT_ACCEPTABLE`
 * when none is acceptable.
 */
export function negotiateBlock(accept: string | undefined, contentType?: string): NegotiatedRepresentation {
  if (accept === undefined || accept.trim() === '') return 'block';
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return 'block';
  let best: Candidate = { representation: 'block', ...qualityOf(BLOCK_MEDIA_TYPE, ranges) };
  const candidates: Candidate[] = [];
  if (contentType !== undefined && /^[^/\s]+\/[^/\s]+$/.test(contentType)) {
    const { q, exact, wildcard } = qualityOf(contentType, ranges);
    // `*/*` never picks the content: the API's default stays the binary block.
    if (!wildcard) candidates.push({ representation: 'content', q, exact });
  }
  for (const [representation, mediaType] of Object.entries(BLOCK_REPRESENTATIONS) as [BlockRepresentation, string][]) {
    if (representation === 'block') continue;
    let quality = qualityOf(mediaType, ranges);
    if (representation === 'json' && contentType !== JSON_MEDIA_TYPE) quality = better(quality, qualityOf(JSON_MEDIA_TYPE, ranges));
    candidates.push({ representation, ...quality });
  }
  for (const candidate of candidates) {
    if (candidate.q > best.q || (candidate.q === best.q && candidate.exact && !best.exact)) best = candidate;
  }
  if (best.q <= 0) {
    const types = [...(contentType === undefined ? [] : [contentType]), ...Object.values(BLOCK_REPRESENTATIONS)].join(', ');
    throw new KeeprError('HTTP_NOT_ACCEPTABLE', `this block is served as one of ${types}; the Accept header allows none`, { details: { available: types } });
  }
  return best.representation;
}

/**
 * True when the client prefers an HTML page to JSON (a browser): `text/html` is acceptable and
 * ranks above `application/json`, so curl's bare wildcard still gets JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = parseAccept(accept);
  const html = qualityOf(HTML_MEDIA_TYPE, ranges).q;
  return html > 0 && html > qualityOf(JSON_MEDIA_TYPE, ranges).q;
}

/** The strong entity tag of a block: its hash in quotes. */
export function etagOf(hashHex: string): string {
  return `"${hashHex}"`;
}

/** Entity tags listed in an If-None-Match header (weak prefixes dropped, lower case), or `*`. */
function parseEtagList(header: string): string[] | '*' {
  if (header.trim() === '*') return '*';
  const tags: string[] = [];
  for (const m of header.matchAll(/(?:W\/)?"([^"]*)"/g)) tags.push(m[1]!.toLowerCase());
  return tags;
}

/**
 * True when If-None-Match (weak comparison) matches the opaque tag of the selected
 * representation (the block hash, or `<hash>-gzip` / `<hash>-br` for a compressed file), so a
 * GET may answer 304.
 */
export function ifNoneMatchHits(header: string | undefined, opaqueTag: string): boolean {
  if (header === undefined) return false;
  const tags = parseEtagList(header);
  return tags === '*' || tags.includes(opaqueTag.toLowerCase());
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
 * block hash, strong `"<hash>"` or weak `W/"<hash>"`, maybe with a `-gzip` or `-br` suffix (all
 * tags keepr sends name the block by its hash, so a client may send back any ETag it was
 * given); anything else is `HTTP_REQUEST_INVALID`
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
  // A compressed file's tag (`"<hash>-gzip"`, `"<hash>-br"`) names the same block.
  const m = /^\s*(?:W\/)?"([0-9a-fA-F]{64})(?:-(?:gzip|br))?"\s*$/.exec(ifMatch);
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

/**
 * Picks one of `mediaTypes` for an answer that has several (instrument reads): the highest
 * quality under Accept, ties going to the earlier one; the first when Accept is absent, empty or
 * unreadable. `HTTP_NOT_ACCEPTABLE` when Accept allows none of them.
 */
export function negotiateAmong(accept: string | undefined, mediaTypes: readonly string[]): string {
  const first = mediaTypes[0]!;
  if (accept === undefined || accept.trim() === '') return first;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return first;
  let best = { type: first, q: -1, exact: false };
  for (const type of mediaTypes) {
    const { q, exact } = qualityOf(type, ranges);
    if (q > best.q || (q === best.q && exact && !best.exact)) best = { type, q, exact };
  }
  if (best.q <= 0) {
    const types = mediaTypes.join(', ');
    throw new KeeprError('HTTP_NOT_ACCEPTABLE', `this answer is served as one of ${types}; the Accept header allows none`, { details: { available: types } });
  }
  return best.type;
}
