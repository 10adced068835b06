/** `keepr state …`: the versioned-state commands; here `ls`, `commit` and `prune` (reads in state-read.ts, proofs offline in state-verify.ts). */
import { Option, type Command } from 'commander';
import { KeeprError } from '../../errors.js';
import type { Store } from '../../store/index.js';
import type { HeightItem, VersionedState } from '../../state/index.js';
import { changeSetFromJSON } from '../lib/state-json.js';
import { dirOption, nonNegativeInt, positiveInt, printJSON, readInput, withStore, writeStdout, type DirOptions } from './common.js';
import { checkStateName } from './state-common.js';
import { registerStateGet, registerStateProve } from './state-read.js';
import { registerStateVerify } from './state-verify.js';

interface LsOptions extends DirOptions {
  readonly from?: number;
  readonly limit?: number;
  readonly reverse?: boolean;
  readonly json?: boolean;
}

interface CommitOptions extends DirOptions {
  readonly height?: number;
  readonly json?: boolean;
}

interface PruneOptions extends DirOptions {
  readonly keepLast?: number;
  readonly from?: number;
  readonly json?: boolean;
}

/** Heights printed per write while listing. */
const PAGE = 1000;

/**
 * Lists heights as they are read, handing them to `emit` a page at a time (so a long history is
 * never held at once); gives the `--from` that continues the listing, or undefined when it is complete.
 */
async function walkHeights(state: VersionedState, options: LsOptions, emit: (page: HeightItem[]) => Promise<void>): Promise<number | undefined> {
  const reverse = options.reverse === true;
  const from = options.from === undefined ? {} : reverse ? { lte: options.from } : { gte: options.from };
  const limit = options.limit ?? Infinity;
  let page: HeightItem[] = [];
  let count = 0;
  // One more than needed tells whether the listing goes on.
  for await (const item of state.heights({ ...from, reverse, ...(limit === Infinity ? {} : { limit: limit + 1 }) })) {
    if (count === limit) {
      await emit(page);
      return item.height;
    }
    page.push(item);
    count++;
    if (page.length === PAGE) {
      await emit(page);
      page = [];
    }
  }
  await emit(page);
  return undefined;
}

async function listState(store: Store, name: string, options: LsOptions): Promise<void> {
  const state = await store.state(name, { create: false });
  if (options.json !== true) {
    await walkHeights(state, options, async (page) => {
      if (page.length > 0) await writeStdout(page.map((h) => `${h.height}\t${h.root}\n`).join(''));
    });
    return;
  }
  const heights: HeightItem[] = [];
  const next = await walkHeights(state, options, async (page) => {
    heights.push(...page);
  });
  await printJSON({ state: name, latest: state.latest ?? null, prunedBefore: state.prunedBefore, trees: state.treeNames, heights, next: next ?? null });
}

/** Registers `state` and its subcommands on the program. */
export function registerState(program: Command): void {
  const state = program
    .command('state')
    .description('versioned states: list heights, read and prove values, commit change sets, prune, check proofs (see keepr verify --state for audits)');
  state
    .command('ls')
    .description('list the states, or the committed heights of one state and their roots (oldest first)')
    .argument('[name]', 'list the heights of this state')
    .addOption(new Option('--from <h>', 'start at this height (with --reverse: end at it)').argParser(nonNegativeInt('--from')))
    .option('-n, --limit <n>', 'at most this many heights (default: all)', positiveInt('--limit'))
    .option('-r, --reverse', 'newest first')
    .option('--json', 'print { states } or { state, latest, prunedBefore, trees, heights: [{ height, root, changes }], next }')
    .addOption(dirOption())
    .action(async (name: string | undefined, options: LsOptions) => {
      if (name !== undefined) checkStateName(name);
      await withStore(
        options,
        async (store) => {
          if (name !== undefined) {
            await listState(store, name, options);
            return;
          }
          const states = await store.states();
          if (options.json === true) await printJSON({ states });
          else if (states.length > 0) await writeStdout(`${states.join('\n')}\n`);
        },
        true,
      );
    });
  registerStateGet(state);
  registerStateProve(state);
  state
    .command('commit')
    .description('apply a JSON change set as one height, all or nothing, and print the height and root (creates the state)')
    .argument('<name>', 'state name')
    .argument('[file]', 'change set file: a JSON array of { op, tree, key, value | block }; stdin when omitted or -')
    .addOption(new Option('-H, --height <h>', 're-apply the change set of this committed height (idempotent; a different set fails)').argParser(nonNegativeInt('--height')))
    .option('--json', 'print { state, height, root, trees, changes }')
    .addOption(dirOption())
    .action(async (name: string, file: string | undefined, options: CommitOptions) => {
      checkStateName(name);
      // The whole set is read and checked before the store is opened: a bad set writes nothing.
      const changes = changeSetFromJSON((await readInput(file)).toString('utf8'));
      const result = await withStore(options, async (store) => {
        // Re-applying a height needs that height, so it never creates the state (height 0 of a new one is just the next height).
        const state = await store.state(name, { create: options.height === undefined || options.height === 0 });
        return state.apply(changes, options.height === undefined ? {} : { height: options.height });
      });
      if (options.json === true) await printJSON({ state: name, height: result.height, root: result.rootHex, trees: result.trees, changes: result.changes });
      else await writeStdout(`${result.height}\t${result.rootHex}\n`);
    });
  state
    .command('prune')
    .description('forget the heights before a point; every height from it on stays readable and provable')
    .argument('<name>', 'state name')
    .addOption(new Option('--keep-last <n>', 'keep the last n heights').argParser(positiveInt('--keep-last')).conflicts('from'))
    .addOption(new Option('--from <h>', 'keep the heights from this one on').argParser(nonNegativeInt('--from')))
    .option('--json', 'print { state, prunedBefore, deleted }')
    .addOption(dirOption())
    .action(async (name: string, options: PruneOptions) => {
      checkStateName(name);
      if (options.keepLast === undefined && options.from === undefined) throw new KeeprError('ARGUMENT_INVALID', 'give --keep-last <n> or --from <h>');
      const report = await withStore(
        options,
        async (store) => (await store.state(name, { create: false })).prune(options.keepLast === undefined ? { from: options.from! } : { keepLast: options.keepLast }),
        true,
      );
      if (options.json === true) await printJSON({ state: name, ...report });
      else await writeStdout(`pruned ${name}: heights before ${report.prunedBefore} are gone (${report.deleted} records deleted)\n`);
    });
  registerStateVerify(state);
}
