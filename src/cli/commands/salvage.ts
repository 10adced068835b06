/**
 * `keepr salvage`: opens a store whose commit log is damaged, keeping what comes before the
 * damage (docs/operations.md, "Damaged files and logs"), and says what it could not keep.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LMDB_FILE_NAME } from '../../engine/lmdb/lmdb-engine-config.js';
import { LmdbEngine, lmdbEngine } from '../../engine/lmdb/index.js';
import { SALVAGE_DIR_NAME, type RecoveryReport } from '../../engine/lmdb/lmdb-recovery.js';
import { KeeprError } from '../../errors.js';
import { open } from '../../store/index.js';
import { dirOption, printJSON, writeStdout, type DirOptions } from './common.js';

interface SalvageOptions extends DirOptions {
  readonly json?: boolean;
}

function describe(report: RecoveryReport, dir: string): string {
  if (report.damaged.length === 0) return `nothing to salvage: the store opened cleanly (${report.replayed} log records replayed)\n`;
  const lines = report.damaged.map((d) => `DAMAGED\t${d.segment}\toffset ${d.offset}\t${d.reason}\n`);
  return `${lines.join('')}salvaged: ${report.replayed} log records replayed, ${report.dropped} not applied (after the damage or a gap); damaged logs moved to ${join(dir, SALVAGE_DIR_NAME)}\n`;
}

/** Registers `salvage` on the program. */
export function registerSalvage(program: Command): void {
  program
    .command('salvage')
    .description('open a store whose commit log is damaged: replay what comes before the damage, move the damaged logs aside to wal-salvaged/, and report what could not be applied (acknowledged writes after the damage are lost)')
    .option('--json', 'print { restored, checkpointTxn, replayed, dropped, torn, removed, damaged: [{ segment, offset, reason }] }')
    .addOption(dirOption())
    .action(async (options: SalvageOptions) => {
      if (!existsSync(join(options.dir, LMDB_FILE_NAME))) {
        throw new KeeprError('OPTION_INVALID', `no keepr store at ${options.dir}`, { details: { option: 'dir' } });
      }
      const store = await open({ engine: lmdbEngine(options.dir, { salvage: true }) });
      try {
        const report = store.engine instanceof LmdbEngine ? store.engine.recovery : undefined;
        if (report === undefined) throw new KeeprError('INTERNAL', 'the store has no recovery report');
        if (options.json === true) await printJSON(report);
        else await writeStdout(describe(report, options.dir));
      } finally {
        await store.close();
      }
    });
}
