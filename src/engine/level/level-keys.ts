/**
 * The LevelDB key layout (docs/engines.md, "level"): one LevelDB holds every namespace.
 *
 * - An entry of namespace `name` is stored under `name ‖ 0x00 ‖ key` with its value as given.
 *   Names are printable ASCII (0x21 to 0x7E), so the 0x00 separator cannot occur in a name, a
 *   name that prefixes another (`a`, `ab`) cannot reach into its entries, and every namespace is
 *   one contiguous key range from `name ‖ 0x00` up to (not including) `name ‖ 0x01`.
 * - Engine metadata lives under keys starting with 0x00, which sort before every namespace:
 *   `0x00 0x00` the format marker, `0x00 0x01 ‖ name` the namespace registry (empty values), and
 *   `0x00 0x02`, a key never stored, deleted by the synced batch that flushes `write-cache` writes.
 */
import type { NormalizedRange } from '../engine-types.js';

/** Key of the format marker. */
export const FORMAT_KEY: Buffer = Buffer.from([0x00, 0x00]);
/** Value of the format marker: this layout, version 1. */
export const FORMAT_VALUE: Buffer = Buffer.from('keepr-level 1', 'utf8');
/** Prefix of the namespace registry: `0x00 0x01 ‖ name` → empty value. */
export const REGISTRY_PREFIX: Buffer = Buffer.from([0x00, 0x01]);
/** First key after the registry. */
export const REGISTRY_END: Buffer = Buffer.from([0x00, 0x02]);
/** The key a synced flush deletes: a write that changes nothing, so LevelDB syncs its log. */
export const SYNC_KEY: Buffer = Buffer.from([0x00, 0x02]);
/** An empty value (registry entries). */
export const EMPTY: Buffer = Buffer.alloc(0);

// Prefixes of recently used namespaces; names are few and short, so the cache stays small.
const prefixes = new Map<string, Buffer>();

/** `name ‖ 0x00`: the prefix of every entry of namespace `name` (shared: never change it). */
export function namespacePrefix(name: string): Buffer {
  let prefix = prefixes.get(name);
  if (prefix === undefined) {
    prefix = Buffer.allocUnsafe(name.length + 1);
    prefix.write(name, 'latin1');
    prefix[name.length] = 0x00;
    if (prefixes.size >= 4096) prefixes.clear();
    prefixes.set(name, prefix);
  }
  return prefix;
}

/** `name ‖ 0x01`: the first key after namespace `name`. */
export function namespaceEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = 0x01;
  return end;
}

/** The LevelDB key of `key` in the namespace with this prefix (a fresh buffer). */
export function entryKey(prefix: Uint8Array, key: Uint8Array): Buffer {
  const full = Buffer.allocUnsafe(prefix.length + key.length);
  full.set(prefix, 0);
  full.set(key, prefix.length);
  return full;
}

/** The registry key of namespace `name`. */
export function registryKey(name: string): Buffer {
  return Buffer.concat([REGISTRY_PREFIX, Buffer.from(name, 'latin1')]);
}

/** The namespace name of a registry key. */
export function nameOfRegistryKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset + REGISTRY_PREFIX.length, key.length - REGISTRY_PREFIX.length).toString('latin1');
}

/** Bounds of a LevelDB iterator, as classic-level takes them. */
export interface LevelBounds {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse: boolean;
  limit: number;
}

/** LevelDB iterator bounds for a normalised range inside the namespace with this prefix. */
export function rangeBounds(prefix: Uint8Array, range: NormalizedRange): LevelBounds {
  const bounds: LevelBounds = { reverse: range.reverse, limit: range.limit === Infinity ? -1 : range.limit };
  if (range.lower === undefined) bounds.gt = prefix;
  else if (range.lowerInclusive) bounds.gte = entryKey(prefix, range.lower);
  else bounds.gt = entryKey(prefix, range.lower);
  if (range.upper === undefined) bounds.lt = namespaceEnd(prefix);
  else if (range.upperInclusive) bounds.lte = entryKey(prefix, range.upper);
  else bounds.lt = entryKey(prefix, range.upper);
  return bounds;
}

/** A string naming the same bytes, for maps keyed by LevelDB keys. */
export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** A plain Uint8Array over the same memory (values from classic-level are Buffers of their own). */
export function plain(bytes: Uint8Array, offset = 0): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + offset, bytes.byteLength - offset);
}
