/** `keepr load-www <folder>`: uploads a folder of web files into the web source. */
import type { Command } from 'commander';
import { startProgress } from '../lib/progress.js';
import { DEFAULT_WEB_SOURCE, loadWebFolder } from '../lib/www-files.js';
import { dirOption, formatBytes, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface LoadWwwOptions extends DirOptions {
  readonly source: string;
  readonly hidden?: boolean;
  readonly prune?: boolean;
  readonly json?: boolean;
}

/** Registers `load-www` on the program. */
export function registerLoadWww(program: Command): void {
  program
    .command('load-www')
    .description('upload a folder of web files: key = relative path, MIME type from the extension, url attribute = "/" + key')
    .argument('<folder>', 'the folder to upload (symbolic links must stay inside it)')
    .option('-s, --source <name>', 'target source', DEFAULT_WEB_SOURCE)
    .option('--hidden', 'include files and folders whose name starts with a dot')
    .option('--prune', 'delete blocks of the source that the folder no longer has')
    .option('--json', 'print { source, files, byteLength, skipped, pruned }')
    .addOption(dirOption())
    .action(async (folder: string, options: LoadWwwOptions) => {
      const progress = startProgress({ label: 'upload', total: 0, unit: 'bytes' });
      try {
        const report = await withStore(options, (store) =>
          loadWebFolder(store, folder, {
            source: options.source,
            hidden: options.hidden === true,
            prune: options.prune === true,
            onStart: (_files, bytes) => {
              progress.setTotal(bytes);
            },
            onProgress: (_files, bytes) => {
              progress.update(bytes);
            },
          }),
        );
        progress.stop();
        if (options.json === true) await printJSON(report);
        else await writeStdout(`uploaded ${report.files} files (${formatBytes(report.byteLength)}) to source ${report.source}${report.pruned > 0 ? `, pruned ${report.pruned}` : ''}${report.skipped.length > 0 ? `, skipped ${report.skipped.length}` : ''}\n`);
      } finally {
        progress.stop();
      }
    });
}
