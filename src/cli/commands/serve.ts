/** `keepr serve`: opens the store, serves the HTTP API, and shuts down cleanly on SIGINT/SIGTERM. */
import { Option, type Command } from 'commander';
import { KeeprError } from '../../errors.js';
import { open } from '../../keepr/index.js';
import type { ServerLogLevel } from '../../server/index.js';
import { dirOption, writeStdout, type DirOptions } from './common.js';

interface ServeOptions extends DirOptions {
  readonly host: string;
  readonly port: number;
  readonly logLevel: ServerLogLevel;
}

const LOG_LEVELS: readonly ServerLogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Time allowed for a clean shutdown before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new KeeprError('ARGUMENT_INVALID', `port must be an integer from 0 to 65535, not ${JSON.stringify(value)}`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers `serve` on the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (docs/http-api.md) until SIGINT or SIGTERM')
    .addOption(new Option('-H, --host <host>', 'interface to listen on').env('KEEPR_HOST').default('127.0.0.1'))
    .addOption(new Option('-p, --port <port>', 'TCP port (0 picks a free one)').env('KEEPR_PORT').default(7070).argParser(parsePort))
    .addOption(new Option('--log-level <level>', 'server log level (logs go to stderr)').choices(LOG_LEVELS).default('warn'))
    .addOption(dirOption())
    .action(async (options: ServeOptions) => {
      // Loaded here: the server and its dependencies would slow down every other command's start.
      const { buildServer } = await import('../../server/index.js');
      const store = await open(options.dir);
      const app = buildServer(store, { logger: { level: options.logLevel, stream: process.stderr } });
      let address: string;
      try {
        address = await app.listen({ host: options.host, port: options.port });
      } catch (err) {
        await app.close();
        await store.close();
        throw new KeeprError('OPTION_INVALID', `cannot listen on ${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await writeStdout(`keepr serving ${options.dir} at ${address}\n`);

      const signal = await nextStopSignal();
      // A second signal, or a shutdown that hangs, must still end the process.
      const force = (): never => process.exit(1);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      setTimeout(force, SHUTDOWN_GRACE_MS).unref();
      process.stderr.write(`keepr: shutting down (${signal})\n`);
      // Server first, so no request reaches a closed store.
      await app.close();
      await store.close();
      process.off('SIGINT', force);
      process.off('SIGTERM', force);
    });
}
