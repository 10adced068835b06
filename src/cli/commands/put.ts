/** `keepr put <source> <key> [file]`: stores a file, a `.npy` array, a JSON block description or a binary block. */
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { Block, blockInitFromJSON, decodeNpy } from '../../block/index.js';
import { KeeprError, isKeeprError } from '../../errors.js';
import { assertName, type KeyTextEncoding } from '../../keepr/index.js';
import { dirOption, guessMime, keyArgument, keyEncodingOption, printJSON, readInput, withStore, writeStdout, type DirOptions } from './common.js';

/** How `put` reads its input. */
export type InputFormat = 'auto' | 'file' | 'json' | 'block' | 'npy';

const FORMATS: readonly InputFormat[] = ['auto', 'file', 'json', 'block', 'npy'];

interface PutOptions extends DirOptions {
  readonly from: InputFormat;
  readonly type?: string;
  readonly block?: boolean;
  readonly npy?: boolean;
  readonly json?: boolean;
  readonly keyEncoding?: KeyTextEncoding;
}

/** The format actually used: shorthands first, then `auto` picks npy for `.npy` files and file blocks otherwise. */
export function inputFormat(file: string | undefined, options: Pick<PutOptions, 'from' | 'block' | 'npy' | 'type'>): Exclude<InputFormat, 'auto'> {
  if (options.block === true) return 'block';
  if (options.npy === true) return 'npy';
  if (options.from !== 'auto') return options.from;
  // A MIME type asks for a file block, even for a .npy file.
  if (options.type === undefined && file !== undefined && extname(file).toLowerCase() === '.npy') return 'npy';
  return 'file';
}

/** Builds the block `keepr put` stores from the input bytes, the file name and the format. */
export function blockFromInput(bytes: Buffer, file: string | undefined, format: Exclude<InputFormat, 'auto'>, mime?: string): Block {
  switch (format) {
    case 'block':
      return Block.decode(bytes);
    case 'npy':
      return decodeNpy(bytes);
    case 'json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw new KeeprError('BLOCK_JSON_INVALID', `the input is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      return Block.create(blockInitFromJSON(parsed));
    }
    case 'file':
      return Block.file(bytes, mime ?? guessMime(file));
  }
}

/** Registers `put` on the program. */
export function registerPut(program: Command): void {
  program
    .command('put')
    .description('store a block and print its hash: a file (default), a .npy array, a JSON block description or a binary block')
    .argument('<source>', 'source name (created if missing)')
    .argument('<key>', 'block key (may contain /)')
    .argument('[file]', 'input file; stdin when omitted or -')
    .addOption(new Option('-f, --from <format>', 'input format; auto reads .npy files as NumPy arrays and anything else as a file block').choices(FORMATS).default('auto'))
    .addOption(new Option('-t, --type <mime>', 'MIME type of a file block (default: guessed from the file extension)').conflicts(['block', 'npy']))
    .addOption(new Option('--npy', 'the input is a NumPy .npy file (same as --from npy)').conflicts('block'))
    .option('--block', 'the input is already a binary keepr block (same as --from block)')
    .option('--json', 'print { source, key, hash, type, shape, byteLength } instead of the bare hash')
    .addOption(keyEncodingOption())
    .addOption(dirOption())
    .action(async (source: string, keyText: string, file: string | undefined, options: PutOptions) => {
      const format = inputFormat(file, options);
      if (options.type !== undefined && format !== 'file') throw new KeeprError('ARGUMENT_INVALID', `--type is for file blocks, not --from ${format}`);
      // Check names and input before opening the store, so bad input creates nothing.
      assertName(source, 'source');
      const key = keyArgument(keyText, options.keyEncoding);
      const bytes = await readInput(file);
      let block: Block;
      try {
        block = blockFromInput(bytes, file, format, options.type);
      } catch (err) {
        if (isKeeprError(err)) throw err;
        throw new KeeprError('BLOCK_INVALID', `the input cannot be made into a block: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await withStore(options.dir, async (store) => {
        await (await store.source(source)).put(key, block);
      });
      if (options.json === true) await printJSON({ source, key: keyText, hash: block.hashHex, type: block.type, shape: block.shape, byteLength: block.byteLength });
      else await writeStdout(`${block.hashHex}\n`);
    });
}
