/**
 * Block decoder fuzzer: a million cases (or FUZZ_CASES) of random, truncated, mutated and
 * header-edited buffers. Each must decode to a valid block (whose every accessor then works)
 * or fail with BLOCK_MALFORMED; anything else is a bug and stops the run with exit code 1.
 *   npm run fuzz               # 1,000,000 cases
 *   FUZZ_CASES=50000 FUZZ_SEED=7 npm run fuzz
 */
import fc from 'fast-check';
import { Block } from '../src/block/index.js';
import { isKeeprError } from '../src/errors.js';
import { blockArb, touchEverything } from '../test/block/arbitraries.js';

const total = Number(process.env['FUZZ_CASES'] ?? 1_000_000);
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);

// A small deterministic PRNG (mulberry32) so a failing run can be replayed from its seed.
let state = seed >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const int = (n: number): number => Math.floor(rand() * n);

const pool = fc.sample(blockArb, { numRuns: 2000, seed }).map((b) => b.bytes);
const edges = [0, 1, 2, 3, 4, 7, 8, 16, 96, 255, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];

function mutate(kind: number): Uint8Array {
  const base = pool[int(pool.length)]!;
  switch (kind) {
    case 0: {
      const out = new Uint8Array(int(300));
      for (let i = 0; i < out.length; i++) out[i] = int(256);
      return out;
    }
    case 1:
      return base.slice(0, int(base.length));
    case 2: {
      const out = base.slice();
      for (let n = 1 + int(4); n > 0; n--) out[int(out.length)] = int(256);
      return out;
    }
    default: {
      const out = base.slice();
      const view = new DataView(out.buffer);
      const field = 4 + 4 * int(15);
      view.setUint32(field, ((edges[int(edges.length)]! + int(17) - 8) >>> 0), true);
      return out;
    }
  }
}

const counts = { accepted: 0, malformed: 0 };
const started = performance.now();
for (let i = 0; i < total; i++) {
  const bytes = mutate(i % 4);
  const verifyHash = i % 8 !== 3 && i % 4 === 0;
  let block: Block;
  try {
    block = Block.decode(bytes, { verifyHash });
  } catch (err) {
    if (isKeeprError(err, 'BLOCK_MALFORMED')) {
      counts.malformed++;
      continue;
    }
    console.error(`case ${i} (seed ${seed}): decode threw something other than BLOCK_MALFORMED`, err);
    console.error(Buffer.from(bytes).toString('hex'));
    process.exit(1);
  }
  try {
    touchEverything(block);
  } catch (err) {
    console.error(`case ${i} (seed ${seed}): an accepted block failed on access`, err);
    console.error(Buffer.from(bytes).toString('hex'));
    process.exit(1);
  }
  counts.accepted++;
  if ((i + 1) % 100_000 === 0) console.log(`${i + 1} cases, ${counts.malformed} malformed, ${counts.accepted} accepted`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`fuzz ok: ${total} cases in ${seconds.toFixed(1)} s (seed ${seed}): ${counts.malformed} BLOCK_MALFORMED, ${counts.accepted} valid blocks`);
