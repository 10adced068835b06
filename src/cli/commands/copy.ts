/**
 * `keepr copy --from <store> --to <store>`: moves a store between engines (LMDB to PostgreSQL
 * and back) with the dump machinery (every source, block and raw namespace entry, so versioned
 * states keep their roots), then compares the two stores and fails when anything differs.
 */
import type { Command } from 'commander';
import { KeeprError } from '../../errors.js';
import { copyStore, type DumpSummary } from '../../keepr/index.js';
import type { Store } from '../../store/index.js';
import { compareStores, type CompareReport, type StoreDifference } from '../lib/compare-stores.js';
import { startProgress } from '../lib/progress.js';
import { describeLocation, openStore, parseStoreSpec, sameLocation, storeExists, type StoreLocation } from '../lib/store-engine.js';
import { formatBytes, positiveInt, printJSON, writeStdout } from './common.js';

interface CopyOptions {
  readonly from: string;
  readonly to: string;
  readonly force?: boolean;
  readonly verifyOnly?: boolean;
  readonly batch?: number;
  readonly json?: boolean;
}

/** Opens a store, runs `fn` and always closes it. */
async function using<R>(location: StoreLocation, fn: (store: Store) => Promise<R>): Promise<R> {
  const store = await openStore(location);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Stored entries for a progress bar's total (engines that do not count them give 0: an open-ended bar). */
async function entryCount(store: Store): Promise<number> {
  return (await store.engine.stats()).extra['dataEntries'] ?? 0;
}

/** Empties the target (`--force`), or refuses one that holds anything. */
async function prepareTarget(target: Store, name: string, force: boolean): Promise<void> {
  const namespaces = await target.engine.listNamespaces();
  if (namespaces.length === 0) return;
  if (!force) {
    throw new KeeprError('STORE_NOT_EMPTY', `the target ${name} is not empty (${namespaces.length} sources, states or other namespaces); use --force to empty it first`, { details: { namespaces: namespaces.length } });
  }
  for (const ns of namespaces) await target.engine.dropNamespace(ns);
}

async function copyAndCompare(from: Store, to: Store, options: CopyOptions, toName: string): Promise<{ copied?: DumpSummary; verified: CompareReport }> {
  const total = await entryCount(from);
  let copied: DumpSummary | undefined;
  if (options.verifyOnly !== true) {
    await prepareTarget(to, toName, options.force === true);
    const progress = startProgress({ label: 'copy', total });
    try {
      copied = await copyStore(from, to, {
        onBlock: (n) => {
          progress.update(n);
        },
        ...(options.batch === undefined ? {} : { batchBlocks: options.batch }),
      });
    } finally {
      progress.stop();
    }
  }
  const progress = startProgress({ label: 'verify', total });
  try {
    const verified = await compareStores(from, to, {
      onItem: (n) => {
        progress.update(n);
      },
    });
    return { ...(copied === undefined ? {} : { copied }), verified };
  } finally {
    progress.stop();
  }
}

function differenceLine(d: StoreDifference): string {
  const where = d.height !== undefined ? `height=${d.height}` : d.key !== undefined ? d.key : '-';
  return `DIFF\t${d.namespace}\t${where}\t${d.reason}\n`;
}

function summaryLines(copied: DumpSummary | undefined, v: CompareReport, fromName: string, toName: string): string {
  const others = (n: number, e: number): string => (n > 0 ? `, ${n} other namespaces (${e} entries)` : '');
  let text = copied === undefined ? '' : `copied ${fromName} to ${toName}: ${copied.sources} sources, ${copied.blocks} blocks (${formatBytes(copied.blockBytes)})${others(copied.namespaces, copied.entries)}\n`;
  text += v.differences.map(differenceLine).join('');
  const states = v.states > 0 ? `, ${v.states} states (roots at ${v.heights} heights)` : '';
  const outcome = v.ok ? 'all match' : `${v.differenceCount} difference${v.differenceCount === 1 ? '' : 's'}${v.differenceCount > v.differences.length ? ` (first ${v.differences.length} listed)` : ''}`;
  text += `verified ${toName} against ${fromName}: ${v.sources} sources, ${v.blocks} blocks${others(v.namespaces, v.entries)}${states}: ${outcome}\n`;
  return text;
}

/** Registers `copy` on the program. */
export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description('copy a whole store to another store, on the same or another engine (LMDB to PostgreSQL and back), then compare them block for block and state root for root; exits 4 when anything differs')
    .requiredOption('--from <store>', 'the store to copy: a directory (LMDB), lmdb:<dir>, level:<dir>, or postgres://user@host:port/database#schema (schema default keepr)')
    .requiredOption('--to <store>', 'the store to copy into, written the same way (created when missing; must be empty unless --force)')
    .option('--force', 'empty a target that holds data first (drops every source, state and other namespace in it)')
    .option('--verify-only', 'copy nothing: only compare --to with --from')
    .option('--batch <n>', 'blocks per transaction (default 1000)', positiveInt('--batch'))
    .option('--json', 'print { from, to, copied?: { sources, blocks, blockBytes, namespaces, entries, entryBytes }, verified: { sources, blocks, blockBytes, namespaces, entries, states, heights, ok, differences: [{ namespace, key?, height?, reason }], differenceCount }, ms }')
    .action(async (options: CopyOptions) => {
      const from = parseStoreSpec(options.from, '--from');
      const to = parseStoreSpec(options.to, '--to');
      const [fromName, toName] = [describeLocation(from), describeLocation(to)];
      if (sameLocation(from, to)) throw new KeeprError('ARGUMENT_INVALID', `--from and --to name the same store (${fromName})`, { details: { from: fromName } });
      if (!(await storeExists(from))) throw new KeeprError('OPTION_INVALID', `no keepr store at --from ${fromName}`, { details: { option: 'from' } });
      if (options.verifyOnly === true && !(await storeExists(to))) throw new KeeprError('OPTION_INVALID', `no keepr store at --to ${toName} to verify`, { details: { option: 'to' } });
      const started = Date.now();
      const { copied, verified } = await using(from, (source) => using(to, (target) => copyAndCompare(source, target, options, toName)));
      const ms = Date.now() - started;
      if (options.json === true) await printJSON({ from: fromName, to: toName, ...(copied === undefined ? {} : { copied }), verified, ms });
      else await writeStdout(summaryLines(copied, verified, fromName, toName));
      if (!verified.ok) {
        const first = verified.differences[0]!;
        throw new KeeprError('COPY_MISMATCH', `${toName} differs from ${fromName} in ${verified.differenceCount} place(s); the first: ${first.namespace} ${first.height === undefined ? (first.key ?? '') : `height ${first.height}`}: ${first.reason}`, {
          details: { differences: verified.differenceCount },
        });
      }
    });
}
