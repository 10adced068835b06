/**
 * The binary framing of batches and entry pages (`application/vnd.keepr.batch`): blocks travel
 * in their binary format with no base64 or JSON around them. Shared by the server and the
 * client, so it imports nothing from Fastify. All integers are little-endian; docs/http-api.md
 * gives the layout.
 */
import { KeeprError } from '../errors.js';

/** Media type of binary batch requests, batch answers and entry pages. */
export const BATCH_MEDIA_TYPE = 'application/vnd.keepr.batch';

/** A batch operation as framed: keys as their bytes, blocks as binary block bytes, neither yet validated. */
export type WireOp =
  | { readonly op: 'get'; readonly key: Uint8Array }
  | { readonly op: 'put'; readonly key: Uint8Array; readonly block: Uint8Array; readonly mode?: 'always' | 'if-absent' | 'if-exists'; readonly ifHash?: Uint8Array }
  | { readonly op: 'delete'; readonly key: Uint8Array; readonly ifHash?: Uint8Array };

/** One result as framed: a boolean for puts and deletes, block bytes or undefined (absent) for gets. */
export type WireResult = boolean | Uint8Array | undefined;

/** Magic numbers: requests, answers and entry pages are told apart by their first four bytes. */
const REQUEST_MAGIC = 'KBQ1';
const ANSWER_MAGIC = 'KBA1';
const ENTRIES_MAGIC = 'KBE2';

const OP_CODES = { get: 1, put: 2, delete: 3 } as const;
const MODE_CODES = { always: 0, 'if-absent': 1, 'if-exists': 2 } as const;
const MODES = ['always', 'if-absent', 'if-exists'] as const;
const HAS_HASH = 1;
const HASH_BYTES = 32;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Appends framed pieces and joins them once. */
class Writer {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  bytes(part: Uint8Array): void {
    this.#parts.push(part);
    this.#length += part.length;
  }

  u8(value: number): void {
    this.bytes(Uint8Array.of(value));
  }

  u32(value: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(value);
    this.bytes(b);
  }

  text(value: string): void {
    const b = Buffer.from(value, 'utf8');
    this.u32(b.length);
    this.bytes(b);
  }

  chunk(value: Uint8Array): void {
    this.u32(value.length);
    this.bytes(value);
  }

  finish(): Buffer {
    return Buffer.concat(this.#parts, this.#length);
  }
}

/** Reads framed pieces; any overrun or bad value is `HTTP_BODY_MALFORMED` naming the offset. */
class Reader {
  readonly #bytes: Buffer;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new KeeprError('HTTP_BODY_MALFORMED', `batch framing: ${what} at byte ${this.#at}`, { details: { offset: this.#at } });
  }

  #need(n: number, what: string): void {
    if (this.#at + n > this.#bytes.length) this.fail(`truncated ${what}`);
  }

  magic(expected: string): void {
    this.#need(4, 'header');
    if (this.#bytes.toString('latin1', 0, 4) !== expected) this.fail(`expected magic ${expected}`);
    this.#at = 4;
  }

  u8(what: string): number {
    this.#need(1, what);
    return this.#bytes[this.#at++]!;
  }

  u32(what: string): number {
    this.#need(4, what);
    const v = this.#bytes.readUInt32LE(this.#at);
    this.#at += 4;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.#need(n, what);
    const out = this.#bytes.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  text(what: string): string {
    const raw = this.bytes(this.u32(`${what} length`), what);
    try {
      return strictUtf8.decode(raw);
    } catch {
      return this.fail(`${what} is not UTF-8`);
    }
  }

  chunk(what: string): Uint8Array {
    return this.bytes(this.u32(`${what} length`), what);
  }

  end(): void {
    if (this.#at !== this.#bytes.length) this.fail(`${this.#bytes.length - this.#at} bytes after the last item`);
  }
}

/** Frames a batch request. */
export function encodeBatchRequest(ops: readonly WireOp[]): Buffer {
  const w = new Writer();
  w.bytes(Buffer.from(REQUEST_MAGIC, 'latin1'));
  w.u32(ops.length);
  for (const op of ops) {
    const ifHash = op.op === 'get' ? undefined : op.ifHash;
    w.u8(OP_CODES[op.op]);
    w.u8(op.op === 'put' ? MODE_CODES[op.mode ?? 'always'] : 0);
    w.u8(ifHash === undefined ? 0 : HAS_HASH);
    w.u8(0);
    w.chunk(op.key);
    if (ifHash !== undefined) w.bytes(ifHash);
    if (op.op === 'put') w.chunk(op.block);
  }
  return w.finish();
}

/** Reads a batch request; `maxOps` is checked before anything else is read. */
export function decodeBatchRequest(bytes: Uint8Array, maxOps: number): WireOp[] {
  const r = new Reader(bytes);
  r.magic(REQUEST_MAGIC);
  const count = r.u32('operation count');
  if (count > maxOps) throw tooManyOps(count, maxOps);
  const ops: WireOp[] = [];
  for (let i = 0; i < count; i++) {
    const code = r.u8('operation');
    const modeCode = r.u8('mode');
    const flags = r.u8('flags');
    r.u8('reserved byte');
    const key = r.chunk('key');
    if (flags & ~HAS_HASH) r.fail(`operation ${i}: unknown flags ${flags}`);
    const ifHash = flags & HAS_HASH ? r.bytes(HASH_BYTES, 'hash') : undefined;
    if (code === OP_CODES.get) {
      if (ifHash !== undefined || modeCode !== 0) r.fail(`operation ${i}: a get takes no condition`);
      ops.push({ op: 'get', key });
    } else if (code === OP_CODES.put) {
      const mode = MODES[modeCode];
      if (mode === undefined) r.fail(`operation ${i}: unknown mode ${modeCode}`);
      const block = r.chunk('block');
      ops.push({ op: 'put', key, block, mode, ...(ifHash === undefined ? {} : { ifHash }) });
    } else if (code === OP_CODES.delete) {
      if (modeCode !== 0) r.fail(`operation ${i}: a delete takes no mode`);
      ops.push({ op: 'delete', key, ...(ifHash === undefined ? {} : { ifHash }) });
    } else {
      r.fail(`operation ${i}: unknown operation code ${code}`);
    }
  }
  r.end();
  return ops;
}

/** `HTTP_BODY_TOO_LARGE` for a batch over the server's operation limit. */
export function tooManyOps(count: number, limit: number): KeeprError {
  return new KeeprError('HTTP_BODY_TOO_LARGE', `a batch holds at most ${limit} operations, not ${count}`, { details: { limit, operations: count } });
}

/** Frames a batch answer: per result 0 (false), 1 (true), 2 and the block, or 3 (absent). */
export function encodeBatchAnswer(results: readonly WireResult[]): Buffer {
  const w = new Writer();
  w.bytes(Buffer.from(ANSWER_MAGIC, 'latin1'));
  w.u32(results.length);
  for (const result of results) {
    if (result instanceof Uint8Array) {
      w.u8(2);
      w.chunk(result);
    } else {
      w.u8(result === undefined ? 3 : result ? 1 : 0);
    }
  }
  return w.finish();
}

/** Reads a batch answer. */
export function decodeBatchAnswer(bytes: Uint8Array): WireResult[] {
  const r = new Reader(bytes);
  r.magic(ANSWER_MAGIC);
  const count = r.u32('result count');
  const results: WireResult[] = [];
  for (let i = 0; i < count; i++) {
    const tag = r.u8('result');
    if (tag === 2) results.push(r.chunk('block'));
    else if (tag === 3) results.push(undefined);
    else if (tag === 0 || tag === 1) results.push(tag === 1);
    else r.fail(`result ${i}: unknown tag ${tag}`);
  }
  r.end();
  return results;
}

/** Frames a page of entries: the cursor of the next page (empty text on the last), then key and block bytes per entry. */
export function encodeEntries(entries: readonly (readonly [Uint8Array, Uint8Array])[], cursor: string | undefined): Buffer {
  const w = new Writer();
  w.bytes(Buffer.from(ENTRIES_MAGIC, 'latin1'));
  w.u32(entries.length);
  w.text(cursor ?? '');
  for (const [key, block] of entries) {
    w.chunk(key);
    w.chunk(block);
  }
  return w.finish();
}

/** A page of entries as framed: keys and blocks as bytes, and the cursor of the next page (absent on the last). */
export interface EntriesPage {
  readonly entries: [Uint8Array, Uint8Array][];
  readonly cursor?: string;
}

/** Reads a page of entries. */
export function decodeEntries(bytes: Uint8Array): EntriesPage {
  const r = new Reader(bytes);
  r.magic(ENTRIES_MAGIC);
  const count = r.u32('entry count');
  const cursor = r.text('cursor');
  const entries: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < count; i++) entries.push([r.chunk('key'), r.chunk('block')]);
  r.end();
  return cursor === '' ? { entries } : { entries, cursor };
}
