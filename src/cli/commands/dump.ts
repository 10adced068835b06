/** `keepr dump [file]` and `keepr load [file]`: the store to and from the portable dump format. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { KeeprError } from '../../errors.js';
import { dumpStore, loadDump, verifyDump, type DumpSummary } from '../../keepr/index.js';
import { startProgress, type Progress } from '../lib/progress.js';
import { collectValues, dirOption, formatBytes, inputStream, positiveInt, printJSON, storeName, withStore, writeChunks, writeStdout, type DirOptions } from './common.js';

interface DumpOptions extends DirOptions {
  readonly source?: readonly string[];
  readonly json?: boolean;
}

interface LoadOptions extends DirOptions {
  readonly batch?: number;
  readonly stream?: boolean;
  readonly json?: boolean;
}

function describe(s: DumpSummary): string {
  const others = s.namespaces > 0 ? `, ${s.namespaces} other namespaces (${s.entries} entries)` : '';
  return `${s.sources} sources, ${s.blocks} blocks (${formatBytes(s.blockBytes)})${others}`;
}

/** Counts the bytes flowing through, for a progress bar by bytes. */
async function* counted(chunks: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    progress.update(bytes);
    yield chunk;
  }
}

/** Registers `dump` on the program. */
export function registerDump(program: Command): void {
  program
    .command('dump')
    .description('write the store (one consistent snapshot) as a portable dump stream (docs/cli.md, "Dump format")')
    .argument('[file]', 'output file; stdout when omitted or -')
    .option('-s, --source <name>', 'only this source (repeatable); other namespaces are then left out', collectValues)
    .option('--json', 'print { sources, blocks, blockBytes, ... } (on stderr when the dump goes to stdout)')
    .addOption(dirOption())
    .action(async (file: string | undefined, options: DumpOptions) => {
      const toStdout = file === undefined || file === '-';
      if (toStdout && process.stdout.isTTY) throw new KeeprError('ARGUMENT_INVALID', 'refusing to write a binary dump to a terminal: give a file or redirect stdout');
      let summary: DumpSummary | undefined;
      await withStore(
        options,
        async (store) => {
          const entries = (await store.engine.stats()).extra['dataEntries'] ?? 0;
          const progress = startProgress({ label: 'dump', total: entries });
          try {
            const stream = dumpStore(store, { ...(options.source === undefined ? {} : { sources: options.source }), onBlock: (n) => {
              progress.update(n);
            } });
            await writeChunks(file, summarize(stream, (s) => (summary = s)));
          } finally {
            progress.stop();
          }
        },
        true,
      );
      const done = summary!;
      if (options.json === true) {
        if (toStdout) process.stderr.write(`${JSON.stringify(done)}\n`);
        else await printJSON({ file, ...done });
      } else if (!toStdout) {
        await writeStdout(`dumped ${storeName(options)} to ${file}: ${describe(done)}\n`);
      }
    });
}

/** Passes a generator's chunks through and hands its return value to `onDone`. */
async function* summarize(chunks: AsyncGenerator<Uint8Array, DumpSummary>, onDone: (s: DumpSummary) => void): AsyncGenerator<Uint8Array> {
  for (;;) {
    const step = await chunks.next();
    if (step.done === true) {
      onDone(step.value);
      return;
    }
    yield step.value;
  }
}

/** A file's size; `ARGUMENT_INVALID` when it cannot be read. */
async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new KeeprError('ARGUMENT_INVALID', `cannot read ${path}: it is a directory`, { details: { path, cause: 'EISDIR' } });
    return info.size;
  } catch (err) {
    if (err instanceof KeeprError) throw err;
    throw new KeeprError('ARGUMENT_INVALID', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, details: { path } });
  }
}

/** Copies stdin into a temporary file, so it can be checked before it is loaded. */
async function spool(dir: string): Promise<string> {
  const file = join(dir, 'stdin.dump');
  await writeChunks(file, inputStream('-'));
  return file;
}

/** Registers `load` on the program. */
export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('load a dump stream into the store (created if missing); the whole stream is checked first, so a corrupt one writes nothing')
    .argument('[file]', 'input file; stdin when omitted or - (spooled to a temporary file to be checked first)')
    .option('--stream', 'load while reading, without the first checking pass: a corrupt stream keeps the batches before the damage')
    .option('--batch <n>', 'blocks per transaction (default 1000)', positiveInt('--batch'))
    .option('--json', 'print { sources, blocks, blockBytes, ... }')
    .addOption(dirOption())
    .action(async (file: string | undefined, options: LoadOptions) => {
      const fromStdin = file === undefined || file === '-';
      const spoolDir = fromStdin && options.stream !== true ? await mkdtemp(join(tmpdir(), 'keepr-load-')) : undefined;
      try {
        const path = spoolDir === undefined ? file : await spool(spoolDir);
        const size = path === undefined || path === '-' ? 0 : await fileSize(path);
        if (options.stream !== true) {
          const progress = startProgress({ label: 'check', total: size, unit: 'bytes' });
          try {
            await verifyDump(counted(inputStream(path), progress));
          } finally {
            progress.stop();
          }
        }
        const progress = startProgress({ label: 'load', total: size, unit: 'bytes' });
        let summary: DumpSummary;
        try {
          summary = await withStore(options, (store) => loadDump(store, counted(inputStream(path), progress), options.batch === undefined ? {} : { batchBlocks: options.batch }));
        } finally {
          progress.stop();
        }
        if (options.json === true) await printJSON(summary);
        else await writeStdout(`loaded ${describe(summary)} into ${storeName(options)}\n`);
      } finally {
        if (spoolDir !== undefined) await rm(spoolDir, { recursive: true, force: true });
      }
    });
}
