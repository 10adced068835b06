/**
 * The JSON forms the `keepr state` commands read and print: byte strings (keys and raw values)
 * as UTF-8 text or `{ hex | base64 | base64url | utf8: "…" }`, block values as block JSON, and
 * change sets as arrays of `{ op, tree, key, value | block }`.
 */
import { Block, blockInitFromJSON, blockToJSON, type BlockJSON } from '../../block/index.js';
import { KeeprError, isKeeprError } from '../../errors.js';
import type { StateChange, StateValue } from '../../state/index.js';
import { workingOf } from '../../state/state-working.js';

/** How a byte string is written as text. */
export type ByteEncoding = 'utf8' | 'hex' | 'base64' | 'base64url';

/** Encodings `--key-encoding` accepts (standard base64 is left out: its `/` and `+` are awkward in shells and URLs). */
export const KEY_ENCODINGS: readonly ByteEncoding[] = ['utf8', 'hex', 'base64url'];

/** A byte string in JSON: UTF-8 text, or an object naming its encoding. */
export type BytesJSON = string | { readonly utf8: string } | { readonly hex: string } | { readonly base64: string } | { readonly base64url: string };

const ENCODINGS: readonly ByteEncoding[] = ['utf8', 'hex', 'base64', 'base64url'];

// Strict forms: Buffer.from() would silently skip characters that do not belong.
const PATTERNS: Record<Exclude<ByteEncoding, 'utf8'>, RegExp> = {
  hex: /^(?:[0-9a-fA-F]{2})*$/,
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  base64url: /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/,
};

/** The bytes of `text` in `encoding`; `ARGUMENT_INVALID` (naming `what`) when it is not that encoding. */
export function decodeText(text: string, encoding: ByteEncoding, what: string): Uint8Array {
  if (encoding === 'utf8') return new Uint8Array(Buffer.from(text, 'utf8'));
  if (!PATTERNS[encoding].test(text)) throw new KeeprError('ARGUMENT_INVALID', `${what} is not ${encoding} text`, { details: { encoding } });
  return new Uint8Array(Buffer.from(text, encoding));
}

/** The bytes of a {@link BytesJSON} value; `ARGUMENT_INVALID` naming `what` for anything else. */
export function bytesFromJSON(json: unknown, what: string): Uint8Array {
  if (typeof json === 'string') return decodeText(json, 'utf8', what);
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const fields = Object.keys(json);
    const encoding = fields[0] as ByteEncoding;
    const text = (json as Record<string, unknown>)[encoding];
    if (fields.length === 1 && ENCODINGS.includes(encoding) && typeof text === 'string') return decodeText(text, encoding, what);
  }
  throw new KeeprError('ARGUMENT_INVALID', `${what} must be a string or one of { utf8 | hex | base64 | base64url: "…" }`);
}

/** A key as given on the command line, in the JSON form the state commands print. */
export function keyToJSON(text: string, encoding: ByteEncoding): BytesJSON {
  switch (encoding) {
    case 'utf8':
      return text;
    case 'hex':
      return { hex: text };
    case 'base64':
      return { base64: text };
    case 'base64url':
      return { base64url: text };
  }
}

/** A stored value in JSON: `{ value: { base64 } }` for bytes, `{ block }` for a block. */
export function valueToJSON(value: StateValue): { value: { base64: string } } | { block: BlockJSON } {
  return value instanceof Block ? { block: blockToJSON(value) } : { value: { base64: Buffer.from(value).toString('base64') } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const CHANGE_FIELDS = new Set(['op', 'tree', 'key', 'value', 'block']);

/** One change of the JSON form, checked field by field. */
function changeFromJSON(json: unknown, i: number): StateChange {
  const at = `change ${i}`;
  if (!isRecord(json)) throw new KeeprError('ARGUMENT_INVALID', `${at} is not an object`, { details: { index: i } });
  for (const field of Object.keys(json)) {
    if (!CHANGE_FIELDS.has(field)) throw new KeeprError('ARGUMENT_INVALID', `${at}: unknown field ${JSON.stringify(field)}`, { details: { index: i } });
  }
  const { op, tree, key, value, block } = json;
  if (typeof tree !== 'string') throw new KeeprError('ARGUMENT_INVALID', `${at}: tree must be a string`, { details: { index: i } });
  const keyBytes = bytesFromJSON(key, `${at}: key`);
  if (op === 'delete') {
    if (value !== undefined || block !== undefined) throw new KeeprError('ARGUMENT_INVALID', `${at}: a delete takes no value`, { details: { index: i } });
    return { op, tree, key: keyBytes };
  }
  if (op !== 'put') throw new KeeprError('ARGUMENT_INVALID', `${at}: op must be "put" or "delete"`, { details: { index: i } });
  if ((value === undefined) === (block === undefined)) throw new KeeprError('ARGUMENT_INVALID', `${at}: a put takes exactly one of value and block`, { details: { index: i } });
  if (value !== undefined) return { op, tree, key: keyBytes, value: bytesFromJSON(value, `${at}: value`) };
  try {
    return { op, tree, key: keyBytes, value: Block.create(blockInitFromJSON(block)) };
  } catch (err) {
    // Keep the block's own code (BLOCK_JSON_INVALID, BLOCK_INVALID…) and say which change it was.
    if (isKeeprError(err)) throw new KeeprError(err.code, `${at}: ${err.message}`, { cause: err, details: { ...err.details, index: i } });
    throw new KeeprError('BLOCK_INVALID', `${at}: the block cannot be built: ${err instanceof Error ? err.message : String(err)}`, { cause: err, details: { index: i } });
  }
}

/**
 * Reads a change set: a JSON array of changes. Everything is checked here (JSON, fields,
 * encodings, blocks, tree names, key sizes), before any store is opened, so a bad set writes nothing.
 */
export function changeSetFromJSON(text: string): StateChange[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new KeeprError('ARGUMENT_INVALID', `the change set is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(parsed)) throw new KeeprError('ARGUMENT_INVALID', 'a change set is a JSON array of { op, tree, key, value | block } changes');
  const changes = parsed.map((c, i) => changeFromJSON(c, i));
  // The state's own checks (tree names, key sizes) without a store.
  workingOf(changes);
  return changes;
}
