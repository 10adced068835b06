/** `keepr stat [source]`: store statistics, or a source's block count and byteLength (summed block sizes). */
import type { Command } from 'commander';
import { sourceStats } from '../../keepr/index.js';
import { dirOption, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface StatOptions extends DirOptions {
  readonly json?: boolean;
}

/** Registers `stat` on the program. */
export function registerStat(program: Command): void {
  program
    .command('stat')
    .description('show store statistics, or the block count and byteLength (total block bytes) of a source')
    .argument('[source]', 'show this source only')
    .option('--json', 'print JSON')
    .addOption(dirOption())
    .action(async (sourceName: string | undefined, options: StatOptions) => {
      await withStore(
        options,
        async (store) => {
          if (sourceName !== undefined) {
            const stats = await sourceStats(await store.source(sourceName, { create: false }));
            if (options.json === true) await printJSON(stats);
            else await writeStdout(`source      ${stats.source}\nblocks      ${stats.blocks}\nbyteLength  ${stats.byteLength}\n`);
            return;
          }
          const stats = await store.stats();
          if (options.json === true) {
            await printJSON(stats);
            return;
          }
          const { engine } = stats;
          await writeStdout(
            `engine   ${engine.engine}\npath     ${engine.path ?? '-'}\nsize     ${engine.byteLength} bytes\nsources  ${stats.sources}\n`,
          );
        },
        true,
      );
    });
}
