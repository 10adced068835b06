/**
 * The JSON view of blocks, used by the HTTP API and the CLI. Lossless for every cell type:
 * 64-bit integers travel as decimal strings, times as ISO-8601 strings with microseconds,
 * non-finite floats as "NaN" / "Infinity" / "-Infinity", negative zero as "-0", NA as null,
 * bytes as padded base64. A JSON round trip gives back the same bytes and hash.
 */
import { KeeprError } from '../errors.js';
import { attributeCode, attributeName } from './attributes.js';
import type { Block, BlockJS } from './block.js';
import { buildParts, type BlockInit, type CellValue } from './block-builder.js';
import { encodeBlock } from './block-encoder.js';
import { flattenNested, inferInit } from './block-infer.js';
import { CELL_TYPE_NAMES, type CellType } from './cell-type.js';

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The JSON form of a block. */
export interface BlockJSON {
  readonly type: CellType;
  readonly shape: number[];
  /** Cells nested by shape (a scalar for rank 0); base64 text for bytes blocks. */
  readonly data?: JsonValue;
  readonly levels?: string[];
  readonly ordered?: boolean;
  readonly items?: { readonly name: string; readonly block: BlockJSON }[];
  /** Attributes by well-known name or decimal code. */
  readonly attributes?: Record<string, string>;
  /** Hex SHA-256 integrity hash; on input, optional, and a block whose hash differs is refused. */
  readonly hash?: string;
}

function bad(message: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('BLOCK_JSON_INVALID', message, { details });
}

/** Formats microseconds since the epoch as ISO-8601 UTC, or as a decimal string outside years 1-9999. */
export function formatTime(us: bigint): string {
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const sub = us - ms * 1000n;
  const date = new Date(Number(ms));
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 1 || year > 9999) return us.toString();
  const iso = date.toISOString();
  return `${iso.slice(0, 23)}${sub.toString().padStart(3, '0')}Z`;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses ISO-8601 (UTC or with offset, at most 6 fractional digits) or decimal microseconds. */
export function parseTime(text: string): bigint {
  if (/^-?\d{1,19}$/.test(text)) return BigInt(text);
  const m = ISO.exec(text);
  if (m === null) {
    // More digits would be silently truncated; the block holds microseconds only.
    if (/\.\d{7,}/.test(text)) throw bad(`${JSON.stringify(text)} has more than 6 fractional digits (times are microseconds)`);
    throw bad(`${JSON.stringify(text)} is neither ISO-8601 nor integer microseconds`);
  }
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  // Date.UTC maps years 0-99 to 1900-1999, so set the fields one by one.
  const check = new Date(0);
  check.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  check.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const base = check.getTime();
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw bad(`${JSON.stringify(text)} is not a real date and time`);
  }
  let offsetMin = 0;
  if (zone !== 'Z') offsetMin = (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const micros = BigInt((frac + '000000').slice(0, 6));
  return (BigInt(base) - BigInt(offsetMin) * 60_000n) * 1000n + micros;
}

function cellToJSON(type: CellType, v: CellValue | BlockJS): JsonValue {
  if (v === null) return null;
  if (typeof v === 'bigint') return type === 'time' ? formatTime(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  // JSON.stringify writes -0 as 0; the string keeps the sign bit (and so the bytes and hash).
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return v as JsonValue;
}

function mapNested(value: BlockJS, fn: (leaf: BlockJS) => JsonValue): JsonValue {
  return Array.isArray(value) ? value.map((v) => mapNested(v, fn)) : fn(value);
}

/** The JSON form of a block. */
export function blockToJSON(block: Block): BlockJSON {
  const attrs: Record<string, string> = {};
  for (const [code, value] of block.attributes) attrs[attributeName(code)] = value;
  const base = { type: block.type, shape: block.shape, hash: block.hashHex, ...(block.attributes.size > 0 ? { attributes: attrs } : {}) };
  if (block.is('tuple')) {
    return { ...base, items: [...block.items()].map(([name, item]) => ({ name, block: blockToJSON(item) })) };
  }
  if (block.is('bytes')) return { ...base, data: Buffer.from(block.data()).toString('base64') };
  const data = mapNested(block.toJS(), (leaf) => cellToJSON(block.type, leaf));
  if (block.is('factor')) return { ...base, levels: block.levels(), ordered: block.ordered, data };
  return { ...base, data };
}

function cellFromJSON(type: CellType, v: unknown, i: number): CellValue {
  if (v === null) return null;
  switch (type) {
    case 'int64':
    case 'uint64':
      if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt(v);
      if (typeof v === 'number') return v;
      break;
    case 'time':
      if (typeof v === 'string') return parseTime(v);
      if (typeof v === 'number') return v;
      break;
    case 'float32':
    case 'float64':
      if (typeof v === 'number') return v;
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      if (v === '-0') return -0;
      break;
    default:
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  }
  throw bad(`cell ${i} cannot be read as ${type}`, { cell: i });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const KEYS = new Set(['type', 'shape', 'data', 'levels', 'ordered', 'items', 'attributes', 'hash']);

function readAttributes(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw bad('attributes must be an object of strings');
  for (const [k, v] of Object.entries(value)) {
    attributeCode(k);
    if (typeof v !== 'string') throw bad(`attribute ${k} must be a string`);
  }
  return value as Record<string, string>;
}

/**
 * Reads a block description from parsed JSON: either the {@link BlockJSON} form (an object with
 * `type`), or a bare value (number, string, boolean or nested array) whose type is inferred.
 */
export function blockInitFromJSON(json: unknown, depth = 0): BlockInit {
  const init = readInit(json, depth);
  const hash = isRecord(json) ? json['hash'] : undefined;
  if (hash !== undefined) {
    if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) throw bad('hash must be 64 hex digits');
    // A stated hash is a claim about the bytes: a wrong one means the description was altered.
    const actual = Buffer.from(encodeBlock(buildParts(init)).subarray(64, 96)).toString('hex');
    if (actual !== hash.toLowerCase()) throw bad('hash does not match the described block', { hash: hash.toLowerCase(), actual });
  }
  return init;
}

function readInit(json: unknown, depth: number): BlockInit {
  if (depth > 32) throw bad('tuples nested too deeply');
  if (!isRecord(json)) {
    if (json === null || typeof json === 'object' && !Array.isArray(json)) throw bad('expected a block object or a value');
    return inferInit(json);
  }
  for (const k of Object.keys(json)) if (!KEYS.has(k)) throw bad(`unknown field ${JSON.stringify(k)}`);
  const { type, shape } = json;
  if (typeof type !== 'string' || !(CELL_TYPE_NAMES as readonly string[]).includes(type)) {
    throw new KeeprError('BLOCK_TYPE_UNKNOWN', `unknown cell type ${JSON.stringify(type)}`);
  }
  const t = type as CellType;
  if (shape !== undefined && (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number'))) throw bad('shape must be an array of integers');
  const attributes = readAttributes(json['attributes']);
  if (t === 'tuple') {
    const items = json['items'] ?? [];
    if (!Array.isArray(items)) throw bad('items must be an array of { name, block }');
    return {
      type: t,
      attributes,
      items: items.map((item: unknown, i) => {
        if (!isRecord(item) || typeof item['name'] !== 'string') throw bad(`item ${i} needs a name and a block`, { item: i });
        return [item['name'], encodeBlock(buildParts(blockInitFromJSON(item['block'], depth + 1)))] as const;
      }),
    };
  }
  const data = json['data'];
  if (t === 'bytes') {
    if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw bad('bytes data must be base64 text');
    const content = Buffer.from(data, 'base64');
    // One text per content: padded, standard alphabet, zero unused bits.
    if (content.toString('base64') !== data) throw bad('bytes data must be canonical padded base64 (RFC 4648 section 4)');
    return { type: t, shape: (shape as number[] | undefined) ?? [content.length], data: content, attributes };
  }
  let cells: unknown[];
  let nestedShape: number[];
  if (Array.isArray(data)) ({ cells, shape: nestedShape } = flattenNested(data));
  else if (data === undefined) throw bad('data is required');
  else [cells, nestedShape] = [[data], []];
  const finalShape = (shape as number[] | undefined) ?? nestedShape;
  const levels = json['levels'];
  if (levels !== undefined && (!Array.isArray(levels) || levels.some((l) => typeof l !== 'string'))) throw bad('levels must be an array of strings');
  const ordered = json['ordered'];
  if (ordered !== undefined && typeof ordered !== 'boolean') throw bad('ordered must be a boolean');
  return {
    type: t,
    shape: finalShape,
    data: cells.map((c, i) => cellFromJSON(t, c, i)),
    attributes,
    ...(levels !== undefined ? { levels: levels as string[] } : {}),
    ...(ordered !== undefined ? { ordered } : {}),
  };
}
