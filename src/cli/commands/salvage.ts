/**
 * `keepr salvage`: opens a store whose commit log is damaged, keeping what comes before the
 * damage (docs/operations.md, "Damaged files and logs"), and says what it could not keep.
 */
import type { Command } from 'commander';
import type { SalvageReport } from '../../engine/engine-files.js';
import { KeeprError } from '../../errors.js';
import { storeFilesFor } from '../lib/store-engine.js';
import { dirOption, locationOf, printJSON, writeStdout, type DirOptions } from './common.js';

interface SalvageOptions extends DirOptions {
  readonly json?: boolean;
}

function describe(report: SalvageReport): string {
  if (report.damaged.length === 0) return `nothing to salvage: the store opened cleanly (${report.replayed} log records replayed)\n`;
  const lines = report.damaged.map((d) => `DAMAGED\t${d.segment}\toffset ${d.offset}\t${d.reason}\n`);
  return `${lines.join('')}salvaged: ${report.replayed} log records replayed, ${report.dropped} not applied (after the damage or a gap); damaged logs moved to ${report.movedTo}\n`;
}

/** Registers `salvage` on the program. */
export function registerSalvage(program: Command): void {
  program
    .command('salvage')
    .description('open a store whose commit log is damaged: replay what comes before the damage, move the damaged logs aside to wal-salvaged/, and report what could not be applied (acknowledged writes after the damage are lost)')
    .option('--json', 'print { restored, checkpointTxn, replayed, dropped, torn, removed, damaged: [{ segment, offset, reason }], movedTo }')
    .addOption(dirOption())
    .action(async (options: SalvageOptions) => {
      const storeFiles = storeFilesFor(locationOf(options), 'salvage');
      if ((await storeFiles.size(options.dir)) === undefined) {
        throw new KeeprError('OPTION_INVALID', `no keepr store at ${options.dir}`, { details: { option: 'dir' } });
      }
      const report = await storeFiles.salvage(options.dir);
      if (options.json === true) await printJSON(report);
      else await writeStdout(describe(report));
    });
}
