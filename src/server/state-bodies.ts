/**
 * Versioned state bodies of the server: the JSON of a commit (a change set) and of a prune,
 * checked in full before anything is written, and state values in JSON answers (`bytes` as
 * base64, a block as `block` in the JSON view or `blockBase64`, the binary format in base64).
 */
import type { Block, BlockJSON } from '../block/index.js';
import { KeeprError } from '../errors.js';
import type { PruneOptions, StateChange, StateValue } from '../state/index.js';
import { checkTree } from '../state/state-working.js';
import { isArray } from '../util/guards.js';
import { tooManyOps } from '../wire/batch-wire.js';
import { atIndex, blockFromField, checkBlockSize, fieldsOf, renderBlock, type BlockEncoding } from './bodies.js';
import type { ServerConfig } from './options.js';
import { decodeKeyText, encodeKeyText, keyEncodingOf, toHex, type KeyEncoding } from '../wire/state-wire.js';

/** A state value in JSON: exactly one of these fields. */
export interface StateValueJson {
  /** Raw bytes, base64. */
  readonly bytes?: string;
  /** A block, JSON view. */
  readonly block?: BlockJSON | string;
  /** A block, binary format in base64. */
  readonly blockBase64?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const COMMIT_FIELDS = new Set(['changes', 'height', 'keyEncoding']);
const CHANGE_FIELDS = new Set(['op', 'tree', 'key', 'bytes', 'block', 'blockBase64']);
const PRUNE_FIELDS = new Set(['keepLast', 'from']);

function invalid(message: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('ARGUMENT_INVALID', message, { details });
}

/** A value as it appears in a JSON answer. */
export function renderStateValue(value: StateValue, encoding: BlockEncoding): StateValueJson {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  return encoding === 'json' ? { block: renderBlock(value, 'json') } : { blockBase64: renderBlock(value, 'base64') as string };
}

/** A key of an answer: `key` in the request's encoding, or `keyHex` when UTF-8 was asked for and the key is not UTF-8. */
export function renderKey(key: Uint8Array, encoding: KeyEncoding): { key: string } | { keyHex: string } {
  const text = encodeKeyText(key, encoding);
  return text === undefined ? { keyHex: toHex(key) } : { key: text };
}

/** The value of a put: exactly one of `bytes`, `block`, `blockBase64`, within the block size limit. */
function valueOf(raw: Readonly<Record<string, unknown>>, config: ServerConfig): Uint8Array | Block {
  const bytes = raw['bytes'];
  if (bytes === undefined) {
    const block = blockFromField(raw, 'ARGUMENT_INVALID');
    checkBlockSize(config, block);
    return block;
  }
  if (raw['block'] !== undefined || raw['blockBase64'] !== undefined) throw invalid('give exactly one of bytes, block and blockBase64');
  if (typeof bytes !== 'string' || !BASE64.test(bytes)) throw invalid('bytes must be padded base64 text');
  const value = new Uint8Array(Buffer.from(bytes, 'base64'));
  if (value.length > config.maxBlockBytes) {
    throw new KeeprError('BLOCK_TOO_LARGE', `a ${value.length}-byte value is over this server's limit of ${config.maxBlockBytes} bytes`, {
      details: { byteLength: value.length, limit: config.maxBlockBytes },
    });
  }
  return value;
}

function change(value: unknown, index: number, encoding: KeyEncoding, config: ServerConfig): StateChange {
  const raw = fieldsOf(value, CHANGE_FIELDS, 'ARGUMENT_INVALID', `change ${index}`);
  const { op, tree } = raw;
  if (op !== 'put' && op !== 'delete') throw invalid('op must be put or delete');
  checkTree(tree);
  const key = decodeKeyText(raw['key'], encoding);
  if (op === 'delete') {
    if (raw['bytes'] !== undefined || raw['block'] !== undefined || raw['blockBase64'] !== undefined) throw invalid('a delete takes no value');
    return { op, tree, key };
  }
  return { op, tree, key, value: valueOf(raw, config) };
}

/** A commit body: `{ changes, height?, keyEncoding? }`, every change checked (`details.index` names a bad one). */
export function parseCommit(body: unknown, config: ServerConfig): { changes: StateChange[]; height: number | undefined } {
  const parsed = fieldsOf(body, COMMIT_FIELDS, 'ARGUMENT_INVALID', 'the commit');
  const { changes, height } = parsed;
  if (!isArray(changes)) throw invalid('changes must be an array of { op, tree, key, … } changes');
  if (changes.length > config.maxBatchOps) throw tooManyOps(changes.length, config.maxBatchOps);
  if (height !== undefined && (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0)) {
    throw new KeeprError('STATE_HEIGHT_INVALID', 'height must be a non-negative integer', { details: { height: typeof height === 'number' ? height : typeof height } });
  }
  const encoding = keyEncodingOf(parsed['keyEncoding']);
  const out = changes.map((c, i) => {
    try {
      return change(c, i, encoding, config);
    } catch (err) {
      throw atIndex(err, i);
    }
  });
  return { changes: out, height };
}

/** A prune body: exactly one of `{ keepLast }` and `{ from }`. */
export function parsePrune(body: unknown): PruneOptions {
  const parsed = fieldsOf(body, PRUNE_FIELDS, 'ARGUMENT_INVALID', 'the prune request');
  const { keepLast, from } = parsed;
  if ((keepLast === undefined) === (from === undefined)) throw invalid('give exactly one of keepLast and from');
  if (keepLast !== undefined) {
    if (typeof keepLast !== 'number' || !Number.isSafeInteger(keepLast) || keepLast < 1) throw invalid('keepLast must be a positive integer', { argument: 'keepLast' });
    return { keepLast };
  }
  if (typeof from !== 'number' || !Number.isSafeInteger(from)) throw new KeeprError('STATE_HEIGHT_INVALID', 'from must be a height', { details: { height: typeof from === 'number' ? from : typeof from } });
  return { from };
}
