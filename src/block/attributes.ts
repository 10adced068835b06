/**
 * Block attributes: integer code → string, stored inside the block in ascending code order.
 * Codes 1 to 999 are keepr's; 1,000 and up are free for users.
 */
import { KeeprError } from '../errors.js';
import { isObject } from '../util/guards.js';
import { hasLoneSurrogate } from './cells.js';

/** Well-known attribute codes. */
export const ATTR = Object.freeze({
  /** What the block is for, free text (`file`, `web`, `tensor`, ...). */
  KIND: 1,
  /** MIME type of a file block, e.g. `text/html; charset=utf-8`. */
  MIME: 2,
  /** URL path the server publishes the block at, e.g. `/docs/index.html`. */
  URL: 3,
  /** Content language, e.g. `en`. */
  LANGUAGE: 4,
  /** Original file name. */
  FILENAME: 5,
});

/** First attribute code free for users. */
export const USER_ATTR_MIN = 1000;
/** Largest attribute code. */
export const ATTR_CODE_MAX = 0x7fffffff;

/** Names of the well-known codes, as used in JSON and by the CLI. */
export const ATTR_NAMES: Readonly<Record<string, number>> = Object.freeze({
  kind: ATTR.KIND,
  mime: ATTR.MIME,
  url: ATTR.URL,
  language: ATTR.LANGUAGE,
  filename: ATTR.FILENAME,
});

const NAME_OF: ReadonlyMap<number, string> = new Map(Object.entries(ATTR_NAMES).map(([name, code]) => [code, name]));

/** Attributes as given by callers: a Map of codes, or an object keyed by code or well-known name. */
export type AttributesInit = ReadonlyMap<number, string> | Readonly<Record<string, string | undefined>>;

/** The well-known name of a code, or the code as a decimal string. */
export function attributeName(code: number): string {
  return NAME_OF.get(code) ?? String(code);
}

/** Parses an attribute key: a well-known name or a decimal code. */
export function attributeCode(key: string | number): number {
  const code = typeof key === 'number' ? key : (ATTR_NAMES[key] ?? (/^[1-9][0-9]{0,9}$/.test(key) ? Number(key) : NaN));
  if (!Number.isInteger(code) || code < 1 || code > ATTR_CODE_MAX) {
    throw new KeeprError('BLOCK_ATTRIBUTE_INVALID', `attribute ${JSON.stringify(key)} is neither a well-known name nor a code from 1 to ${ATTR_CODE_MAX}`, {
      details: { attribute: String(key) },
    });
  }
  return code;
}

/** Normalises attributes into [code, value] pairs in ascending code order. */
export function normalizeAttributes(init: AttributesInit | undefined): [number, string][] {
  if (init === undefined) return [];
  const raw: unknown = init;
  if (!isObject(raw)) throw new KeeprError('BLOCK_ATTRIBUTE_INVALID', 'attributes must be a Map or an object');
  const entries: [string | number, unknown][] = raw instanceof Map ? [...(raw as Map<number, unknown>).entries()] : Object.entries(raw);
  const byCode = new Map<number, string>();
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const code = attributeCode(key);
    if (typeof value !== 'string') throw new KeeprError('BLOCK_ATTRIBUTE_INVALID', `attribute ${attributeName(code)} must be a string`, { details: { code } });
    if (hasLoneSurrogate(value)) throw new KeeprError('BLOCK_STRING_INVALID', `attribute ${attributeName(code)} holds a lone surrogate`, { details: { code } });
    if (byCode.has(code)) throw new KeeprError('BLOCK_ATTRIBUTE_INVALID', `attribute ${attributeName(code)} given twice`, { details: { code } });
    byCode.set(code, value);
  }
  return [...byCode.entries()].sort((a, b) => a[0] - b[0]);
}
