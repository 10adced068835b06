/**
 * Sorted distinct binary keys by front coding: per key the length of the prefix it shares with
 * the previous key and the rest of its bytes. The decoder checks that keys strictly ascend and
 * caps the bytes it builds, so small inputs cannot expand into huge allocations.
 */
import { KeeprError } from '../../errors.js';
import { compareBytes } from '../../util/bytes.js';
import { ByteReader, ByteWriter, checkCount, malformed } from './byte-io.js';

/** Most key bytes one decode may produce (64 MiB). */
const MAX_KEY_BYTES = 1 << 26;

/** Encodes keys that strictly ascend bytewise; ARGUMENT_INVALID otherwise. */
export function encodeKeyList(keys: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(keys)) throw new KeeprError('ARGUMENT_INVALID', 'keys must be an array of Uint8Array');
  const w = new ByteWriter();
  let prev: Uint8Array | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (!(key instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', `key ${i} is not a Uint8Array`, { details: { index: i } });
    if (prev !== undefined && compareBytes(prev, key) >= 0) {
      throw new KeeprError('ARGUMENT_INVALID', `key ${i} does not ascend strictly`, { details: { index: i } });
    }
    let shared = 0;
    if (prev !== undefined) {
      const max = Math.min(prev.length, key.length);
      while (shared < max && prev[shared] === key[shared]) shared++;
    }
    w.varint(shared);
    w.varint(key.length - shared);
    w.bytes(key.subarray(shared));
    prev = key;
  }
  return w.finish();
}

/** Decodes `count` keys; CHUNK_MALFORMED unless they are exactly what the encoder writes. */
export function decodeKeyList(bytes: Uint8Array, count: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', 'encoded keys must be a Uint8Array');
  checkCount(count);
  if (count * 2 > bytes.length) throw malformed('too few bytes for the count');
  const r = new ByteReader(bytes);
  const out: Uint8Array[] = [];
  let prev = new Uint8Array(0);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const shared = r.varint();
    const rest = r.varint();
    if (shared > prev.length) throw malformed('shared prefix longer than the previous key');
    const suffix = r.view(rest);
    total += shared + rest;
    if (total > MAX_KEY_BYTES) throw malformed('keys too large');
    // Strictly ascending with the longest shared prefix: the first new byte must be greater.
    if (i > 0 && (rest === 0 || (shared < prev.length && suffix[0]! <= prev[shared]!))) throw malformed('keys do not ascend strictly');
    if (i === 0 && shared !== 0) throw malformed('first key shares a prefix');
    const key = new Uint8Array(shared + rest);
    key.set(prev.subarray(0, shared));
    key.set(suffix, shared);
    out.push(key);
    prev = key;
  }
  r.end();
  return out;
}
