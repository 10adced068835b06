/** `keepr state get` and `keepr state prove`: a value, and a proof of it, at a height of a state. */
import { Option, type Command } from 'commander';
import { Block } from '../../block/index.js';
import { KeeprError } from '../../errors.js';
import { valueHash, type StateValue } from '../../state/index.js';
import { keyToJSON, valueToJSON } from '../lib/state-json.js';
import { commandLine, terminalBytesView, terminalView } from '../lib/terminal-view.js';
import { dirOption, printJSON, stdoutIsTerminal, withStore, writeOutput, writeStdout, type DirOptions } from './common.js';
import { checkStateName, detached, heightOption, hex, keyEncodingOption, keyNotFound, treeAndKey, viewAt, type KeyOptions } from './state-common.js';

interface ReadOptions extends DirOptions, KeyOptions {
  readonly height?: number;
  readonly output?: string;
  readonly json?: boolean;
}

interface GetOptions extends ReadOptions {
  readonly raw?: boolean;
  readonly proof?: boolean;
}

/** What one read at a height gave (copied out of the store). */
interface Read {
  readonly height: number;
  readonly root: Uint8Array;
  readonly value: StateValue | undefined;
  readonly proof: Uint8Array | undefined;
}

/** Reads a key (and optionally its proof) at a height of an existing state, from one view. */
async function readKey(dir: DirOptions, name: string, tree: string, key: Uint8Array, height: number | undefined, withProof: boolean): Promise<Read> {
  return withStore(
    dir,
    async (store) => {
      const view = await viewAt(store, name, height);
      const value = await view.get(tree, key);
      return {
        height: view.height,
        root: new Uint8Array(await view.root()),
        value: value === undefined ? undefined : detached(value),
        proof: withProof ? await view.prove(tree, key) : undefined,
      };
    },
    true,
  );
}

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** Registers `state get`. */
export function registerStateGet(state: Command): void {
  state
    .command('get')
    .description('write the value of a key at a height: raw bytes, or a block\'s exact bytes (default; on a terminal a readable view, -o - for the bytes), a file block\'s content (--raw) or JSON (--json)')
    .argument('<name>', 'state name')
    .argument('<tree>', 'tree name')
    .argument('<key>', 'key (UTF-8 unless --key-encoding)')
    .addOption(heightOption('read at this height (default: the latest)'))
    .addOption(keyEncodingOption())
    .option('-o, --output <file>', 'write to this file instead of stdout (-: stdout, binary even on a terminal)')
    .addOption(new Option('--raw', 'write only the content of a file (bytes) block').conflicts('json'))
    .option('--json', 'print { state, tree, key, height, root, value: { base64 } | block, proof? }')
    .option('--proof', 'also give the root and an inclusion proof (base64url): in the JSON, or as text lines on stdout with the value only in -o <file>')
    .addOption(dirOption())
    .action(async (name: string, tree: string, keyText: string, options: GetOptions) => {
      checkStateName(name);
      const key = treeAndKey(tree, keyText, options.keyEncoding);
      if (options.proof === true && options.json !== true && options.output === '-') {
        throw new KeeprError('ARGUMENT_INVALID', '--proof prints text on stdout; give -o a file for the value, or use --json');
      }
      const read = await readKey(options, name, tree, key, options.height, options.proof === true);
      const { value } = read;
      if (value === undefined) throw keyNotFound(name, tree, keyText, read.height);
      if (options.json === true) {
        const doc = { state: name, tree, key: keyToJSON(keyText, options.keyEncoding), height: read.height, root: hex(read.root), ...valueToJSON(value) };
        await writeOutput(options.output, `${JSON.stringify(read.proof === undefined ? doc : { ...doc, proof: base64url(read.proof) })}\n`);
        return;
      }
      if (options.raw !== true && options.output === undefined && read.proof === undefined && stdoutIsTerminal()) {
        // Binary bytes would garble the terminal, as for `keepr get`: show the value (`-o -` still writes them).
        const words = ['keepr', 'state', 'get', name, tree, keyText, '-H', String(read.height), ...(options.keyEncoding === 'utf8' ? [] : ['-k', options.keyEncoding])];
        await writeStdout(value instanceof Block ? terminalView(value, commandLine(words)) : terminalBytesView(value, commandLine(words)));
        return;
      }
      let bytes: Uint8Array = value instanceof Block ? value.bytes : value;
      if (options.raw === true && value instanceof Block) {
        if (!value.is('bytes')) throw new KeeprError('BLOCK_TYPE_MISMATCH', `--raw needs a file (bytes) block; this is a ${value.type} block`, { details: { type: value.type } });
        bytes = value.data();
      }
      if (read.proof === undefined) {
        await writeOutput(options.output, bytes);
        return;
      }
      // With --proof (and no --json) stdout carries text lines, so the value goes only to a file.
      if (options.output !== undefined) await writeOutput(options.output, bytes);
      await writeStdout(`height\t${read.height}\nroot\t${hex(read.root)}\nproof\t${base64url(read.proof)}\n`);
    });
}

/** Registers `state prove`. */
export function registerStateProve(state: Command): void {
  state
    .command('prove')
    .description('make a proof that a key has its value (or, when absent, has none) at a height: base64url on stdout, or binary to -o <file>')
    .argument('<name>', 'state name')
    .argument('<tree>', 'tree name')
    .argument('<key>', 'key (UTF-8 unless --key-encoding)')
    .addOption(heightOption('prove at this height (default: the latest)'))
    .addOption(keyEncodingOption())
    .option('-o, --output <file>', 'write the binary proof to this file (- for stdout)')
    .option('--json', 'print { state, tree, key, height, root, present, kind?, valueHash?, proof, byteLength }')
    .addOption(dirOption())
    .action(async (name: string, tree: string, keyText: string, options: ReadOptions) => {
      checkStateName(name);
      const key = treeAndKey(tree, keyText, options.keyEncoding);
      if (options.output === '-' && options.json === true) throw new KeeprError('ARGUMENT_INVALID', 'a binary proof on stdout and --json do not mix; give -o a file');
      const read = await readKey(options, name, tree, key, options.height, true);
      const proof = read.proof!;
      if (options.output !== undefined) await writeOutput(options.output, proof);
      if (options.json === true) {
        const { value } = read;
        const facts =
          value === undefined
            ? { present: false }
            : value instanceof Block
              ? { present: true, kind: 'block', valueHash: hex(valueHash('block', value.bytes)) }
              : { present: true, kind: 'bytes', valueHash: hex(valueHash('bytes', value)) };
        await printJSON({ state: name, tree, key: keyToJSON(keyText, options.keyEncoding), height: read.height, root: hex(read.root), ...facts, proof: base64url(proof), byteLength: proof.length });
      } else if (options.output === undefined) {
        await writeStdout(`${base64url(proof)}\n`);
      }
    });
}
