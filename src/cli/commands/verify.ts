/**
 * `keepr verify`: checks the structure of keepr.mdb (before LMDB opens it), every block's bytes
 * and integrity hash, and audits versioned states; names what is bad (exit 4).
 */
import type { Command } from 'commander';
import { KeeprError } from '../../errors.js';
import type { Store } from '../../store/index.js';
import { startProgress } from '../lib/progress.js';
import { auditStates, checkDataFile, damagedFileError, fileLines, formatProblem, verifyStore, type StateAuditReport, type VerifyReport } from '../lib/verify-store.js';
import { filesOf } from '../lib/store-engine.js';
import { collectValues, dirOption, locationOf, printJSON, withStore, writeStdout, type DirOptions } from './common.js';

interface VerifyOptions extends DirOptions {
  readonly source?: readonly string[];
  readonly state?: readonly string[];
  readonly json?: boolean;
}

/** Checks the blocks of the store (or of the chosen sources) with a progress bar on a terminal. */
async function checkBlocks(store: Store, sources: readonly string[] | undefined): Promise<VerifyReport> {
  const progress = startProgress({ label: 'verify', total: (await store.engine.stats()).extra['dataEntries'] ?? 0 });
  try {
    return await verifyStore(store, {
      ...(sources === undefined ? {} : { sources }),
      onBlock: (blocks) => {
        progress.update(blocks);
      },
    });
  } finally {
    progress.stop();
  }
}

function stateLines(reports: readonly StateAuditReport[]): string {
  return reports
    .map((r) => {
      const bad = r.problems.map((p) => `${formatProblem(r.state, p)}\n`).join('');
      return `${bad}audited state ${r.state}: ${r.heights} heights, ${r.records} records: ${r.ok ? 'all good' : `${r.problems.length} problems`}\n`;
    })
    .join('');
}

/** Registers `verify` on the program. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check the structure of keepr.mdb (every page, before LMDB opens it; no file check with --engine postgres), then every block (layout and SHA-256 integrity hash) from one snapshot, or audit versioned states; lists what is bad and exits 4 when anything is')
    .option('-s, --source <name>', 'only this source (repeatable)', collectValues)
    .option('--state <name>', 'audit this versioned state: recompute every hash from its stored values (repeatable; blocks are then checked only with --source)', collectValues)
    .option('--json', 'print { file: { ok, pageSize, pagesVisited, entries, problems: [{ kind, page?, message }], ... }, sources, blocks, byteLength, bad: [{ source, key, reason }], states?: [{ state, ok, heights, records, problems }] } (only file when the file is damaged)')
    .addOption(dirOption())
    .action(async (options: VerifyOptions) => {
      // LMDB trusts its file and can die by a signal on a damaged one: look at it first, by preads.
      // An engine without files (postgres) has no structure to check here: its blocks and states still are.
      const location = locationOf(options);
      const files = filesOf(location);
      const file = files === undefined ? undefined : await checkDataFile(options.dir, files);
      if (files !== undefined && file !== undefined && !file.ok) {
        await (options.json === true ? printJSON({ file }) : writeStdout(fileLines(file, files)));
        throw damagedFileError(file, files);
      }
      // --state alone audits only those states; blocks are checked without it or with --source.
      const { blocks, states } = await withStore(
        options,
        // States first: a missing one fails before a long block check.
        async (store) => ({
          states: options.state === undefined ? undefined : await auditStates(store, options.state),
          blocks: options.state === undefined || options.source !== undefined ? await checkBlocks(store, options.source) : undefined,
        }),
        true,
      );
      if (options.json === true) {
        await printJSON({ ...(file === undefined ? {} : { file }), ...blocks, ...(states === undefined ? {} : { states }) });
      } else {
        let text = files === undefined || file === undefined ? '' : fileLines(file, files);
        if (blocks !== undefined) {
          text += blocks.bad.map((b) => `BAD\t${b.source}\t${b.key}\t${b.reason}\n`).join('');
          text += `verified ${blocks.blocks} blocks in ${blocks.sources} sources: ${blocks.bad.length === 0 ? 'all good' : `${blocks.bad.length} bad`}\n`;
        }
        if (states !== undefined) text += stateLines(states);
        await writeStdout(text);
      }
      if (blocks !== undefined && blocks.bad.length > 0) {
        throw new KeeprError('STORE_CORRUPT', `${blocks.bad.length} block(s) failed verification`, { details: { bad: blocks.bad.length } });
      }
      const tampered = states?.filter((s) => !s.ok) ?? [];
      if (tampered.length > 0) {
        throw new KeeprError('STATE_CORRUPT', `the audit found problems in ${tampered.map((s) => s.state).join(', ')}`, { details: { states: tampered.map((s) => s.state) } });
      }
    });
}
