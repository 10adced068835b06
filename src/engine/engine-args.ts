/** Argument checks shared by engines and snapshots: keys, namespace names, range options. */
import { KeeprError } from '../errors.js';
import { compareBytes, prefixUpperBound } from '../util/bytes.js';
import { isObject } from '../util/guards.js';
import type { NormalizedRange, RangeOptions } from './engine-types.js';
import { NAMESPACE_NAME_RULE } from './engine-types.js';

/** The `STORE_CLOSED` error for a closed or closing engine or snapshot. */
export function closedError(what: string, status: string): KeeprError {
  return new KeeprError('STORE_CLOSED', `${what} is ${status}`, { details: { status } });
}

/** Validates an engine key against a size limit. */
export function assertKey(key: unknown, maxKeyBytes: number, what = 'key'): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new KeeprError('KEY_INVALID', `${what} must be a Uint8Array`);
  }
  if (key.length === 0 || key.length > maxKeyBytes) {
    throw new KeeprError('KEY_INVALID', `${what} must be 1 to ${maxKeyBytes} bytes, got ${key.length}`, {
      details: { length: key.length, maxKeyBytes },
    });
  }
}

// Names already checked: the check runs on every read, and a store uses few namespaces.
const validNamespaces = new Set<string>();

/** Validates a namespace name. */
export function assertNamespace(name: unknown): asserts name is string {
  if (typeof name === 'string' && validNamespaces.has(name)) return;
  if (typeof name !== 'string' || !NAMESPACE_NAME_RULE.test(name)) {
    throw new KeeprError('NAME_INVALID', 'namespace names are 1 to 200 printable ASCII characters', {
      details: { name: typeof name === 'string' ? name : String(name) },
    });
  }
  if (validNamespaces.size >= 4096) validNamespaces.clear();
  validNamespaces.add(name);
}

/** Validates and normalises range options. */
export function normalizeRange(options: RangeOptions = {}, maxKeyBytes = Number.MAX_SAFE_INTEGER): NormalizedRange {
  if (!isObject(options)) {
    throw new KeeprError('ARGUMENT_INVALID', 'range options must be an object');
  }
  const { prefix, gt, gte, lt, lte, reverse = false, limit } = options;
  for (const [name, bound] of [['prefix', prefix], ['gt', gt], ['gte', gte], ['lt', lt], ['lte', lte]] as const) {
    if (bound !== undefined && !(bound instanceof Uint8Array)) {
      throw new KeeprError('KEY_INVALID', `range bound ${name} must be a Uint8Array`);
    }
    if (bound !== undefined && bound.length > maxKeyBytes + 1) {
      throw new KeeprError('KEY_INVALID', `range bound ${name} is longer than any key`);
    }
  }
  if (gt !== undefined && gte !== undefined) throw new KeeprError('ARGUMENT_INVALID', 'give gt or gte, not both');
  if (lt !== undefined && lte !== undefined) throw new KeeprError('ARGUMENT_INVALID', 'give lt or lte, not both');
  if (typeof reverse !== 'boolean') throw new KeeprError('ARGUMENT_INVALID', 'reverse must be a boolean');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new KeeprError('ARGUMENT_INVALID', 'limit must be a non-negative integer');
  }

  let lower = gt ?? gte;
  let lowerInclusive = gt === undefined;
  let upper = lt ?? lte;
  let upperInclusive = lt === undefined;
  if (prefix !== undefined && prefix.length > 0) {
    // Fold the prefix into the bounds: keep whichever bound is tighter.
    if (lower === undefined || compareBytes(prefix, lower) > 0) {
      lower = prefix;
      lowerInclusive = true;
    }
    const end = prefixUpperBound(prefix);
    if (end !== undefined && (upper === undefined || compareBytes(end, upper) <= 0)) {
      upper = end;
      upperInclusive = false;
    }
  }
  if (lower === undefined) lowerInclusive = true;
  if (upper === undefined) upperInclusive = true;
  return { lower, lowerInclusive, upper, upperInclusive, reverse, limit: limit ?? Infinity };
}

/** True when `key` lies within the normalised bounds (ignoring limit and direction). */
export function inRange(key: Uint8Array, range: NormalizedRange): boolean {
  if (range.lower !== undefined) {
    const c = compareBytes(key, range.lower);
    if (c < 0 || (c === 0 && !range.lowerInclusive)) return false;
  }
  if (range.upper !== undefined) {
    const c = compareBytes(key, range.upper);
    if (c > 0 || (c === 0 && !range.upperInclusive)) return false;
  }
  return true;
}
