/** `keepr put <source> <key> [file]`: stores a file, a JSON block description or a binary block. */
import { Option, type Command } from 'commander';
import { Block, blockInitFromJSON } from '../../block/index.js';
import { KeeprError, isKeeprError } from '../../errors.js';
import { assertKey, assertName } from '../../keepr/index.js';
import { dirOption, guessMime, readInput, withStore, writeStdout, type DirOptions } from './common.js';

interface PutOptions extends DirOptions {
  readonly type?: string;
  readonly json?: boolean;
  readonly block?: boolean;
}

/** Builds the block `keepr put` stores from the input bytes and flags. */
export function blockFromInput(bytes: Buffer, file: string | undefined, options: PutOptions): Block {
  if (options.block === true) return Block.decode(bytes);
  if (options.json === true) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new KeeprError('BLOCK_JSON_INVALID', `the input is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    return Block.create(blockInitFromJSON(parsed));
  }
  return Block.file(bytes, options.type ?? guessMime(file));
}

/** Registers `put` on the program. */
export function registerPut(program: Command): void {
  program
    .command('put')
    .description('store a block; prints its hash (file blocks by default, or --json / --block input)')
    .argument('<source>', 'source name (created if missing)')
    .argument('<key>', 'block key (may contain /)')
    .argument('[file]', 'input file; stdin when omitted or -')
    .addOption(new Option('-t, --type <mime>', 'MIME type of a file block (default: guessed from the file extension)').conflicts(['json', 'block']))
    .addOption(new Option('--json', 'the input is a JSON block description (see docs/block-format.md)').conflicts('block'))
    .option('--block', 'the input is already a binary keepr block')
    .addOption(dirOption())
    .action(async (source: string, key: string, file: string | undefined, options: PutOptions) => {
      // Check names and input before opening the store, so bad input creates nothing.
      assertName(source, 'source');
      assertKey(key);
      const bytes = await readInput(file);
      let block: Block;
      try {
        block = blockFromInput(bytes, file, options);
      } catch (err) {
        if (isKeeprError(err)) throw err;
        throw new KeeprError('BLOCK_INVALID', `the input cannot be made into a block: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await withStore(options.dir, async (store) => {
        await (await store.source(source)).put(key, block);
      });
      await writeStdout(`${block.hashHex}\n`);
    });
}
