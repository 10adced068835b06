/** Workload sizes: the SPEC's defaults, the `--quick` smoke sizes, and scaling. */
import type { Sizes } from '../workloads/types.js';

/** The SPEC's sizes; the whole run takes a few minutes on 2 cores. */
export const DEFAULT_SIZES: Sizes = {
  w0Ops: 2000,
  w0MaxSeconds: 3,
  w1Keys: 200_000,
  w1Gets: 500_000,
  w2Entries: 200_000,
  w2Batch: 1000,
  w3Puts: 2000,
  w4Keys: 100_000,
  w5Keys: 100_000,
  w5Heights: 20,
  w5Updates: 2000,
  w5Reads: 1000,
  w5Proofs: 1000,
  w6Seconds: 5,
  w6WarmupSeconds: 1,
  w6Connections: 10,
  wcLargeBlocks: 2000,
  wcSmallBlocks: 20_000,
  wcBatch: 100,
  wcReads: 20_000,
  w8Keys: 20_000,
  w8Clients: 20,
  w8Seconds: 10,
  w8WarmupSeconds: 2,
  w7Points: 10_000_000,
  w7Append: 100_000,
  w7GeneratedPoints: 100_000,
  w7RealPoints: 0,
  w7Queries: 20,
  w7Downsamples: 3,
  loadBatch: 10_000,
};

/** `--quick`: about a minute in all, for a smoke run. */
export const QUICK_SIZES: Sizes = {
  w0Ops: 300,
  w0MaxSeconds: 1,
  w1Keys: 20_000,
  w1Gets: 50_000,
  w2Entries: 20_000,
  w2Batch: 1000,
  w3Puts: 200,
  w4Keys: 20_000,
  w5Keys: 10_000,
  w5Heights: 5,
  w5Updates: 500,
  w5Reads: 200,
  w5Proofs: 200,
  w6Seconds: 2,
  w6WarmupSeconds: 0.5,
  w6Connections: 10,
  wcLargeBlocks: 200,
  wcSmallBlocks: 2000,
  wcBatch: 100,
  wcReads: 5000,
  w8Keys: 2000,
  w8Clients: 20,
  w8Seconds: 2,
  w8WarmupSeconds: 0.5,
  w7Points: 200_000,
  w7Append: 100_000,
  w7GeneratedPoints: 20_000,
  w7RealPoints: 5000,
  w7Queries: 5,
  w7Downsamples: 2,
  loadBatch: 5000,
};

/** Counts of `sizes` times `factor` (at least one batch / ten items; batch sizes, durations, repeat counts and W5's height count kept). */
export function scaleSizes(sizes: Sizes, factor: number): Sizes {
  if (factor === 1) return sizes;
  const n = (value: number, min: number): number => Math.max(min, Math.round(value * factor));
  return {
    ...sizes,
    w0Ops: n(sizes.w0Ops, 10),
    w1Keys: n(sizes.w1Keys, 100),
    w1Gets: n(sizes.w1Gets, 100),
    w2Entries: n(sizes.w2Entries, sizes.w2Batch),
    w3Puts: n(sizes.w3Puts, 20),
    w4Keys: n(sizes.w4Keys, 100),
    w5Keys: n(sizes.w5Keys, 100),
    w5Updates: n(sizes.w5Updates, 10),
    w5Reads: n(sizes.w5Reads, 10),
    w5Proofs: n(sizes.w5Proofs, 10),
    wcLargeBlocks: n(sizes.wcLargeBlocks, 10),
    wcSmallBlocks: n(sizes.wcSmallBlocks, 10),
    wcReads: n(sizes.wcReads, 100),
    w8Keys: n(sizes.w8Keys, 100),
    w7Points: n(sizes.w7Points, 1000),
    w7Append: n(sizes.w7Append, 100),
    w7GeneratedPoints: n(sizes.w7GeneratedPoints, 100),
    w7RealPoints: sizes.w7RealPoints === 0 ? 0 : n(sizes.w7RealPoints, 100),
  };
}

/** What the driver hands a contender's process (as one JSON argument). */
export interface ChildConfig {
  /** Directory under which the contender makes its own data directory. */
  readonly baseDir: string;
  readonly sizes: Sizes;
  readonly seed: number;
  readonly phase?: string;
  /** Prepared data to run on (left in place), instead of a fresh directory of its own. */
  readonly dataDir?: string;
}

/** The fixed seed of all bench data. */
export const DEFAULT_SEED = 20240501;
