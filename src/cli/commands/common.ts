/**
 * What every keepr command shares: the `--dir` option, opening and closing the store, reading
 * input, writing output, and turning errors into `keepr: CODE: message` plus an exit code.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Option } from 'commander';
import { ERROR_CODES, KeeprError, type ErrorCode } from '../../errors.js';
import { open, type Store } from '../../keepr/index.js';

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
} as const;

/** Default data directory when neither `--dir` nor `KEEPR_DIR` is given. */
export const DEFAULT_DIR = './data';

/** The `--dir` option, defaulting from `KEEPR_DIR`, then `./data`. */
export function dirOption(): Option {
  return new Option('-d, --dir <path>', 'data directory of the store').env('KEEPR_DIR').default(DEFAULT_DIR);
}

/** Options every store command receives. */
export interface DirOptions {
  readonly dir: string;
}

/**
 * Opens the store in `dir`, runs `fn`, and always closes it. Read-only commands pass
 * `mustExist` so a mistyped `--dir` fails instead of creating an empty store.
 */
export async function withStore<R>(dir: string, fn: (store: Store) => Promise<R>, mustExist = false): Promise<R> {
  if (mustExist && !existsSync(dir)) {
    throw new KeeprError('OPTION_INVALID', `no keepr store at ${dir} (keepr put or keepr serve creates one)`, { details: { option: 'dir' } });
  }
  const store = await open(dir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Writes to stdout and waits until the data is handed off (so large binary output is not cut). */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Prints a value as one line of JSON. */
export function printJSON(value: unknown): Promise<void> {
  return writeStdout(`${JSON.stringify(value)}\n`);
}

/** Writes output to a file, or to stdout when `path` is undefined or `-`. */
export async function writeOutput(path: string | undefined, data: string | Uint8Array): Promise<void> {
  if (path === undefined || path === '-') await writeStdout(data);
  else await writeFile(path, data);
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

/** MIME types guessed from common file extensions; anything else is octet-stream. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.wasm': 'application/wasm',
  '.parquet': 'application/vnd.apache.parquet',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** The MIME type for a file name, from its extension. */
export function guessMime(path: string | undefined): string {
  if (path === undefined || path === '-') return 'application/octet-stream';
  return MIME_BY_EXTENSION[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The exit code for a registry code: 2 for not-found, 1 for other client errors, 3 otherwise. */
export function exitCodeFor(code: ErrorCode): number {
  const status = ERROR_CODES[code].status;
  if (status === 404) return EXIT.NOT_FOUND;
  return status < 500 ? EXIT.USAGE : EXIT.FAILURE;
}

/** Prints an error as `keepr: CODE: message` on stderr and gives its exit code. */
export function reportError(err: unknown): number {
  const error = err instanceof KeeprError ? err : new KeeprError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  process.stderr.write(`keepr: ${error.code}: ${error.message}\n`);
  return exitCodeFor(error.code);
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
