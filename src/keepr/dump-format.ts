/**
 * The keepr dump format, version 1: a portable, streamable copy of a store's sources and
 * blocks (docs/cli.md, "Dump format", is the normative description). All integers are
 * little-endian.
 *
 *   header   magic 4B 50 44 4D 0D 0A 1A 0A ("KPDM\r\n\x1a\n"), u32 version = 1, u32 flags = 0
 *   'S' 0x53 u16 name length, source name (UTF-8)             starts a source
 *   'B' 0x42 u16 key length, key bytes, u32 length, block     a block of the current source
 *   'N' 0x4E u16 name length, engine namespace name (ASCII)   starts another namespace
 *   'R' 0x52 u16 key length, key, u32 length, value           a raw entry of that namespace
 *   'E' 0x45 u32 sources, u64 blocks, u64 block bytes, u32 namespaces, u64 entries,
 *            u64 entry bytes, then the SHA-256 of every stream byte before it
 *
 * Sources come first, in ascending name order, each once, with keys strictly ascending within
 * each (bytewise; keys are 1 to 512 bytes, any bytes: string keys as their UTF-8); then the store's other engine namespaces (such as versioned states, `state:<name>`)
 * the same way, their entries copied byte for byte. The trailer is the last thing in the
 * stream, so truncation anywhere is detected, and its digest catches any other damage. Blocks
 * are their canonical bytes, each also checked with its own hash.
 */
import { createHash, type Hash } from 'node:crypto';
import { Block } from '../block/block.js';
import { HEADER_BYTES, MAX_BLOCK_BYTES } from '../block/layout.js';
import { NAMESPACE_NAME_RULE } from '../engine/engine.js';
import { KeeprError, isKeeprError } from '../errors.js';
import { keyBytes, keyLabel, type Key } from './keys.js';
import { MAX_KEY_BYTES, assertName } from './names.js';

/** The eight magic bytes a dump starts with: "KPDM", then CR LF SUB LF to catch text-mode copies. */
export const DUMP_MAGIC = Uint8Array.of(0x4b, 0x50, 0x44, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a);
/** The dump format version this code writes and reads. */
export const DUMP_VERSION = 1;

const TAG_SOURCE = 0x53;
const TAG_BLOCK = 0x42;
const TAG_NAMESPACE = 0x4e;
const TAG_ENTRY = 0x52;
const TAG_END = 0x45;
const TRAILER_BYTES = 40;
/** Longest raw key (the LMDB engine's limit is 1,024 bytes). */
const MAX_RAW_KEY = 0xffff;
/** Engine namespaces of sources; those travel as 'S' records, never as raw namespaces. */
export const SOURCE_NAMESPACE_PREFIX = 'src:';
const DIGEST_BYTES = 32;

/**
 * One record of a dump: a source, a block of the source before it, another engine namespace, or a
 * raw entry of it. Block keys are written as their bytes; decoding gives them as Uint8Array.
 */
export type DumpRecord =
  | { readonly kind: 'source'; readonly name: string }
  | { readonly kind: 'block'; readonly key: Key; readonly block: Block }
  | { readonly kind: 'namespace'; readonly name: string }
  | { readonly kind: 'entry'; readonly key: Uint8Array; readonly value: Uint8Array };

/** What a dump holds, as its trailer states it. */
export interface DumpSummary {
  readonly sources: number;
  readonly blocks: number;
  /** Sum of the blocks' byte lengths. */
  readonly blockBytes: number;
  /** Engine namespaces other than sources, and their raw entries and value bytes. */
  readonly namespaces: number;
  readonly entries: number;
  readonly entryBytes: number;
}

function malformed(reason: string, details: Record<string, unknown> = {}, cause?: unknown): KeeprError {
  return new KeeprError('DUMP_MALFORMED', `corrupt dump: ${reason}`, { details: { reason, ...details }, cause });
}

/** Counts records and checks their order, for the writer and the reader alike. */
class DumpOrder {
  sources = 0;
  blocks = 0;
  blockBytes = 0;
  namespaces = 0;
  entries = 0;
  entryBytes = 0;
  #section: 'none' | 'source' | 'namespace' = 'none';
  #name: Buffer | undefined;
  #current = '';
  #key: Buffer | undefined;

  summary(): DumpSummary {
    return { sources: this.sources, blocks: this.blocks, blockBytes: this.blockBytes, namespaces: this.namespaces, entries: this.entries, entryBytes: this.entryBytes };
  }

  #start(section: 'source' | 'namespace', name: string): void {
    const bytes = Buffer.from(name);
    if (this.#section === 'namespace' && section === 'source') throw malformed(`source ${JSON.stringify(name)} comes after the namespaces`, { source: name });
    if (this.#section === section && this.#name !== undefined && Buffer.compare(bytes, this.#name) <= 0) {
      throw malformed(`${section} ${JSON.stringify(name)} is out of order or repeated`, { [section]: name });
    }
    this.#section = section;
    this.#name = bytes;
    this.#current = name;
    this.#key = undefined;
  }

  source(name: string): void {
    this.#start('source', name);
    this.sources++;
  }

  namespace(name: string): void {
    if (!NAMESPACE_NAME_RULE.test(name) || name.startsWith(SOURCE_NAMESPACE_PREFIX)) throw malformed(`${JSON.stringify(name)} is not a namespace a dump may hold`, { namespace: name });
    this.#start('namespace', name);
    this.namespaces++;
  }

  #item(section: 'source' | 'namespace', key: Uint8Array, what: string): string {
    if (this.#section !== section) throw malformed(`${what} comes before any ${section}`);
    const k = Buffer.from(key);
    if (this.#key !== undefined && Buffer.compare(k, this.#key) <= 0) throw malformed(`${what} is out of order or repeated`, { [section]: this.#current, key: keyLabel(k) });
    this.#key = k;
    return this.#current;
  }

  block(key: Uint8Array, bytes: number): string {
    const source = this.#item('source', key, `block ${JSON.stringify(keyLabel(key))}`);
    this.blocks++;
    this.blockBytes += bytes;
    return source;
  }

  entry(key: Uint8Array, bytes: number): void {
    if (key.length === 0 || key.length > MAX_RAW_KEY) throw malformed('a raw entry has an empty or oversized key');
    this.#item('namespace', key, 'a raw entry');
    this.entries++;
    this.entryBytes += bytes;
  }
}

function u16(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/** Encodes records as a dump stream, ending with the trailer; returns what the trailer states. */
export async function* encodeDump(records: AsyncIterable<DumpRecord> | Iterable<DumpRecord>): AsyncGenerator<Uint8Array, DumpSummary> {
  const hash = createHash('sha256');
  const order = new DumpOrder();
  const emit = (bytes: Uint8Array): Uint8Array => {
    hash.update(bytes);
    return bytes;
  };
  const header = Buffer.alloc(16);
  header.set(DUMP_MAGIC, 0);
  header.writeUInt32LE(DUMP_VERSION, 8);
  yield emit(header);
  for await (const record of records) {
    if (record.kind === 'source') {
      order.source(record.name);
      const name = Buffer.from(record.name, 'utf8');
      yield emit(Buffer.concat([Uint8Array.of(TAG_SOURCE), u16(name.length), name]));
    } else if (record.kind === 'block') {
      const key = keyBytes(record.key);
      order.block(key, record.block.byteLength);
      const head = Buffer.allocUnsafe(7 + key.length);
      head[0] = TAG_BLOCK;
      head.writeUInt16LE(key.length, 1);
      head.set(key, 3);
      head.writeUInt32LE(record.block.byteLength, 3 + key.length);
      yield emit(head);
      yield emit(record.block.bytes);
    } else if (record.kind === 'namespace') {
      order.namespace(record.name);
      const name = Buffer.from(record.name, 'latin1');
      yield emit(Buffer.concat([Uint8Array.of(TAG_NAMESPACE), u16(name.length), name]));
    } else {
      order.entry(record.key, record.value.length);
      const head = Buffer.allocUnsafe(7 + record.key.length);
      head[0] = TAG_ENTRY;
      head.writeUInt16LE(record.key.length, 1);
      head.set(record.key, 3);
      head.writeUInt32LE(record.value.length, 3 + record.key.length);
      yield emit(head);
      yield emit(record.value);
    }
  }
  const trailer = Buffer.alloc(1 + TRAILER_BYTES);
  trailer[0] = TAG_END;
  trailer.writeUInt32LE(order.sources, 1);
  trailer.writeBigUInt64LE(BigInt(order.blocks), 5);
  trailer.writeBigUInt64LE(BigInt(order.blockBytes), 13);
  trailer.writeUInt32LE(order.namespaces, 21);
  trailer.writeBigUInt64LE(BigInt(order.entries), 25);
  trailer.writeBigUInt64LE(BigInt(order.entryBytes), 33);
  yield emit(trailer);
  yield hash.digest();
  return order.summary();
}

/** Reads exact byte counts from a stream of chunks, hashing what it hands out. */
class ChunkReader {
  readonly hash: Hash = createHash('sha256');
  /** Bytes handed out so far. */
  offset = 0;
  readonly #source: AsyncIterator<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Pulls chunks until `n` bytes are buffered or the stream ends; false when it ended short. */
  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n && !this.#done) {
      const step = await this.#source.next();
      if (step.done === true) {
        this.#done = true;
        break;
      }
      const chunk = step.value;
      if (!(chunk instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', 'a dump stream must yield Uint8Array chunks');
      if (chunk.length > 0) {
        this.#chunks.push(chunk);
        this.#buffered += chunk.length;
      }
    }
    return this.#buffered >= n;
  }

  /** The next `n` bytes (hashed unless `hashed` is false); `DUMP_TRUNCATED` when the stream ends first. */
  async read(n: number, what: string, hashed = true): Promise<Uint8Array> {
    // Chunks are gathered as they arrive, so a corrupt length costs no more memory than the data sent.
    if (!(await this.#fill(n))) {
      throw new KeeprError('DUMP_TRUNCATED', `the dump ends in the middle of ${what} (at byte ${this.offset + this.#buffered})`, { details: { offset: this.offset + this.#buffered } });
    }
    let out: Uint8Array;
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const chunk = this.#chunks[0]!;
        const take = Math.min(chunk.length, n - at);
        out.set(chunk.subarray(0, take), at);
        at += take;
        if (take === chunk.length) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(take);
      }
    }
    this.#buffered -= n;
    this.offset += n;
    if (hashed) this.hash.update(out);
    return out;
  }

  /** True when nothing follows. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill(1));
  }
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (err) {
    throw malformed(`${what} is not valid UTF-8`, {}, err);
  }
}

/** Rewraps a naming error of a record as `DUMP_MALFORMED`. */
function checked<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    if (isKeeprError(err) && err.code !== 'DUMP_MALFORMED') throw malformed(`${what}: ${err.message}`, { ...err.details, code: err.code }, err);
    throw err;
  }
}

/**
 * Decodes a dump stream into records, checking everything: the header, each record's framing,
 * names and key order, every block (fully validated, hash included) and, at the end, the
 * trailer's counts and digest. Throws `DUMP_MALFORMED` or `DUMP_TRUNCATED`; a consumer that
 * writes records as they come has written only whole, valid blocks when it does. Returns the
 * summary once the trailer checks out.
 */
export async function* decodeDump(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<DumpRecord, DumpSummary> {
  const reader = new ChunkReader(chunks);
  const header = await reader.read(16, 'the header');
  for (let i = 0; i < DUMP_MAGIC.length; i++) if (header[i] !== DUMP_MAGIC[i]) throw malformed('bad magic (not a keepr dump)');
  const version = view(header).getUint32(8, true);
  if (version !== DUMP_VERSION) throw malformed(`unknown dump version ${version}`, { version });
  if (view(header).getUint32(12, true) !== 0) throw malformed('unknown header flags');
  const order = new DumpOrder();
  let source = '';
  for (;;) {
    const at = reader.offset;
    const tag = (await reader.read(1, 'a record tag'))[0]!;
    if (tag === TAG_SOURCE) {
      const length = view(await reader.read(2, 'a source record')).getUint16(0, true);
      const name = text(await reader.read(length, 'a source name'), 'a source name');
      checked(() => {
        assertName(name, 'source');
      }, `source record at byte ${at}`);
      order.source(name);
      yield { kind: 'source', name };
    } else if (tag === TAG_BLOCK) {
      const keyLength = view(await reader.read(2, 'a block record')).getUint16(0, true);
      if (keyLength === 0 || keyLength > MAX_KEY_BYTES) throw malformed(`block record at byte ${at}: a key is 1 to ${MAX_KEY_BYTES} bytes, not ${keyLength}`);
      const key = new Uint8Array(await reader.read(keyLength, 'a block key'));
      const label = keyLabel(key);
      const length = view(await reader.read(4, 'a block record')).getUint32(0, true);
      source = order.block(key, length);
      if (length < HEADER_BYTES || length > MAX_BLOCK_BYTES) throw malformed(`block ${JSON.stringify(label)} has an impossible length ${length}`, { source, key: label });
      const bytes = await reader.read(length, `block ${JSON.stringify(label)}`);
      const block = checked(() => Block.decode(bytes), `block ${JSON.stringify(label)} of source ${JSON.stringify(source)}`);
      yield { kind: 'block', key, block };
    } else if (tag === TAG_NAMESPACE) {
      const length = view(await reader.read(2, 'a namespace record')).getUint16(0, true);
      const raw = await reader.read(length, 'a namespace name');
      const name = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
      order.namespace(name);
      yield { kind: 'namespace', name };
    } else if (tag === TAG_ENTRY) {
      const keyLength = view(await reader.read(2, 'a raw entry')).getUint16(0, true);
      const key = await reader.read(keyLength, 'a raw entry key');
      const length = view(await reader.read(4, 'a raw entry')).getUint32(0, true);
      if (length > MAX_BLOCK_BYTES) throw malformed(`a raw entry has an impossible length ${length}`);
      order.entry(key, length);
      yield { kind: 'entry', key: new Uint8Array(key), value: new Uint8Array(await reader.read(length, 'a raw entry value')) };
    } else if (tag === TAG_END) {
      const trailer = view(await reader.read(TRAILER_BYTES, 'the trailer'));
      const digest = Buffer.from(reader.hash.digest());
      const stated: DumpSummary = {
        sources: trailer.getUint32(0, true),
        blocks: Number(trailer.getBigUint64(4, true)),
        blockBytes: Number(trailer.getBigUint64(12, true)),
        namespaces: trailer.getUint32(20, true),
        entries: Number(trailer.getBigUint64(24, true)),
        entryBytes: Number(trailer.getBigUint64(32, true)),
      };
      const stored = Buffer.from(await reader.read(DIGEST_BYTES, 'the trailer digest', false));
      if (!stored.equals(digest)) throw malformed('the checksum does not match (the stream was altered)');
      const found = order.summary();
      if (JSON.stringify(stated) !== JSON.stringify(found)) throw malformed('the trailer counts do not match the records', { stated, found });
      if (!(await reader.atEnd())) throw malformed('data follows the trailer');
      return stated;
    } else {
      throw malformed(`unknown record tag 0x${tag.toString(16).padStart(2, '0')} at byte ${at}`, { offset: at });
    }
  }
}
