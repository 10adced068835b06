/** The meta record of a state: its trees (name → id), last committed height and prune point. */
import type { WriteOp } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { META_KEY } from './state-records.js';

/** What the meta record holds. */
export interface StateMeta {
  /** Format version of the state records. */
  readonly version: 1;
  /** Last committed height; undefined before the first commit. */
  latest: number | undefined;
  /** Heights below this were pruned. */
  prunedBefore: number;
  /** Tree ids by name; ids are never reused. */
  trees: Record<string, number>;
}

/** The meta of a state that has never been written. */
export function emptyMeta(): StateMeta {
  return { version: 1, latest: undefined, prunedBefore: 0, trees: {} };
}

/** Decodes the meta record (undefined: a new state). */
export function readMeta(raw: Uint8Array | undefined): StateMeta {
  if (raw === undefined) return emptyMeta();
  try {
    const parsed = JSON.parse(Buffer.from(raw).toString('utf8')) as { version?: unknown; latest?: unknown; prunedBefore?: unknown; trees?: unknown };
    const trees: unknown = parsed.trees;
    if (parsed.version !== 1 || typeof parsed.prunedBefore !== 'number' || typeof trees !== 'object' || trees === null) throw new Error('shape');
    for (const id of Object.values(trees as Record<string, unknown>)) if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error('tree id');
    const latest = parsed.latest === null || parsed.latest === undefined ? undefined : Number(parsed.latest);
    return { version: 1, latest, prunedBefore: parsed.prunedBefore, trees: trees as Record<string, number> };
  } catch (err) {
    throw new KeeprError('STATE_CORRUPT', 'the state meta record does not decode', { cause: err, details: { record: 'meta' } });
  }
}

/** The write of a meta record. */
export function writeMeta(namespace: string, meta: StateMeta): WriteOp {
  const json = JSON.stringify({ version: meta.version, latest: meta.latest ?? null, prunedBefore: meta.prunedBefore, trees: meta.trees });
  return { type: 'put', namespace, key: META_KEY, value: Buffer.from(json, 'utf8') };
}
