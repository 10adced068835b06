/** `keepr verify`: checks every block's bytes and integrity hash and names the bad ones (exit 4). */
import type { Command } from 'commander';
import { KeeprError } from '../../errors.js';
import { startProgress } from '../lib/progress.js';
import { verifyStore, type VerifyReport } from '../lib/verify-store.js';
import { collectValues, dirOption, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface VerifyOptions extends DirOptions {
  readonly source?: readonly string[];
  readonly json?: boolean;
}

/** Registers `verify` on the program. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check every block (layout and SHA-256 integrity hash) from one snapshot; lists bad blocks and exits 4 when there are any')
    .option('-s, --source <name>', 'only this source (repeatable)', collectValues)
    .option('--json', 'print { sources, blocks, bytes, bad: [{ source, key, reason }] }')
    .addOption(dirOption())
    .action(async (options: VerifyOptions) => {
      const report = await withStore(
        options.dir,
        async (store): Promise<VerifyReport> => {
          const progress = startProgress({ label: 'verify', total: (await store.engine.stats()).extra['dataEntries'] ?? 0 });
          try {
            return await verifyStore(store, {
              ...(options.source === undefined ? {} : { sources: options.source }),
              onBlock: (blocks) => {
                progress.update(blocks);
              },
            });
          } finally {
            progress.stop();
          }
        },
        true,
      );
      if (options.json === true) {
        await printJSON(report);
      } else {
        const lines = report.bad.map((b) => `BAD\t${b.source}\t${b.key}\t${b.reason}\n`).join('');
        await writeStdout(`${lines}verified ${report.blocks} blocks in ${report.sources} sources: ${report.bad.length === 0 ? 'all good' : `${report.bad.length} bad`}\n`);
      }
      if (report.bad.length > 0) {
        throw new KeeprError('STORE_CORRUPT', `${report.bad.length} block(s) failed verification`, { details: { bad: report.bad.length } });
      }
    });
}
