/** The meta record of a state: its trees (name → id), last committed height and prune point. */
import type { WriteOp } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { META_KEY } from './state-records.js';

/** What the meta record holds. */
export interface StateMeta {
  /** Format version of the state records. */
  readonly version: 2;
  /** Last committed height; undefined before the first commit. */
  latest: number | undefined;
  /** Heights below this were pruned. */
  prunedBefore: number;
  /** Tree ids by name; ids are never reused. */
  trees: Record<string, number>;
}

/** The meta of a state that has never been written. */
export function emptyMeta(): StateMeta {
  return { version: 2, latest: undefined, prunedBefore: 0, trees: {} };
}

/** Decodes the meta record (undefined: a new state). */
export function readMeta(raw: Uint8Array | undefined): StateMeta {
  if (raw === undefined) return emptyMeta();
  try {
    const parsed = JSON.parse(Buffer.from(raw).toString('utf8')) as Record<string, unknown>;
    // Version 1 (keepr 0.1) hashed key paths untagged: its entries and roots do not fit 0.2.0.
    if (parsed['version'] === 1) throw new KeeprError('STATE_CORRUPT', 'the state was written by keepr 0.1 (format 1), whose key paths and roots 0.2.0 no longer computes: rebuild it from its values', { details: { record: 'meta', version: 1 } });
    // Strict shape: a damaged record must not decode into a plausible but different meta.
    if (Object.keys(parsed).sort().join() !== 'latest,prunedBefore,trees,version' || parsed['version'] !== 2) throw new Error('shape');
    const { latest, prunedBefore, trees } = parsed;
    if (latest !== null && !isHeight(latest)) throw new Error('latest');
    if (!isHeight(prunedBefore) || (latest === null ? prunedBefore !== 0 : prunedBefore > latest)) throw new Error('prunedBefore');
    if (typeof trees !== 'object' || trees === null || Array.isArray(trees)) throw new Error('trees');
    const ids = Object.values(trees as Record<string, unknown>);
    if (ids.some((id) => !Number.isInteger(id) || (id as number) < 1 || (id as number) > 0xffff) || new Set(ids).size !== ids.length) throw new Error('tree id');
    return { version: 2, latest: latest === null ? undefined : latest, prunedBefore, trees: trees as Record<string, number> };
  } catch (err) {
    if (err instanceof KeeprError) throw err;
    throw new KeeprError('STATE_CORRUPT', 'the state meta record does not decode', { cause: err, details: { record: 'meta' } });
  }
}

function isHeight(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff;
}

/** The write of a meta record. */
export function writeMeta(namespace: string, meta: StateMeta): WriteOp {
  const json = JSON.stringify({ version: meta.version, latest: meta.latest ?? null, prunedBefore: meta.prunedBefore, trees: meta.trees });
  return { op: 'put', namespace, key: META_KEY, value: Buffer.from(json, 'utf8') };
}
