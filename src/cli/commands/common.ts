/**
 * What every keepr command shares: the `--dir` option, opening and closing the store, reading
 * input, writing output, and turning errors into `keepr: CODE: message` plus an exit code.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DEFAULT_ENGINE, DEFAULT_PG_SCHEMA, ENGINE_NAMES, describeLocation, openStore, storeExists, storeLocation, type EngineOptions, type StoreLocation } from '../lib/store-engine.js';
import { ERROR_CODES, KeeprError, type ErrorCode } from '../../errors.js';
import { KEY_TEXT_ENCODINGS, assertAnyKey, keyFromText, type Key, type KeyTextEncoding } from '../../keepr/index.js';
import type { Store } from '../../store/index.js';

export { guessMime } from '../../util/mime.js';

/** Exit codes of the keepr CLI. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Usage error or bad input (any 4xx code other than a not-found). */
  USAGE: 1,
  /** A source or block does not exist (404 codes). */
  NOT_FOUND: 2,
  /** The store or keepr itself failed (5xx codes, unexpected errors). */
  FAILURE: 3,
  /** An integrity check failed: a stored block, a backup or a dump stream is corrupt. */
  CORRUPT: 4,
  /** Refused to replace a store: it is open elsewhere, or holds data and --force was not given. */
  REFUSED: 5,
} as const;

/** Codes whose exit status is not the one their HTTP status implies. */
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  STORE_CORRUPT: EXIT.CORRUPT,
  STATE_CORRUPT: EXIT.CORRUPT,
  INSTRUMENT_CORRUPT: EXIT.CORRUPT,
  // A pruned height is gone for good (HTTP 410): for a script that is "not there".
  STATE_HEIGHT_PRUNED: EXIT.NOT_FOUND,
  DUMP_MALFORMED: EXIT.CORRUPT,
  DUMP_TRUNCATED: EXIT.CORRUPT,
  STORE_BUSY: EXIT.REFUSED,
  STORE_LOCKED: EXIT.REFUSED,
  STORE_NOT_EMPTY: EXIT.REFUSED,
  COPY_MISMATCH: EXIT.CORRUPT,
};

/**
 * Ends a command with an exit code after it has printed its own answer, without an error line
 * (a proof that does not hold is an answer, not a failure of keepr).
 */
export class CommandExit extends Error {
  /** The exit code to end with. */
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.name = 'CommandExit';
    this.exitCode = exitCode;
  }
}

/** Default data directory when neither `--dir` nor `KEEPR_DIR` is given. */
export const DEFAULT_DIR = './data';

/** The `--key-encoding` option of get, put, rm and ls: how keys on the command line and in the output are written. */
export function keyEncodingOption(): Option {
  return new Option('--key-encoding <encoding>', 'how keys are written, in arguments and output: utf8 (a string key), hex or base64url (binary keys)')
    .choices(KEY_TEXT_ENCODINGS)
    .default('utf8');
}

/** The key named by a `<key>` argument in its `--key-encoding`, checked (`NAME_INVALID`, `KEY_INVALID`). */
export function keyArgument(text: string, encoding: KeyTextEncoding | undefined): Key {
  const key = keyFromText(text, encoding ?? 'utf8');
  assertAnyKey(key);
  return key;
}

/** The `--dir` option, defaulting from `KEEPR_DIR`, then `./data`. */
export function dirOption(): Option {
  return new Option('-d, --dir <path>', 'data directory of the store').env('KEEPR_DIR').default(DEFAULT_DIR);
}

/** Options every store command receives: `--dir` and the program's engine options. */
export interface DirOptions extends EngineOptions {
  readonly dir: string;
}

/** The program's global options that choose the engine: `--engine`, `--url`, `--schema`. */
export function engineOptions(): Option[] {
  return [
    new Option('--engine <name>', 'engine of the store: lmdb or level (a directory, --dir) or postgres (--url, --schema)').choices(ENGINE_NAMES).env('KEEPR_ENGINE').default(DEFAULT_ENGINE),
    new Option('--url <url>', 'PostgreSQL connection string for --engine postgres (postgres://user:password@host:port/database)').env('KEEPR_PG_URL'),
    new Option('--schema <name>', 'PostgreSQL schema of the store for --engine postgres').env('KEEPR_PG_SCHEMA').default(DEFAULT_PG_SCHEMA),
  ];
}

const ENGINE_OPTION_NAMES = ['engine', 'url', 'schema'] as const;

/**
 * Hands the program's engine options to the command about to run (a commander `preAction`
 * hook), so every command sees them in its own options wherever they were written. A `--url`
 * or `--schema` typed for a directory engine is refused rather than ignored (`put --url` was the
 * URL attribute before 0.2.0; it is `--web-url` now). `pg` commands take them without --engine.
 */
export function passEngineOptions(program: Command, command: Command): void {
  for (const name of ENGINE_OPTION_NAMES) command.setOptionValueWithSource(name, program.getOptionValue(name), program.getOptionValueSource(name));
  if (command.parent?.name() === 'pg' || command.name() === 'copy') return;
  const engine: unknown = program.getOptionValue('engine');
  for (const name of ['url', 'schema'] as const) {
    if (engine !== 'postgres' && program.getOptionValueSource(name) === 'cli') {
      const hint = name === 'url' && command.name() === 'put' ? " (put's URL attribute option is --web-url)" : '';
      throw new KeeprError('OPTION_INVALID', `--${name} is for --engine postgres, and the engine is ${String(engine)}${hint}`, { details: { option: name } });
    }
  }
}

/** The store the command's options name (`OPTION_INVALID` for postgres without a URL). */
export function locationOf(options: DirOptions): StoreLocation {
  return storeLocation(options.dir, options);
}

/** The store the options name, for people: the directory, or the connection string (no password) and schema. */
export function storeName(options: DirOptions): string {
  return describeLocation(locationOf(options));
}

/**
 * Opens the store the options name (`--dir`, or `--engine postgres` with `--url` and `--schema`),
 * runs `fn`, and always closes it. Read-only commands pass `mustExist` so a mistyped `--dir` or
 * `--schema` fails instead of creating an empty store.
 */
export async function withStore<R>(options: DirOptions, fn: (store: Store) => Promise<R>, mustExist = false): Promise<R> {
  const location = locationOf(options);
  if (mustExist && !(await storeExists(location))) {
    const [option, hint] = location.engine === 'postgres' ? ['schema', `no keepr store in schema ${location.schema} of ${describeLocation(location)}`] : ['dir', `no keepr store at ${location.dir}`];
    throw new KeeprError('OPTION_INVALID', `${hint} (keepr put or keepr serve creates one)`, { details: { option } });
  }
  const store = await openStore(location);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The error that destroyed stdout, if one did (set by {@link watchStdout}). */
let stdoutFailure: NodeJS.ErrnoException | undefined;

/**
 * Catches stdout's `error` event, so a reader that went away (`keepr ls | head`) does not crash
 * the process with an unhandled EPIPE; the write that meets it then ends the command. Called
 * once by the executable.
 */
export function watchStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    stdoutFailure ??= err;
  });
}

/**
 * A failed stdout write as the command's outcome: a closed pipe (EPIPE, or any later write to
 * the stdout it destroyed) is a normal end, as for any Unix tool, so exit 0 without a message.
 */
function stdoutWriteError(err: NodeJS.ErrnoException): Error {
  const closed = err.code === 'EPIPE' || (err.code === 'ERR_STREAM_DESTROYED' && stdoutFailure?.code === 'EPIPE');
  return closed ? new CommandExit(EXIT.OK, 'stdout was closed by its reader') : err;
}

/**
 * True when stdout is a terminal (a person reads it). `KEEPR_FORCE_TTY=1` makes it true
 * anywhere; it exists for keepr's own tests, which cannot always get a terminal.
 */
export function stdoutIsTerminal(): boolean {
  return process.stdout.isTTY || process.env['KEEPR_FORCE_TTY'] === '1';
}

/** Writes to stdout and waits until the data is handed off (so large binary output is not cut). */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => {
      if (err) reject(stdoutWriteError(err));
      else resolve();
    });
  });
}

/** Prints a value as one line of JSON. */
export function printJSON(value: unknown): Promise<void> {
  return writeStdout(`${JSON.stringify(value)}\n`);
}

/** System error codes that mean a path given on the command line cannot be written there. */
const BAD_PATH_CODES = new Set<unknown>(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG']);

/**
 * An error met writing to `path` as the command's outcome: a path that cannot be written is bad
 * input (`ARGUMENT_INVALID`, naming the path and the cause); anything else (a full disk) is kept.
 */
export function writePathError(err: unknown, path: string): unknown {
  if (err instanceof KeeprError || !BAD_PATH_CODES.has((err as { code?: unknown } | null)?.code)) return err;
  return new KeeprError('ARGUMENT_INVALID', `cannot write ${path}: ${(err as Error).message}`, { cause: err, details: { path, cause: (err as NodeJS.ErrnoException).code } });
}

/** Writes output to a file, or to stdout when `path` is undefined or `-`. */
export async function writeOutput(path: string | undefined, data: string | Uint8Array): Promise<void> {
  if (path === undefined || path === '-') {
    await writeStdout(data);
    return;
  }
  try {
    await writeFile(path, data);
  } catch (err) {
    throw writePathError(err, path);
  }
}

/** A file's bytes as a stream of chunks, or stdin's when `path` is undefined or `-`. */
export function inputStream(path: string | undefined): AsyncIterable<Uint8Array> {
  if (path === undefined || path === '-') {
    if (process.stdin.isTTY) throw new KeeprError('ARGUMENT_INVALID', 'no input: give a file or pipe the data to stdin');
    return process.stdin as AsyncIterable<Uint8Array>;
  }
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined) throw new KeeprError('ARGUMENT_INVALID', `cannot read ${path}: no such file`, { details: { path } });
  if (info.isDirectory()) throw new KeeprError('ARGUMENT_INVALID', `cannot read ${path}: it is a directory`, { details: { path, cause: 'EISDIR' } });
  return createReadStream(path);
}

/**
 * Writes a stream of chunks to stdout (respecting backpressure), or to a file that appears
 * only once complete: written under a temporary name and renamed, removed on failure.
 */
export async function writeChunks(path: string | undefined, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  if (path === undefined || path === '-') {
    // Each chunk awaited: a write into a closed pipe then ends the loop (and the snapshot) at once.
    for await (const chunk of chunks) await writeStdout(chunk);
    return;
  }
  const partial = `${path}.partial-${process.pid}`;
  const out = createWriteStream(partial);
  try {
    for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    await rename(partial, path);
  } catch (err) {
    out.destroy();
    // Removing may fail for the same reason as writing (a path under a file): report the write.
    await rm(partial, { force: true }).catch(() => undefined);
    // A path that cannot be written is bad input; anything else (a full disk) stays a failure.
    throw writePathError(err, path);
  }
}

/** Reads all of stdin. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Reads a file, or stdin when `path` is undefined or `-` (refusing an interactive terminal). */
export async function readInput(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '-') {
    if (process.stdin.isTTY) throw new KeeprError('ARGUMENT_INVALID', 'no input: give a file or pipe the data to stdin');
    return readStdin();
  }
  try {
    return await readFile(path);
  } catch (err) {
    throw new KeeprError('ARGUMENT_INVALID', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * The exit code for a registry code: 4 for integrity failures, 5 for refusals, 2 for
 * not-found, 1 for other client errors, 3 otherwise.
 */
export function exitCodeFor(code: ErrorCode): number {
  const special = EXIT_BY_CODE[code];
  if (special !== undefined) return special;
  const status = ERROR_CODES[code].status;
  if (status === 404) return EXIT.NOT_FOUND;
  return status < 500 ? EXIT.USAGE : EXIT.FAILURE;
}

/**
 * Prints an error on stderr, as `keepr: CODE: message` or (for `--json` commands) as one JSON
 * line `{ code, message, details }`, and gives its exit code.
 */
export function reportError(err: unknown, json = false): number {
  const error = err instanceof KeeprError ? err : new KeeprError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  const cause = hiddenCause(error);
  if (json) {
    const body = error.toJSON();
    const details = cause?.code === undefined || body.details?.['cause'] !== undefined ? body.details : { ...body.details, cause: cause.code };
    process.stderr.write(`${JSON.stringify(details === undefined ? body : { ...body, details })}\n`);
  } else {
    process.stderr.write(`keepr: ${error.code}: ${error.message}${cause === undefined ? '' : ` (cause: ${cause.text})`}\n`);
  }
  return exitCodeFor(error.code);
}

/**
 * The cause of an error when its message does not already tell it (so `ENGINE_FAILURE: cannot
 * open …` never hides an `ENOTDIR`): its system code, if any, and `CODE: message` text.
 */
function hiddenCause(error: KeeprError): { code: string | undefined; text: string } | undefined {
  const cause: unknown = error.cause;
  if (!(cause instanceof Error) || cause.message === '' || error.message.includes(cause.message)) return undefined;
  const raw = (cause as { code?: unknown }).code;
  const code = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : undefined;
  return { code, text: code === undefined || cause.message.startsWith(code) ? cause.message : `${code}: ${cause.message}` };
}

/** Collects a repeatable option's values (commander argParser). */
export function collectValues(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Formats a byte count for people. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Parses a positive integer option value (commander argParser). */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new KeeprError('ARGUMENT_INVALID', `${name} must be a positive integer, not ${JSON.stringify(value)}`);
    }
    return Number(value);
  };
}

/** Parses a non-negative integer option value, such as a height (commander argParser). */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new KeeprError('ARGUMENT_INVALID', `${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
    }
    return Number(value);
  };
}
