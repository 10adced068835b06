/**
 * `keepr put <source> <key> [file]`: stores a file (a `.json` file too: a JSON document, as an
 * HTTP PUT of `application/json` stores it), a `.npy` array, a block description or a binary
 * block. In the web source, blocks get (and must have) the URL attribute `'/' + key`.
 */
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { Block, blockInitFromJSON, decodeNpy } from '../../block/index.js';
import { KeeprError, isKeeprError } from '../../errors.js';
import { assertName, keyLabel, type KeyTextEncoding } from '../../keepr/index.js';
import { DEFAULT_WEB_SOURCE } from '../lib/www-files.js';
import { dirOption, guessMime, keyArgument, keyEncodingOption, printJSON, readInput, withStore, writeStdout, type DirOptions } from './common.js';

/** How `put` reads its input. */
export type InputFormat = 'auto' | 'file' | 'json' | 'block' | 'npy';

const FORMATS: readonly InputFormat[] = ['auto', 'file', 'json', 'block', 'npy'];

interface PutOptions extends DirOptions {
  readonly from: InputFormat;
  readonly type?: string;
  readonly block?: boolean;
  readonly npy?: boolean;
  readonly json?: boolean;
  readonly webUrl?: string;
  /** The source `keepr serve` publishes (`--web`, `KEEPR_WEB`). */
  readonly web: string;
  readonly keyEncoding?: KeyTextEncoding;
}

/** The format actually used: shorthands first, then `auto` picks npy for `.npy` files and file blocks otherwise. */
export function inputFormat(file: string | undefined, options: Pick<PutOptions, 'from' | 'block' | 'npy' | 'type'>): Exclude<InputFormat, 'auto'> {
  if (options.block === true) return 'block';
  if (options.npy === true) return 'npy';
  if (options.from !== 'auto') return options.from;
  // A MIME type asks for a file block, even for a .npy file.
  if (options.type === undefined && file !== undefined && extname(file).toLowerCase() === '.npy') return 'npy';
  return 'file';
}

/**
 * Builds the block `keepr put` stores from the input bytes, the file name and the format; `url`
 * becomes the URL attribute of a file block or `.npy` tensor (other inputs carry their own).
 */
export function blockFromInput(bytes: Buffer, file: string | undefined, format: Exclude<InputFormat, 'auto'>, mime?: string, url?: string): Block {
  const attributes: Record<string, string> = url === undefined ? {} : { url };
  switch (format) {
    case 'block':
      return Block.decode(bytes);
    case 'npy':
      return decodeNpy(bytes, { attributes });
    case 'json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw new KeeprError('BLOCK_JSON_INVALID', `the input is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      return Block.create(blockInitFromJSON(parsed));
    }
    case 'file':
      return Block.file(bytes, mime ?? guessMime(file), attributes);
  }
}

/**
 * The URL attribute to give a block put under `key` into `source`: in the web source `'/' + key`
 * (the only URL the server publishes it at; another `--web-url` is `WEB_URL_MISMATCH`), elsewhere
 * `--web-url` as given. A `--web-url` must be an absolute path.
 */
export function urlFor(source: string, key: string, web: string, url: string | undefined): string | undefined {
  if (url !== undefined && !url.startsWith('/')) throw new KeeprError('ARGUMENT_INVALID', `--web-url must be a path starting with /, not ${JSON.stringify(url)}`, { details: { url } });
  if (source !== web) return url;
  if (url !== undefined && url !== `/${key}`) {
    throw new KeeprError('WEB_URL_MISMATCH', `blocks in the web source ${source} are published at "/" + key: --web-url must be ${JSON.stringify(`/${key}`)} or left out, not ${JSON.stringify(url)}`, {
      details: { source, key, url },
    });
  }
  return `/${key}`;
}

/** The web source's rule for a block that carries its own attributes (a description or binary block). */
function checkWebUrl(source: string, key: string, web: string, block: Block): void {
  if (source === web && block.url !== `/${key}`) {
    throw new KeeprError('WEB_URL_MISMATCH', `blocks in the web source ${source} must have the URL attribute ${JSON.stringify(`/${key}`)}, not ${JSON.stringify(block.url ?? null)}`, {
      details: { source, key, url: block.url ?? null },
    });
  }
}

/** Registers `put` on the program. */
export function registerPut(program: Command): void {
  program
    .command('put')
    .description('store a block and print its hash: a file (default), a .npy array, a JSON block description or a binary block')
    .argument('<source>', 'source name (created if missing)')
    .argument('<key>', 'block key (may contain /)')
    .argument('[file]', 'input file; stdin when omitted or -')
    .addOption(new Option('-f, --from <format>', 'input format; auto reads .npy files as NumPy arrays and anything else as a file block').choices(FORMATS).default('auto'))
    .addOption(new Option('-t, --type <mime>', 'MIME type of a file block (default: guessed from the file extension)').conflicts(['block', 'npy']))
    .addOption(new Option('--npy', 'the input is a NumPy .npy file (same as --from npy)').conflicts('block'))
    .option('--block', 'the input is already a binary keepr block (same as --from block)')
    .option('--web-url <path>', 'URL attribute of a file block or .npy tensor (in the web source: "/" + key, the default there)')
    .addOption(new Option('--web <source>', 'the source keepr serve publishes; blocks put there get url "/" + key').env('KEEPR_WEB').default(DEFAULT_WEB_SOURCE))
    .option('--json', 'print { source, key, hash, type, shape, byteLength } instead of the bare hash')
    .addOption(keyEncodingOption())
    .addOption(dirOption())
    .action(async (source: string, keyText: string, file: string | undefined, options: PutOptions) => {
      const format = inputFormat(file, options);
      if (options.type !== undefined && format !== 'file') throw new KeeprError('ARGUMENT_INVALID', `--type is for file blocks, not --from ${format}`);
      const ownAttributes = format === 'json' || format === 'block';
      if (options.webUrl !== undefined && ownAttributes) throw new KeeprError('ARGUMENT_INVALID', `--web-url is for file blocks and .npy tensors; a --from ${format} block carries its own attributes`);
      // Check names and input before opening the store, so bad input creates nothing.
      assertName(source, 'source');
      const key = keyArgument(keyText, options.keyEncoding);
      const url = ownAttributes ? undefined : urlFor(source, keyLabel(key), options.web, options.webUrl);
      const bytes = await readInput(file);
      let block: Block;
      try {
        block = blockFromInput(bytes, file, format, options.type, url);
      } catch (err) {
        if (isKeeprError(err)) throw err;
        throw new KeeprError('BLOCK_INVALID', `the input cannot be made into a block: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      checkWebUrl(source, keyLabel(key), options.web, block);
      // A URL outside the published source is stored but served nowhere: say so, as nothing else would.
      if (options.webUrl !== undefined && source !== options.web) {
        process.stderr.write(`keepr: note: keepr serve publishes source ${options.web}, not ${source}; this block's url ${options.webUrl} is not served (put it into ${options.web}, or serve --web ${source})\n`);
      }
      await withStore(options, async (store) => {
        await (await store.source(source)).put(key, block);
      });
      if (options.json === true) await printJSON({ source, key: keyText, hash: block.hashHex, type: block.type, shape: block.shape, byteLength: block.byteLength });
      else await writeStdout(`${block.hashHex}\n`);
    });
}
