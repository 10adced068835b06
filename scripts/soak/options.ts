/** Command-line options of `npm run soak` (scripts/soak.ts). */
import { parseArgs } from 'node:util';

/** What one soak run does; see docs/operations.md, "Soak test". */
export interface SoakOptions {
  /** Length of the soak phase in minutes. */
  readonly minutes: number;
  /** Seconds between SIGKILLs of the server; 0 for none. */
  readonly killEvery: number;
  /** Offered load as a fraction of the measured maximum. */
  readonly load: number;
  /** Store directory; a fresh temporary one (removed afterwards) when undefined. */
  readonly dir: string | undefined;
  /** TCP port on 127.0.0.1; a free one when undefined. */
  readonly port: number | undefined;
  readonly seed: number;
  /** Where to write the JSON report. */
  readonly json: string | undefined;
  /** Concurrent connections (closed-loop clients while measuring, sockets while soaking). */
  readonly clients: number;
  /** Seconds of the closed-loop measurement. */
  readonly measureSeconds: number;
  /** Blocks written before measuring, so that reads have keys. */
  readonly prefill: number;
  /** Skip `npm run build` (dist/ must be fresh). */
  readonly noBuild: boolean;
}

const USAGE = `npm run soak -- [--minutes 10] [--kill-every 60] [--load 0.8] [--dir D] [--port P]
                   [--seed N] [--json FILE] [--clients 16] [--measure-seconds 10] [--prefill 2000] [--no-build]`;

function num(raw: string | undefined, name: string, fallback: number, min: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, not ${JSON.stringify(raw)}\n${USAGE}`);
  }
  return value;
}

/** Parses `argv` (without node and the script); throws with the usage on bad input. */
export function parseOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      'kill-every': { type: 'string' },
      load: { type: 'string' },
      dir: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      clients: { type: 'string' },
      'measure-seconds': { type: 'string' },
      prefill: { type: 'string' },
      'no-build': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const load = num(values.load, 'load', 0.8, 0.01);
  if (load > 2) throw new Error(`--load is a fraction of the measured maximum (0.8 = 80 %), not ${load}`);
  const port = values.port === undefined ? undefined : num(values.port, 'port', 0, 1, true);
  if (port !== undefined && port > 65535) throw new Error('--port must be at most 65535');
  return {
    minutes: num(values.minutes, 'minutes', 10, 0.1),
    killEvery: num(values['kill-every'], 'kill-every', 60, 0),
    load,
    dir: values.dir,
    port,
    seed: num(values.seed, 'seed', Date.now() % 2 ** 31, 0, true),
    json: values.json,
    clients: num(values.clients, 'clients', 16, 1, true),
    measureSeconds: num(values['measure-seconds'], 'measure-seconds', 10, 1),
    prefill: num(values.prefill, 'prefill', 2000, 1, true),
    noBuild: values['no-build'] === true,
  };
}
