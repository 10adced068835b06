/**
 * `keepr verify`: checks the structure of the store's files before anything opens them, checks
 * every stored block's bytes and integrity hash and names the bad ones, and audits versioned
 * states (every hash recomputed from the stored nodes and values).
 */
import { Block } from '../../block/index.js';
import type { EngineFiles, FileCheckReport } from '../../engine/engine-files.js';
import { KeeprError, isKeeprError } from '../../errors.js';
import { SOURCE_NAMESPACE_PREFIX } from '../../keepr/dump-format.js';
import { keyLabel, storeItems } from '../../keepr/index.js';
import { type Store } from '../../store/index.js';
import { STATE_NS, auditState, type AuditProblem, type AuditReport } from '../../state/index.js';
import type { StateContext } from '../../state/state-view.js';
import { storeFiles } from './store-engine.js';

/** The structural check of the store's files before anything opens them (undefined when there are none). */
export function checkDataFile(dir: string, files: EngineFiles = storeFiles): Promise<FileCheckReport | undefined> {
  return files.check(dir);
}

/** The text lines of a file check: one `BAD` line per problem, then a summary. */
export function fileLines(report: FileCheckReport, files: EngineFiles = storeFiles): string {
  return files.describeCheck(report);
}

/** The error for a damaged data file, naming its first problem. */
export function damagedFileError(report: FileCheckReport, files: EngineFiles = storeFiles): KeeprError {
  const first = report.problems[0]!;
  const moving = report.stable ? '' : '; the file changed while it was read (another process writes it), so verify again when it is idle';
  return new KeeprError('STORE_CORRUPT', `${files.dataFile} is damaged (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}; the first: ${first.page === undefined ? '' : `page ${first.page}: `}${first.kind}: ${first.message}): the store was not opened${moving}`, {
    details: { file: files.dataFile, problems: report.problems.length, kind: first.kind, ...(first.page === undefined ? {} : { page: first.page }) },
  });
}

/** A block that failed its check. */
export interface BadBlock {
  readonly source: string;
  readonly key: string;
  /** Why: the decoder's reason (`hash mismatch`, a layout rule...). */
  readonly reason: string;
}

/** What {@link verifyStore} found. */
export interface VerifyReport {
  readonly sources: number;
  readonly blocks: number;
  readonly byteLength: number;
  readonly bad: readonly BadBlock[];
}

/** Options of {@link verifyStore}. */
export interface VerifyOptions {
  /** Only these sources (each must exist). */
  readonly sources?: readonly string[];
  /** Called after each block with the running counts. */
  readonly onBlock?: (blocks: number, bytes: number) => void;
}

/**
 * Decodes every block of the store from one snapshot with full validation (layout and SHA-256
 * integrity hash) and reports each one that fails, without stopping at the first.
 */
export async function verifyStore(store: Store, options: VerifyOptions = {}): Promise<VerifyReport> {
  let sources = 0;
  let blocks = 0;
  let bytes = 0;
  const bad: BadBlock[] = await badRecords(store, options.sources);
  try {
    for await (const item of storeItems(store, options.sources === undefined ? { namespaces: false } : { sources: options.sources })) {
      if (item.kind === 'source') sources++;
      if (item.kind !== 'bytes') continue;
      blocks++;
      bytes += item.bytes.length;
      try {
        Block.decode(item.bytes);
      } catch (err) {
        const details = (err as { details?: { reason?: unknown } }).details;
        const reason = typeof details?.reason === 'string' ? details.reason : err instanceof Error ? err.message : String(err);
        bad.push({ source: item.source, key: keyLabel(item.key), reason });
      }
      options.onBlock?.(blocks, bytes);
    }
  } catch (err) {
    // A record without its header cannot be read at all: the record check named it already.
    if (!(isKeeprError(err, 'STORE_CORRUPT') && bad.length > 0)) throw err;
  }
  return { sources, blocks, byteLength: bytes, bad };
}

/**
 * Records of the chosen sources (all namespaces when none are chosen) whose key and value no
 * longer belong together, from the engine's record check.
 */
async function badRecords(store: Store, only: readonly string[] | undefined): Promise<BadBlock[]> {
  const wanted = only === undefined ? undefined : new Set(only.map((name) => SOURCE_NAMESPACE_PREFIX + name));
  return (await store.engine.checkRecords()).bad.filter((r) => wanted === undefined || (r.namespace !== undefined && wanted.has(r.namespace)))
    .map((r) => ({
      source: r.namespace === undefined ? '(no namespace)' : r.namespace.startsWith(SOURCE_NAMESPACE_PREFIX) ? r.namespace.slice(SOURCE_NAMESPACE_PREFIX.length) : `(${r.namespace})`,
      key: keyLabel(r.key),
      reason: r.reason,
    }));
}

/** What the audit of one state found. */
export interface StateAuditReport extends AuditReport {
  readonly state: string;
}

/**
 * Audits the named states (each must exist, else `STATE_NOT_FOUND` before any is audited),
 * reporting every problem rather than stopping at the first.
 */
export async function auditStates(store: Store, names: readonly string[]): Promise<StateAuditReport[]> {
  for (const name of names) {
    if (!(await store.hasState(name))) throw new KeeprError('STATE_NOT_FOUND', `state ${JSON.stringify(name)} does not exist`, { details: { state: name } });
  }
  const reports: StateAuditReport[] = [];
  for (const name of names) {
    // The audit reads only the engine and namespace. It gets them directly, not through
    // store.state(), because opening a state decodes its meta record, and a damaged meta record
    // is a finding to report, not an error to stop at.
    const ctx: StateContext = { engine: store.engine, namespace: STATE_NS + name, prunedBefore: 0, treeId: () => undefined, treeNames: () => new Map() };
    reports.push({ state: name, ...(await auditState(ctx)) });
  }
  return reports;
}

/** One audit problem as a `BAD` line: `BAD <tab> state:<name> <tab> height=… tree=… key=… suspects=… <tab> problem`. */
export function formatProblem(state: string, p: AuditProblem): string {
  const where = [
    p.height === undefined ? undefined : `height=${p.height}`,
    p.tree === undefined ? undefined : `tree=${p.tree}`,
    p.key === undefined ? undefined : `key=${p.key}`,
    p.keyPath === undefined ? undefined : `keyPath=${p.keyPath}`,
    p.node === undefined ? undefined : `node=${p.node.level}/${p.node.index}`,
    p.record === undefined ? undefined : `record=${p.record}`,
    p.suspects === undefined || p.suspects.length === 0 ? undefined : `suspects=${p.suspects.map((x) => x.key ?? `keyPath:${x.keyPath}`).join(',')}`,
  ].filter((part) => part !== undefined);
  return `BAD\tstate:${state}\t${where.length === 0 ? '-' : where.join(' ')}\t${p.problem}`;
}
