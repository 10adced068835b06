/**
 * The working height's change set: validated, encoded changes by tree and key path. A change is
 * encoded when it is made, so later changes to the caller's buffers do not leak into a commit.
 */
import { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { keyPath, valueHash, type ValueKind } from './state-hash.js';
import { MAX_STATE_KEY_BYTES, encodeEntry } from './state-records.js';
import type { StateValue } from './state-view.js';

/** One change of a change set given to `state.apply()`. */
export type StateChange =
  | { readonly op: 'put'; readonly tree: string; readonly key: Uint8Array | string; readonly value: StateValue }
  | { readonly op: 'delete'; readonly tree: string; readonly key: Uint8Array | string };

/** One encoded working change. */
export interface Change {
  readonly key: Uint8Array;
  readonly kh: Uint8Array;
  readonly kind: ValueKind | 'deleted';
  /** The value hash; undefined for a deletion. */
  readonly vh: Uint8Array | undefined;
  /** The entry record value to store. */
  readonly record: Uint8Array;
}

/** Changes by tree name, then by key path (latin1 of its bytes). */
export type Working = Map<string, Map<string, Change>>;

const TREE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const utf8 = new TextEncoder();

// The last name that passed (it starts as a valid one): a height's puts mostly name one tree,
// so the pattern runs once.
let validTree = 'state';

/** Checks a tree name. */
export function checkTree(tree: unknown): asserts tree is string {
  if (tree === validTree) return;
  if (typeof tree !== 'string' || !TREE_NAME.test(tree)) {
    throw new KeeprError('NAME_INVALID', 'tree names are 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit', { details: { name: String(tree) } });
  }
  validTree = tree;
}

/** The bytes of a valid key (a string's UTF-8). */
export function checkKey(key: unknown): Uint8Array {
  const bytes = typeof key === 'string' ? utf8.encode(key) : key;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > MAX_STATE_KEY_BYTES) {
    throw new KeeprError('STATE_KEY_INVALID', `state keys are 1 to ${MAX_STATE_KEY_BYTES} bytes (a string or a Uint8Array)`);
  }
  return bytes;
}

/** A Map key for bytes (a key path or a key): their latin1 string, read without a copy. */
export function mapKey(bytes: Uint8Array): string {
  // Key paths are Buffers already (state-hash.ts): no wrapper needed.
  return (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('latin1');
}

/** Encodes a put (value given) or a delete (value undefined) of `key`. */
export function makeChange(key: unknown, value: unknown): Change {
  // A caller's byte key is copied: it is kept until the commit.
  const k = typeof key === 'string' ? checkKey(key) : new Uint8Array(checkKey(key));
  const kh = keyPath(k);
  if (value === undefined) return { key: k, kh, kind: 'deleted', vh: undefined, record: encodeEntry('deleted', undefined, undefined) };
  let kind: ValueKind;
  let bytes: Uint8Array;
  if (value instanceof Block) {
    kind = 'block';
    bytes = value.bytes;
  } else if (value instanceof Uint8Array) {
    kind = 'bytes';
    bytes = value;
  } else {
    throw new KeeprError('ARGUMENT_INVALID', 'state values are Blocks or Uint8Arrays');
  }
  const vh = valueHash(kind, bytes);
  return { key: k, kh, kind, vh, record: encodeEntry(kind, vh, bytes) };
}

/** Adds a change to a working set (a later change of the same key replaces an earlier one). */
export function addChange(working: Working, tree: string, change: Change): void {
  let changes = working.get(tree);
  if (changes === undefined) {
    changes = new Map();
    working.set(tree, changes);
  }
  changes.set(mapKey(change.kh), change);
}

/** Validates and encodes a whole change set; throws before anything is kept. */
export function workingOf(changes: unknown): Working {
  if (!Array.isArray(changes)) throw new KeeprError('ARGUMENT_INVALID', 'a change set is an array of { op, tree, key, value } changes');
  const working: Working = new Map();
  for (const [i, c] of (changes as unknown[]).entries()) {
    if (typeof c !== 'object' || c === null) throw new KeeprError('ARGUMENT_INVALID', `change ${i} is not an object`, { details: { index: i } });
    const { op, tree, key, value } = c as { op?: unknown; tree?: unknown; key?: unknown; value?: unknown };
    if (op !== 'put' && op !== 'delete') throw new KeeprError('ARGUMENT_INVALID', `change ${i}: op must be put or delete`, { details: { index: i } });
    checkTree(tree);
    if (op === 'put' && value === undefined) throw new KeeprError('ARGUMENT_INVALID', `change ${i}: a put needs a value`, { details: { index: i } });
    addChange(working, tree, makeChange(key, op === 'put' ? value : undefined));
  }
  return working;
}

/** A deep copy of a working set (for savepoints). */
export function copyWorking(working: Working): Working {
  return new Map([...working].map(([t, m]) => [t, new Map(m)]));
}
