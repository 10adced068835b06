/**
 * `keepr get <source> <key>`: writes a block's exact bytes, a file block's content, its JSON
 * view or a `.npy` file; on a terminal, without a flag, a readable view instead of binary bytes.
 */
import { Option, type Command } from 'commander';
import { Block, blockToJSON, encodeNpy } from '../../block/index.js';
import { KeeprError } from '../../errors.js';
import { commandLine, terminalView } from '../lib/terminal-view.js';
import { keyLabel, type Key, type KeyTextEncoding } from '../../keepr/index.js';
import { dirOption, keyArgument, keyEncodingOption, stdoutIsTerminal, withStore, writeOutput, writeStdout, type DirOptions } from './common.js';

interface GetOptions extends DirOptions {
  readonly output?: string;
  readonly raw?: boolean;
  readonly json?: boolean;
  readonly npy?: boolean;
  readonly keyEncoding?: KeyTextEncoding;
}

/** Reads one block, or throws `SOURCE_NOT_FOUND` / `BLOCK_NOT_FOUND` (without creating anything). */
async function readBlock(dir: DirOptions, source: string, key: Key): Promise<Block> {
  return withStore(
    dir,
    async (store) => {
      const block = await (await store.source(source, { create: false })).get(key);
      if (block === undefined) {
        const label = keyLabel(key);
        throw new KeeprError('BLOCK_NOT_FOUND', `no block under key ${JSON.stringify(label)} in source ${JSON.stringify(source)}`, { details: { source, key: label } });
      }
      // The engine contract does not promise the bytes outlive the store, so copy before closing.
      return Block.fromTrusted(new Uint8Array(block.bytes));
    },
    true,
  );
}

/** Registers `get` on the program. */
export function registerGet(program: Command): void {
  program
    .command('get')
    .description('write a block: its exact stored bytes (default; on a terminal a readable view, -o - for the bytes), a file block\'s content (--raw), the JSON view (--json) or a NumPy .npy file (--npy)')
    .argument('<source>', 'source name')
    .argument('<key>', 'block key')
    .option('-o, --output <file>', 'write to this file instead of stdout (-: stdout, binary even on a terminal)')
    .addOption(new Option('--raw', 'write only the content of a file (bytes) block').conflicts(['json', 'npy']))
    .addOption(new Option('--json', 'print the JSON view of the block').conflicts('npy'))
    .option('--npy', 'write the block as a NumPy .npy file (tensors, strings and factors)')
    .addOption(keyEncodingOption())
    .addOption(dirOption())
    .action(async (source: string, keyText: string, options: GetOptions) => {
      const key = keyArgument(keyText, options.keyEncoding);
      const block = await readBlock(options, source, key);
      if (options.json === true) {
        await writeOutput(options.output, `${JSON.stringify(blockToJSON(block))}\n`);
      } else if (options.npy === true) {
        await writeOutput(options.output, encodeNpy(block));
      } else if (options.raw === true) {
        if (!block.is('bytes')) {
          throw new KeeprError('BLOCK_TYPE_MISMATCH', `--raw needs a file (bytes) block; this is a ${block.type} block`, { details: { type: block.type } });
        }
        await writeOutput(options.output, block.data());
      } else if (options.output === undefined && stdoutIsTerminal()) {
        // Binary bytes would garble the terminal: show the block (`-o -` still writes them).
        await writeStdout(terminalView(block, commandLine(['keepr', 'get', source, keyText, ...(options.keyEncoding === undefined || options.keyEncoding === 'utf8' ? [] : ['--key-encoding', options.keyEncoding])])));
      } else {
        await writeOutput(options.output, block.bytes);
      }
    });
}
