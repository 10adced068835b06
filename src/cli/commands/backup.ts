/** `keepr backup <target>`, `keepr restore <backup>` and `keepr compact`: whole-store copies. */
import type { Command } from 'commander';
import { backupStore, compactStore, restoreStore } from '../lib/store-files.js';
import { progressHooks, startProgress } from '../lib/progress.js';
import { storeFilesFor } from '../lib/store-engine.js';
import { dirOption, formatBytes, locationOf, printJSON, writePathError, writeStdout, type DirOptions } from './common.js';

interface JsonOptions extends DirOptions {
  readonly json?: boolean;
}

interface RestoreOptions extends JsonOptions {
  readonly force?: boolean;
  readonly verify: boolean;
}

/** Registers `backup` on the program. */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('copy the store to a new directory while it stays in use (a consistent snapshot, even with keepr serve writing)')
    .argument('<target>', 'new directory for the copy (must not hold a store)')
    .option('--json', 'print { target, byteLength }')
    .addOption(dirOption())
    .action(async (target: string, options: JsonOptions) => {
      const files = storeFilesFor(locationOf(options), 'backup');
      const started = Date.now();
      const report = await backupStore(options.dir, target, files).catch((err: unknown) => {
        throw writePathError(err, target);
      });
      const ms = Date.now() - started;
      if (options.json === true) await printJSON({ ...report, ms });
      else await writeStdout(`backed up ${options.dir} to ${target}: ${formatBytes(report.byteLength)} in ${ms} ms\n`);
    });
}

/** Registers `restore` on the program. */
export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('bring a backup back as the store in --dir (checks every block first; refuses a store in use)')
    .argument('<backup>', 'a directory made by keepr backup, or its keepr.mdb')
    .option('--force', 'replace a store that holds sources')
    .option('--no-verify', 'skip checking every block of the backup before using it')
    .option('--json', 'print { sources, blocks, byteLength }')
    .addOption(dirOption())
    .action(async (backup: string, options: RestoreOptions) => {
      const files = storeFilesFor(locationOf(options), 'restore');
      const progress = startProgress({ label: 'verify', total: 0 });
      try {
        const report = await restoreStore(backup, options.dir, { force: options.force === true, verify: options.verify, files, ...progressHooks(progress) });
        progress.stop();
        if (options.json === true) await printJSON(report);
        else await writeStdout(`restored ${backup} to ${options.dir}: ${report.sources} sources, ${report.blocks} blocks checked\n`);
      } finally {
        progress.stop();
      }
    });
}

/** Registers `compact` on the program. */
export function registerCompact(program: Command): void {
  program
    .command('compact')
    .description('rewrite the store into a minimal file (copy into a fresh store, then swap it in); refuses a store in use')
    .option('--json', 'print { before, after, sources, blocks, ... }')
    .addOption(dirOption())
    .action(async (options: JsonOptions) => {
      const files = storeFilesFor(locationOf(options), 'compact');
      const progress = startProgress({ label: 'compact', total: 0 });
      try {
        const report = await compactStore(options.dir, { files, ...progressHooks(progress) });
        progress.stop();
        if (options.json === true) await printJSON(report);
        else await writeStdout(`compacted ${options.dir}: ${formatBytes(report.before)} -> ${formatBytes(report.after)} (${report.sources} sources, ${report.blocks} blocks)\n`);
      } finally {
        progress.stop();
      }
    });
}
