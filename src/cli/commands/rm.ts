/** `keepr rm <source> <key>`: deletes a block. */
import type { Command } from 'commander';
import { KeeprError } from '../../errors.js';
import { keyLabel, type KeyTextEncoding } from '../../keepr/index.js';
import { dirOption, keyArgument, keyEncodingOption, printJSON, withStore, type DirOptions } from './common.js';

interface RmOptions extends DirOptions {
  readonly ifHash?: string;
  readonly json?: boolean;
  readonly keyEncoding?: KeyTextEncoding;
}

/** Registers `rm` on the program. */
export function registerRm(program: Command): void {
  program
    .command('rm')
    .description('delete a block (exit 2 when it is not there)')
    .argument('<source>', 'source name')
    .argument('<key>', 'block key')
    .option('--if-hash <hash>', 'delete only if the stored block has this hash (64 hex digits)')
    .option('--json', 'print { deleted: true } on success')
    .addOption(keyEncodingOption())
    .addOption(dirOption())
    .action(async (source: string, keyText: string, options: RmOptions) => {
      const key = keyArgument(keyText, options.keyEncoding);
      await withStore(
        options,
        async (store) => {
          const deleted = await (await store.source(source, { create: false })).delete(key, options.ifHash === undefined ? {} : { ifHash: options.ifHash });
          if (!deleted) {
            const label = keyLabel(key);
            throw new KeeprError('BLOCK_NOT_FOUND', `no block under key ${JSON.stringify(label)} in source ${JSON.stringify(source)}`, { details: { source, key: label } });
          }
        },
        true,
      );
      if (options.json === true) await printJSON({ deleted: true });
    });
}
