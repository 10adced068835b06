/** `keepr rm <source> <key>`: deletes a block. */
import type { Command } from 'commander';
import { KeeprError } from '../../errors.js';
import { dirOption, printJSON, withStore, type DirOptions } from './common.js';

interface RmOptions extends DirOptions {
  readonly ifHash?: string;
  readonly json?: boolean;
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
    .addOption(dirOption())
    .action(async (source: string, key: string, options: RmOptions) => {
      await withStore(
        options.dir,
        async (store) => {
          const deleted = await (await store.source(source, { create: false })).delete(key, options.ifHash === undefined ? {} : { ifHash: options.ifHash });
          if (!deleted) {
            throw new KeeprError('BLOCK_NOT_FOUND', `no block under key ${JSON.stringify(key)} in source ${JSON.stringify(source)}`, { details: { source, key } });
          }
        },
        true,
      );
      if (options.json === true) await printJSON({ deleted: true });
    });
}
