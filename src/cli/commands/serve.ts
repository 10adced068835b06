/** `keepr serve`: opens the store, serves the HTTP API, and shuts down cleanly on SIGINT/SIGTERM. */
import { Option, type Command } from 'commander';
import { KeeprError } from '../../errors.js';
import type { Durability } from '../../engine/engine.js';
import { memoryEngine } from '../../engine/memory/index.js';
import { open } from '../../store/index.js';
import type { ServerLogLevel } from '../../server/index.js';
import { describeLocation, openStore } from '../lib/store-engine.js';
import { DEFAULT_WEB_SOURCE } from '../lib/www-files.js';
import { dirOption, locationOf, printJSON, writeStdout, type DirOptions } from './common.js';

interface ServeOptions extends DirOptions {
  readonly host: string;
  readonly port: number;
  readonly logLevel: ServerLogLevel;
  readonly durability: Durability;
  readonly tokens?: string;
  /** Origins allowed by CORS (`--cors`), comma-separated. */
  readonly cors?: string;
  /** A source name, or false for `--no-web`. */
  readonly web: string | false;
  /** False for `--no-console`. */
  readonly console: boolean;
  readonly json?: boolean;
}

const LOG_LEVELS: readonly ServerLogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const DURABILITIES: readonly Durability[] = ['sync', 'write-cache', 'transient'];

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new KeeprError('ARGUMENT_INVALID', `port must be an integer from 0 to 65535, not ${JSON.stringify(value)}`);
  return port;
}

/** Registers `serve` on the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (docs/http-api.md) until SIGINT or SIGTERM')
    .addOption(new Option('-H, --host <host>', 'interface to listen on (beyond loopback only with tokens)').env('KEEPR_HOST').default('127.0.0.1'))
    .addOption(new Option('-p, --port <port>', 'TCP port (0 picks a free one)').env('KEEPR_PORT').default(7070).argParser(parsePort))
    .option('--tokens <file>', 'access tokens: a JSON file of [{ "token", "role" }] (else KEEPR_TOKENS="role:token,...")')
    .addOption(new Option('--web <source>', 'source published as web resources at their url attributes').env('KEEPR_WEB').default(DEFAULT_WEB_SOURCE))
    .option('--no-web', 'publish no web source')
    .option('--no-console', 'neither install nor serve the web console at /console/')
    .addOption(
      new Option('--durability <mode>', 'when a write is acknowledged: on disk (sync), committed in memory and on disk soon after (write-cache), or never on disk (transient)')
        .choices(DURABILITIES)
        .env('KEEPR_DURABILITY')
        .default('sync'),
    )
    .addOption(new Option('--cors <origins>', 'let browser apps on these exact origins call the API (comma-separated, e.g. https://app.example)').env('KEEPR_CORS'))
    .addOption(new Option('--log-level <level>', 'server log level (logs go to stderr)').choices(LOG_LEVELS).default('warn'))
    .option('--json', 'print { dir, engine, store, url, console, tokens, web, durability } as JSON once listening')
    .addOption(dirOption())
    .action(async (options: ServeOptions) => {
      // Loaded here: the server and its dependencies would slow down every other command's start.
      const { CONSOLE_PATH, assertBindAllowed, bindNotice, buildServer, installConsole, loadTokens, serveUntilSignal } = await import('../../server/index.js');
      // Tokens and the bind rule are checked before the store is opened: a refused start touches nothing.
      const tokens = loadTokens(options.tokens);
      assertBindAllowed(options.host, tokens);
      const transient = options.durability === 'transient';
      // A transient store is in memory whatever the engine; the location is still checked (a missing --url fails).
      const location = locationOf(options);
      const store = transient ? await open({ engine: memoryEngine() }) : await openStore(location, options.durability === 'sync' ? 'sync' : 'write-cache');
      let app: ReturnType<typeof buildServer> | undefined;
      let address: string;
      try {
        // The console of this keepr version goes into the store first (a no-op when it is there).
        if (options.console) await installConsole(store);
        const cors = options.cors === undefined ? {} : { cors: { origins: options.cors.split(',').map((origin) => origin.trim()) } };
        app = buildServer(store, { logger: { level: options.logLevel, stream: process.stderr }, tokens, webSource: options.web, console: options.console, ...cors });
        address = await app.listen({ host: options.host, port: options.port });
      } catch (err) {
        await app?.close();
        await store.close();
        if (err instanceof KeeprError) throw err;
        throw new KeeprError('OPTION_INVALID', `cannot listen on ${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const consoleUrl = options.console ? `${address}${CONSOLE_PATH}` : null;
      try {
        if (options.json === true) {
          await printJSON({ dir: options.dir, engine: transient ? 'memory' : location.engine, store: transient ? 'memory' : describeLocation(location), url: address, console: consoleUrl, tokens: tokens.length, web: options.web, durability: options.durability });
        } else {
          const durability = transient || options.durability === 'sync' ? '' : ` (durability ${options.durability})`;
          await writeStdout(`keepr serving ${transient ? 'a transient store (in memory only)' : describeLocation(location)} at ${address}${durability}${consoleUrl === null ? '' : `; console at ${consoleUrl}`}\n`);
        }
      } catch (err) {
        // A closed stdout ends the command: the server must not outlive it with the store open.
        await app.close();
        await store.close();
        throw err;
      }
      const notice = bindNotice(options.host, tokens);
      if (notice !== undefined && options.logLevel !== 'fatal' && options.logLevel !== 'error') process.stderr.write(`keepr: note: ${notice}\n`);

      await serveUntilSignal(app, store, {
        onSignal: (signal) => {
          process.stderr.write(`keepr: shutting down (${signal})\n`);
        },
      });
    });
}
