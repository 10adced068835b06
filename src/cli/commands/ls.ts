/** `keepr ls [source]`: lists sources, or the keys of one source. */
import type { Command } from 'commander';
import { LIST_MAX_LIMIT, keyFromText, keyToText, type ListedBlock, type Key, type KeyTextEncoding, type Source } from '../../keepr/index.js';
import { dirOption, keyEncodingOption, positiveInt, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface LsOptions extends DirOptions {
  readonly prefix?: string;
  readonly limit?: number;
  readonly cursor?: string;
  readonly reverse?: boolean;
  readonly long?: boolean;
  readonly json?: boolean;
  readonly keyEncoding?: KeyTextEncoding;
}

/**
 * Up to `limit` listed blocks (all when undefined), paging through the source, keys as text in
 * the `--key-encoding`; the cursor when more remain.
 */
async function collect(source: Source, options: LsOptions): Promise<{ items: ListedBlock[]; cursor: string | undefined }> {
  const encoding = options.keyEncoding ?? 'utf8';
  const prefix: Key | undefined = options.prefix === undefined ? undefined : keyFromText(options.prefix, encoding, 'prefix', true);
  const items: ListedBlock[] = [];
  let cursor = options.cursor;
  for (;;) {
    const want = options.limit === undefined ? LIST_MAX_LIMIT : Math.min(LIST_MAX_LIMIT, options.limit - items.length);
    const page = await source.list({
      ...(prefix === undefined ? {} : { prefix }),
      ...(cursor === undefined ? {} : { cursor }),
      reverse: options.reverse === true,
      limit: want,
      keyEncoding: encoding === 'utf8' ? 'utf8' : 'binary',
    });
    items.push(...page.items.map((item) => ({ ...item, key: keyToText(item.key, encoding) })));
    cursor = page.cursor;
    if (cursor === undefined || (options.limit !== undefined && items.length >= options.limit)) return { items, cursor };
  }
}

function line(item: ListedBlock, long: boolean): string {
  return long ? `${item.key}\t${item.type}\t[${item.shape.join(',')}]\t${item.byteLength}\t${item.hash}` : item.key;
}

/** Registers `ls` on the program. */
export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list sources, or the keys of a source')
    .argument('[source]', 'list the keys of this source')
    .option('-p, --prefix <prefix>', 'only keys starting with this prefix (in --key-encoding)')
    .option('-n, --limit <n>', 'at most this many keys (default: all)', positiveInt('--limit'))
    .option('--cursor <cursor>', 'continue a listing from the cursor a --json listing returned')
    .option('-r, --reverse', 'descending key order')
    .option('-l, --long', 'also print type, shape, byte length and hash (tab-separated)')
    .option('--json', 'print JSON: { sources } or { items, cursor }')
    .addOption(keyEncodingOption())
    .addOption(dirOption())
    .action(async (sourceName: string | undefined, options: LsOptions) => {
      await withStore(
        options,
        async (store) => {
          if (sourceName === undefined) {
            const sources = await store.sources();
            if (options.json === true) await printJSON({ sources });
            else if (sources.length > 0) await writeStdout(`${sources.join('\n')}\n`);
            return;
          }
          const { items, cursor } = await collect(await store.source(sourceName, { create: false }), options);
          if (options.json === true) await printJSON({ items, cursor: cursor ?? null });
          else if (items.length > 0) await writeStdout(`${items.map((i) => line(i, options.long === true)).join('\n')}\n`);
        },
        true,
      );
    });
}
