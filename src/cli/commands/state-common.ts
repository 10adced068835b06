/** What the `keepr state` commands share: the key and height options, checked arguments and reads at a height. */
import { Option } from 'commander';
import { Block } from '../../block/index.js';
import { KeeprError } from '../../errors.js';
import { assertName } from '../../keepr/index.js';
import { type Store } from '../../store/index.js';
import type { StateValue, StateView } from '../../state/index.js';
import { checkKey, checkTree } from '../../state/state-working.js';
import { KEY_ENCODINGS, decodeText, type ByteEncoding } from '../lib/state-json.js';
import { nonNegativeInt } from './common.js';

/** Options of the commands that name a key. */
export interface KeyOptions {
  readonly keyEncoding: ByteEncoding;
}

/** The `--key-encoding` option. */
export function keyEncodingOption(): Option {
  return new Option('-k, --key-encoding <encoding>', 'how KEY is written (binary keys: hex or base64url)').choices(KEY_ENCODINGS).default('utf8');
}

/** The `--height` option of reads. */
export function heightOption(what: string): Option {
  return new Option('-H, --height <h>', what).argParser(nonNegativeInt('--height'));
}

/** A tree and key from the command line, checked as the state checks them, before any store is opened. */
export function treeAndKey(tree: string, key: string, encoding: ByteEncoding): Uint8Array {
  checkTree(tree);
  return checkKey(decodeText(key, encoding, 'the key'));
}

/** Checks a state name before any store is opened. */
export function checkStateName(name: string): void {
  assertName(name, 'state');
}

/** A view of an existing state at `height`, or at its latest height; the height must be readable. */
export async function viewAt(store: Store, name: string, height: number | undefined): Promise<StateView> {
  const state = await store.state(name, { create: false });
  const h = height ?? state.latest;
  if (h === undefined) throw new KeeprError('STATE_HEIGHT_UNKNOWN', `state ${JSON.stringify(name)} has no committed height yet`, { details: { state: name } });
  const view = state.at(h);
  // Unknown and pruned heights fail here, before anything is printed.
  await view.record();
  return view;
}

/** A copy of a value read from the store (the engine's bytes need not outlive it). */
export function detached(value: StateValue): StateValue {
  return value instanceof Block ? Block.fromTrusted(new Uint8Array(value.bytes)) : new Uint8Array(value);
}

/** Hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * The error for a key without a value at a height. There is no state-specific code for it yet,
 * so it is BLOCK_NOT_FOUND (exit 2), the code `keepr get` uses for a missing key.
 */
export function keyNotFound(name: string, tree: string, key: string, height: number): KeeprError {
  return new KeeprError('STATE_KEY_NOT_FOUND', `no value under key ${JSON.stringify(key)} in tree ${JSON.stringify(tree)} of state ${JSON.stringify(name)} at height ${height}`, {
    details: { state: name, tree, key, height },
  });
}
