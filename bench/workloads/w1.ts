/**
 * W1 point reads: `w1Keys` keys (16 bytes) with 1 KiB values, loaded by the prepare step in a
 * process of its own, then `w1Gets` uniformly random gets, one at a time. Latency is sampled on every 64th get (timing each would distort a
 * microsecond operation). Answers: every get must hit, and a spread sample of keys is read
 * back byte for byte after the timed loop.
 */
import { createAdapter } from '../engines/index.js';
import type { Reader } from '../engines/types.js';
import { PAYLOAD_BYTES, Rng, VALUE_BYTES, keyOf, verifyValue } from '../lib/data.js';
import { Latencies, nowUs } from '../lib/stats.js';
import { prepareKeys } from './load.js';
import { PG_GROUP } from '../lib/postgres-goals.js';
import { parseContender, type CaseContext, type CaseResult, type WorkloadDef } from './types.js';

const SAMPLE_MASK = 63;
const MEMORY_MASK = 16383;
const VERIFY_SAMPLE = 20_000;

interface Timed {
  readonly seconds: number;
  readonly bytes: number;
  readonly missing: number;
}

function timedSync(get: (key: string) => Uint8Array | undefined, keys: readonly string[], order: Uint32Array, lat: Latencies | undefined, ctx: CaseContext): Timed {
  let bytes = 0;
  let missing = 0;
  const started = nowUs();
  for (let i = 0; i < order.length; i++) {
    const key = keys[order[i]!]!;
    if (lat !== undefined && (i & SAMPLE_MASK) === 0) {
      const t = nowUs();
      const value = get(key);
      lat.add(nowUs() - t);
      if (value === undefined) missing++;
      else bytes += value.length;
      if ((i & MEMORY_MASK) === 0) ctx.mem.sample();
    } else {
      const value = get(key);
      if (value === undefined) missing++;
      else bytes += value.length;
    }
  }
  return { seconds: (nowUs() - started) / 1e6, bytes, missing };
}

async function timedAsync(get: (key: string) => Promise<Uint8Array | undefined>, keys: readonly string[], order: Uint32Array, lat: Latencies | undefined, ctx: CaseContext): Promise<Timed> {
  let bytes = 0;
  let missing = 0;
  const started = nowUs();
  for (let i = 0; i < order.length; i++) {
    const key = keys[order[i]!]!;
    if (lat !== undefined && (i & SAMPLE_MASK) === 0) {
      const t = nowUs();
      const value = await get(key);
      lat.add(nowUs() - t);
      if (value === undefined) missing++;
      else bytes += value.length;
      if ((i & MEMORY_MASK) === 0) ctx.mem.sample();
    } else {
      const value = await get(key);
      if (value === undefined) missing++;
      else bytes += value.length;
    }
  }
  return { seconds: (nowUs() - started) / 1e6, bytes, missing };
}

function timed(reader: Reader, keys: readonly string[], order: Uint32Array, lat: Latencies | undefined, ctx: CaseContext): Promise<Timed> {
  return reader.kind === 'sync' ? Promise.resolve(timedSync(reader.get, keys, order, lat, ctx)) : timedAsync(reader.get, keys, order, lat, ctx);
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { family, method } = parseContender(contender);
  const { w1Keys: count, w1Gets: gets } = ctx.sizes;
  const adapter = createAdapter(family);
  await adapter.open(ctx.dir);
  try {
    const reader = adapter.reader(method);
    const keys = Array.from({ length: count }, (_, i) => keyOf(i));
    const rng = new Rng(ctx.seed ^ 0x5eed01);
    const order = Uint32Array.from({ length: gets }, () => rng.below(count));
    ctx.mem.sample();

    // Warm-up (JIT, page mapping) on a prefix of the same sequence, then the timed run.
    await timed(reader, keys, order.subarray(0, Math.min(gets, 20_000)), undefined, ctx);
    const touchedBefore = adapter.touched;
    const lat = new Latencies(gets / (SAMPLE_MASK + 1) + 1);
    const run = await timed(reader, keys, order, lat, ctx);
    const touched = adapter.touched - touchedBefore;
    ctx.mem.freeze();

    if (run.missing > 0) throw new Error(`${contender}: ${run.missing} of ${gets} gets found nothing`);
    if (run.bytes !== gets * VALUE_BYTES) throw new Error(`${contender}: read ${run.bytes} bytes, expected ${gets * VALUE_BYTES}`);
    const perGet = family.startsWith('keepr') ? PAYLOAD_BYTES : VALUE_BYTES;
    if (touched !== gets * perGet) throw new Error(`${contender}: touched ${touched} payload bytes, expected ${gets * perGet}`);
    const step = Math.max(1, Math.floor(count / VERIFY_SAMPLE));
    let checked = 0;
    for (let i = 0; i < count; i += step) {
      const value = reader.kind === 'sync' ? reader.get(keys[i]!) : await reader.get(keys[i]!);
      verifyValue(ctx.seed, i, value, contender);
      checked++;
    }
    return {
      ops: gets,
      seconds: run.seconds,
      ...lat.summary(),
      keys: count,
      verified: `all ${gets} gets hit with ${VALUE_BYTES}-byte values${family.startsWith('keepr') ? ` (block.data() of ${PAYLOAD_BYTES} bytes each)` : ''}; ${checked} keys read back byte for byte`,
    };
  } finally {
    await adapter.close();
  }
}

export const w1: WorkloadDef = {
  id: 'w1',
  title: 'W1 point reads: uniformly random gets of 1 KiB values',
  contenders: () => [
    { id: 'keepr.getSync', peers: [], primary: true },
    { id: 'keepr.getSyncBorrow', peers: [] },
    { id: 'keepr.get', peers: [] },
    { id: 'lmdb.getBinary', peers: [] },
    { id: 'lmdb.getBinaryFast', peers: [] },
    { id: 'keepr-level.get', peers: [] },
    { id: 'level.getSync', peers: ['classic-level'] },
    { id: 'sqlite.get', peers: ['better-sqlite3'] },
    { id: 'keepr-pg.get', peers: [], group: PG_GROUP, primary: true, postgres: true },
    { id: 'pg.get', peers: [], group: PG_GROUP, postgres: true },
  ],
  prepare: (family, ctx) => prepareKeys(family, ctx.sizes.w1Keys, ctx),
  run,
};
