/**
 * The keepr command-line program. Commands are thin: parse flags, call the library, print.
 * `run` never exits the process itself; it returns the exit code for `main.ts` to set.
 */
import { Command, CommanderError } from 'commander';
import { registerBackup, registerCompact, registerRestore } from './commands/backup.js';
import { CommandExit, EXIT, engineOptions, passEngineOptions, reportError } from './commands/common.js';
import { registerCopy } from './commands/copy.js';
import { registerDump, registerLoad } from './commands/dump.js';
import { registerGet } from './commands/get.js';
import { registerConsole } from './commands/console.js';
import { registerLoadWww } from './commands/load-www.js';
import { registerLs } from './commands/ls.js';
import { registerPg } from './commands/pg.js';
import { registerPut } from './commands/put.js';
import { registerRm } from './commands/rm.js';
import { registerSalvage } from './commands/salvage.js';
import { registerServe } from './commands/serve.js';
import { registerState } from './commands/state.js';
import { registerStat } from './commands/stat.js';
import { registerTs } from './commands/ts.js';
import { registerVerify } from './commands/verify.js';
import { KEEPR_VERSION } from '../util/package-version.js';

export { EXIT, exitCodeFor, guessMime } from './commands/common.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  usage error or bad input (bad flags, names, files, JSON, .npy or block bytes; failed conditions)
  2  not found (no such source, block, state, height, state key or instrument; a pruned height)
  3  store or internal failure
  4  integrity check failed (keepr verify found bad blocks or a tampered state; a corrupt instrument, backup
     or dump stream; a state proof that does not hold; keepr copy found a difference)
  5  refused (the store is open in another process, or restore or copy without --force over data)

Environment:
  KEEPR_DIR   default for --dir (else ./data)
  KEEPR_ENGINE     default for --engine (else lmdb)
  KEEPR_PG_URL     default for --url (the PostgreSQL connection string of --engine postgres)
  KEEPR_PG_SCHEMA  default for --schema (else keepr)
  KEEPR_HOST  default for serve --host (else 127.0.0.1)
  KEEPR_PORT  default for serve --port (else 7070)
  KEEPR_DURABILITY  default for serve --durability (else sync)

Errors print "keepr: CODE: message" on stderr (a JSON line with --json); codes are listed
in docs/errors.md. Progress bars appear on stderr only when it is a terminal. Docs: docs/cli.md.`;


/** Builds the `keepr` program with all its commands. */
export function createProgram(): Command {
  const program = new Command('keepr')
    .description('keepr: an embedded transactional store for typed data blocks')
    .version(KEEPR_VERSION)
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(add --help for usage)')
    // Set before the commands are added: subcommands inherit these settings.
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => {
        write(`keepr: ARGUMENT_INVALID: ${text.replace(/^error: /, '')}`);
      },
    })
    // The engine options are global: accepted before or after the command name, listed in every command's help.
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', (self, command) => {
      passEngineOptions(self, command);
    });
  for (const option of engineOptions()) program.addOption(option);
  registerServe(program);
  registerPut(program);
  registerGet(program);
  registerLs(program);
  registerRm(program);
  registerStat(program);
  registerBackup(program);
  registerRestore(program);
  registerDump(program);
  registerLoad(program);
  registerVerify(program);
  registerSalvage(program);
  registerCompact(program);
  registerLoadWww(program);
  registerConsole(program);
  registerState(program);
  registerTs(program);
  registerCopy(program);
  registerPg(program);
  return program;
}

/** Runs the program on `args` (without node and script) and resolves to the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed help, the version, or the usage error.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof CommandExit) return err.exitCode;
    // Commands given --json report their errors as JSON too.
    return reportError(err, args.includes('--json'));
  }
}
