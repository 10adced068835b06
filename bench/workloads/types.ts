/** What a workload is: its contenders and how one contender runs inside its own process. */
import type { MemorySampler } from '../lib/memory.js';
import type { PeerPackage } from '../lib/peers.js';
import type { ResultRow } from '../lib/result.js';

/** Sizes of every workload (the defaults are the SPEC's; `--quick` shrinks them). */
export interface Sizes {
  readonly w0Ops: number;
  readonly w0MaxSeconds: number;
  readonly w1Keys: number;
  readonly w1Gets: number;
  readonly w2Entries: number;
  readonly w2Batch: number;
  readonly w3Puts: number;
  readonly w4Keys: number;
  /** W5: keys loaded into the state (height 0). */
  readonly w5Keys: number;
  /** W5: heights committed after the load, each of `w5Updates` random updates. */
  readonly w5Heights: number;
  readonly w5Updates: number;
  /** W5: timed reads of a random key at a random old height. */
  readonly w5Reads: number;
  /** W5: proofs generated and verified (random key, random old height). */
  readonly w5Proofs: number;
  readonly w6Seconds: number;
  readonly w6WarmupSeconds: number;
  readonly w6Connections: number;
  /** WC: blocks of 64 KiB in each large data set (compressible, incompressible). */
  readonly wcLargeBlocks: number;
  /** WC: blocks of 4 KiB in the small data set. */
  readonly wcSmallBlocks: number;
  /** WC: blocks per durable `Source.write` batch. */
  readonly wcBatch: number;
  /** WC: random `getSync` reads per data set (after the writes). */
  readonly wcReads: number;
  /** W8: keys preloaded, which the clients read and overwrite. */
  readonly w8Keys: number;
  /** W8: concurrent HTTP clients. */
  readonly w8Clients: number;
  /** W8: timed seconds per server count. */
  readonly w8Seconds: number;
  /** W8: warm-up seconds before each timed phase. */
  readonly w8WarmupSeconds: number;
  /** W7: (time, float64) points appended through the store, then queried and downsampled. */
  readonly w7Points: number;
  /** W7: points per `append` call. */
  readonly w7Append: number;
  /** W7: points of each generated series of the compression table. */
  readonly w7GeneratedPoints: number;
  /** W7: at most this many points of each real series in the compression table (0: all). */
  readonly w7RealPoints: number;
  /** W7: timed 1% range queries (embedded and over HTTP). */
  readonly w7Queries: number;
  /** W7: timed M4 downsamples of all the points. */
  readonly w7Downsamples: number;
  /** Entries per transaction when loading data that a workload then reads. */
  readonly loadBatch: number;
}

/** Everything a contender's run gets. */
export interface CaseContext {
  /** An empty directory of its own, or its family's prepared data (see {@link WorkloadDef.prepare}). */
  readonly dir: string;
  readonly sizes: Sizes;
  readonly seed: number;
  readonly mem: MemorySampler;
  /** W0: `start` or `end` of the run. */
  readonly phase: string | undefined;
}

/** What a run reports besides memory: `ops` in `seconds`, and any extra facts. */
export interface CaseResult {
  readonly ops: number;
  readonly seconds: number;
  readonly p50Us?: number;
  readonly p99Us?: number;
  /** How the answers were checked. */
  readonly verified: string;
  readonly [extra: string]: unknown;
}

/** One contender of a workload. */
export interface ContenderDef {
  /** `family.method` (plus `:variant`), e.g. `keepr.getSync`, `lmdb.put:10`. */
  readonly id: string;
  /** Peer packages it needs from bench/node_modules. */
  readonly peers: readonly PeerPackage[];
  /** Rows are compared within a group (W3: the writer count). */
  readonly group?: string;
  /** The keepr row that ratios are taken from within its group. */
  readonly primary?: boolean;
  /** Needs a PostgreSQL server (the driver starts one, or skips the contender without). */
  readonly postgres?: boolean;
}

/** A workload. */
export interface WorkloadDef {
  readonly id: string;
  readonly title: string;
  contenders(sizes: Sizes): readonly ContenderDef[];
  /**
   * Writes the data the contenders of one family then read, into `ctx.dir`, in a process of its
   * own (contender id `<family>.prepare`), so the readers' memory peaks are the reads' alone.
   */
  prepare?(family: string, ctx: CaseContext): Promise<PrepareResult>;
  /** Runs a contender; with `prepare`, `ctx.dir` holds its family's prepared data. */
  run(contender: string, ctx: CaseContext): Promise<CaseResult>;
  /**
   * The workload's own report (table and notes) in place of the driver's generic table, from
   * its rows of the run; `json` goes to the results file under `reports.<id>`.
   */
  report?(rows: readonly ResultRow[]): WorkloadReport;
}

/** What a workload's own report prints (`lines`) and adds to the results file (`json`). */
export interface WorkloadReport {
  readonly lines: readonly string[];
  readonly json?: Record<string, unknown>;
}

/** What a prepare step reports. */
export interface PrepareResult {
  readonly entries: number;
  readonly loadSeconds: number;
}

/** `family.method:variant` → its parts. */
export function parseContender(id: string): { family: string; method: string; variant: string | undefined } {
  const [name = '', variant] = id.split(':');
  const dot = name.indexOf('.');
  if (dot < 1) throw new Error(`bad contender id ${JSON.stringify(id)}`);
  return { family: name.slice(0, dot), method: name.slice(dot + 1), variant };
}
