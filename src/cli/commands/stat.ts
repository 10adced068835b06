/** `keepr stat [source]`: store statistics, or a source's block count and bytes. */
import type { Command } from 'commander';
import { LIST_MAX_LIMIT, type Source } from '../../keepr/index.js';
import { dirOption, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface StatOptions extends DirOptions {
  readonly json?: boolean;
}

/** Counts a source's blocks and their bytes, one listing page at a time (headers only, no data). */
async function sourceStats(source: Source): Promise<{ source: string; blocks: number; bytes: number }> {
  let blocks = 0;
  let bytes = 0;
  let cursor: string | undefined;
  do {
    const page = await source.list({ limit: LIST_MAX_LIMIT, ...(cursor === undefined ? {} : { cursor }) });
    blocks += page.items.length;
    for (const item of page.items) bytes += item.byteLength;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { source: source.name, blocks, bytes };
}

/** Registers `stat` on the program. */
export function registerStat(program: Command): void {
  program
    .command('stat')
    .description('show store statistics, or the block count and total bytes of a source')
    .argument('[source]', 'show this source only')
    .option('--json', 'print JSON')
    .addOption(dirOption())
    .action(async (sourceName: string | undefined, options: StatOptions) => {
      await withStore(
        options.dir,
        async (store) => {
          if (sourceName !== undefined) {
            const stats = await sourceStats(await store.source(sourceName, { create: false }));
            if (options.json === true) await printJSON(stats);
            else await writeStdout(`source  ${stats.source}\nblocks  ${stats.blocks}\nbytes   ${stats.bytes}\n`);
            return;
          }
          const stats = await store.stats();
          if (options.json === true) {
            await printJSON(stats);
            return;
          }
          const { engine } = stats;
          await writeStdout(
            `engine   ${engine.engine}\npath     ${engine.path ?? '-'}\nsize     ${engine.sizeBytes} bytes\nsources  ${stats.sources}\n`,
          );
        },
        true,
      );
    });
}
