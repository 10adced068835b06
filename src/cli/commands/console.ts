/** `keepr console install`: loads the web console of this keepr version into the store. */
import type { Command } from 'commander';
import { dirOption, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface ConsoleInstallOptions extends DirOptions {
  readonly json?: boolean;
}

/** Registers `console` on the program. */
export function registerConsole(program: Command): void {
  const command = program.command('console').description('the web console served at /console/ (docs/console.md)');
  command
    .command('install')
    .description('load the console of this keepr version into the store (keepr serve does it at start): changed files are written, old ones deleted, in one transaction')
    .option('--json', 'print { version, files, written, deleted }')
    .addOption(dirOption())
    .action(async (options: ConsoleInstallOptions) => {
      // Loaded here, like serve: the server module is not needed by other commands.
      const { CONSOLE_SOURCE, installConsole } = await import('../../server/index.js');
      const report = await withStore(options, (store) => installConsole(store));
      if (options.json === true) await printJSON(report);
      else await writeStdout(`console ${report.version}: ${report.files} files in source ${CONSOLE_SOURCE} (${report.written} written, ${report.deleted} deleted)\n`);
    });
}
