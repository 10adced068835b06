import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { BlockCache, type BlockCacheOptions, type CachePolicy } from '../../src/keepr/block-cache.js';
import { codeOf } from '../helpers/error-code.js';
import { exactLruHitRate, replay, uniformTrace, zipfTrace } from './zipf.js';

const POLICIES: readonly CachePolicy[] = ['lru', 'lfu', 'hybrid'];

/** A bytes block whose content is `n` bytes (its byteLength adds the header). */
const sized = (n: number): Block => Block.file(new Uint8Array(n), 'application/octet-stream');
const key = (ns: string, k: string | number): string => `${ns}\u0000${k}`;

/** Records every onEvict call. */
function recorder(): { readonly calls: [string, Block, string][]; readonly onEvict: NonNullable<BlockCacheOptions['onEvict']> } {
  const calls: [string, Block, string][] = [];
  return { calls, onEvict: (k, b, reason) => calls.push([k, b, reason]) };
}

describe('BlockCache: API', () => {
  it('validates options and arguments', () => {
    expect(codeOf(() => new BlockCache({}))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 0 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 1.5 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxBytes: -1 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 10, samples: 0 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 10, samples: 65 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 10, policy: 'fifo' as CachePolicy }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 10, seed: 0.5 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxEntries: 10, lfuDecay: 0 }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new BlockCache({ maxBytes: 100, maxEntries: Infinity }))).toBeUndefined();
    const cache = new BlockCache({ maxEntries: 10 });
    expect(codeOf(() => cache.set(1 as unknown as string, sized(1)))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => cache.set('k', new Uint8Array(4) as unknown as Block))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => cache.clearPrefix(undefined as unknown as string))).toBe('ARGUMENT_INVALID');
  });

  it('gets, sets, replaces, deletes, and counts', () => {
    const cache = new BlockCache({ maxEntries: 10, maxBytes: 10_000 });
    const a = sized(10);
    const b = sized(20);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.set('a', a)).toBe(true);
    expect(cache.get('a')).toBe(a);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('b')).toBe(false);
    expect(cache.size).toBe(1);
    expect(cache.byteLength).toBe(a.byteLength);
    expect(cache.set('a', b)).toBe(true);
    expect(cache.get('a')).toBe(b);
    expect(cache.byteLength).toBe(b.byteLength);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.size).toBe(0);
    expect(cache.byteLength).toBe(0);
    expect(cache.stats()).toEqual({
      entries: 0,
      byteLength: 0,
      maxEntries: 10,
      maxBytes: 10_000,
      hits: 2,
      misses: 1,
      inserts: 1,
      updates: 1,
      evictions: 0,
      evictedBytes: 0,
      deletes: 1,
      rejected: 0,
    });
    cache.set('c', a);
    cache.resetStats();
    expect(cache.stats()).toMatchObject({ entries: 1, byteLength: a.byteLength, hits: 0, misses: 0, inserts: 0, deletes: 0 });
  });

  it('rejects a block larger than maxBytes, dropping any older block under its key', () => {
    const small = sized(10);
    const big = sized(1000);
    const cache = new BlockCache({ maxEntries: 10, maxBytes: small.byteLength * 3 });
    expect(cache.set('big', big)).toBe(false);
    expect(cache.has('big')).toBe(false);
    cache.set('k', small);
    cache.set('other', small);
    expect(cache.set('k', big)).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.get('other')).toBe(small);
    expect(cache.stats()).toMatchObject({ rejected: 2, deletes: 1, entries: 1, evictions: 0 });
  });

  it('clearPrefix drops one namespace and clear drops everything, neither calling onEvict', () => {
    const { calls, onEvict } = recorder();
    const cache = new BlockCache({ maxEntries: 100, onEvict });
    const block = sized(1);
    for (let i = 0; i < 20; i++) cache.set(key(i % 2 === 0 ? 'even' : 'odd', i), block);
    cache.set(key('evenish', 1), block);
    expect(cache.clearPrefix(key('even', ''))).toBe(10);
    expect(cache.size).toBe(11);
    expect(cache.has(key('evenish', 1))).toBe(true);
    expect(cache.has(key('even', 0))).toBe(false);
    expect(cache.has(key('odd', 1))).toBe(true);
    expect(cache.byteLength).toBe(11 * block.byteLength);
    expect(cache.clearPrefix('nothing')).toBe(0);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.byteLength).toBe(0);
    expect(cache.get(key('odd', 1))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ inserts: 21, deletes: 21, evictions: 0 });
    expect(calls).toEqual([]);
    // Still usable after clear.
    cache.set('again', block);
    expect(cache.get('again')).toBe(block);
  });
});

describe('BlockCache: eviction', () => {
  // With no more entries than samples every entry is a candidate, so eviction is exact.
  it('lru evicts the least recently used', () => {
    const { calls, onEvict } = recorder();
    const cache = new BlockCache({ maxEntries: 3, policy: 'lru', onEvict });
    const block = sized(1);
    for (const k of ['a', 'b', 'c']) cache.set(k, block);
    cache.get('a');
    cache.set('d', block);
    expect(calls).toEqual([['b', block, 'capacity']]);
    cache.get('c');
    cache.set('e', block);
    expect(calls.map(([k]) => k)).toEqual(['b', 'a']);
    expect(cache.stats()).toMatchObject({ evictions: 2, evictedBytes: 2 * block.byteLength, entries: 3 });
  });

  it('hybrid (LRU-2) evicts entries read once before entries read again, oldest first', () => {
    const { calls, onEvict } = recorder();
    const cache = new BlockCache({ maxEntries: 3, policy: 'hybrid', onEvict });
    const block = sized(1);
    for (const k of ['a', 'b', 'c']) cache.set(k, block);
    cache.get('a');
    cache.get('b');
    cache.set('d', block);
    expect(calls.map(([k]) => k)).toEqual(['c']);
    // d is the only entry seen once; a's access before its last is older than b's.
    cache.set('e', block);
    expect(calls.map(([k]) => k)).toEqual(['c', 'd']);
    cache.get('e');
    cache.set('f', block);
    expect(calls.map(([k]) => k)).toEqual(['c', 'd', 'a']);
  });

  it('lfu evicts the least frequently used', () => {
    const { calls, onEvict } = recorder();
    // Log factor 0 makes the counter exact (one step per access), so a few reads tell apart.
    const cache = new BlockCache({ maxEntries: 3, policy: 'lfu', lfuDecay: 1_000, lfuLogFactor: 0, onEvict });
    const block = sized(1);
    for (const k of ['a', 'b', 'c']) cache.set(k, block);
    for (let i = 0; i < 20; i++) cache.get('a');
    for (let i = 0; i < 5; i++) cache.get('c');
    cache.get('b');
    // b was read last but least often.
    cache.set('d', block);
    expect(calls.map(([k]) => k)).toEqual(['b']);
  });

  it('a byte limit evicts as many entries as it takes, never the one just set', () => {
    const { calls, onEvict } = recorder();
    const small = sized(100);
    const cache = new BlockCache({ maxBytes: small.byteLength * 4, policy: 'lru', onEvict });
    for (let i = 0; i < 4; i++) cache.set(`s${i}`, small);
    const large = sized(small.byteLength * 2);
    expect(cache.set('large', large)).toBe(true);
    expect(cache.has('large')).toBe(true);
    expect(calls.map(([k]) => k)).toEqual(['s0', 's1', 's2']);
    expect(cache.byteLength).toBeLessThanOrEqual(small.byteLength * 4);
    // Growing a cached entry in place evicts others, not itself.
    cache.get('s3');
    expect(cache.set('s3', sized(small.byteLength * 2))).toBe(true);
    expect(cache.has('s3')).toBe(true);
    expect(cache.has('large')).toBe(false);
  });

  it('a throwing onEvict still leaves the cache within its limits, then surfaces the error', () => {
    const cache = new BlockCache({
      maxEntries: 2,
      onEvict: () => {
        throw new Error('boom');
      },
    });
    const block = sized(1);
    cache.set('a', block);
    cache.set('b', block);
    expect(() => cache.set('c', block)).toThrow('boom');
    expect(cache.size).toBe(2);
    expect(cache.has('c')).toBe(true);
  });

  it('is deterministic for a given seed', () => {
    const run = (seed: number): string[] => {
      const { calls, onEvict } = recorder();
      const cache = new BlockCache({ maxEntries: 50, samples: 3, seed, onEvict });
      const block = sized(1);
      const trace = zipfTrace({ keys: 500, length: 5_000, seed: 7, s: 1 });
      replay(cache, trace, Array.from({ length: 500 }, (_, i) => `k${i}`), block);
      return calls.map(([k]) => k);
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});

type Op =
  | { readonly t: 'set'; readonly k: number; readonly b: number }
  | { readonly t: 'get'; readonly k: number }
  | { readonly t: 'delete'; readonly k: number }
  | { readonly t: 'prefix'; readonly ns: number }
  | { readonly t: 'clear' };

const NAMESPACES = ['a', 'b', 'ab'];
const keyOf = (k: number): string => key(NAMESPACES[k % NAMESPACES.length]!, k);
const PALETTE = [0, 1, 50, 200, 700, 3000].map(sized);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('set' as const), k: fc.nat(24), b: fc.nat(PALETTE.length - 1) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('get' as const), k: fc.nat(24) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), k: fc.nat(24) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('prefix' as const), ns: fc.nat(NAMESPACES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const) }) },
);

describe('BlockCache: properties', () => {
  it('holds both limits after every operation, never serves a stale block, and keeps its counters consistent', () => {
    fc.assert(
      fc.property(
        fc.record({
          maxEntries: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(Infinity)),
          maxBytes: fc.integer({ min: 100, max: 6_000 }),
          samples: fc.integer({ min: 1, max: 10 }),
          policy: fc.constantFrom(...POLICIES),
          seed: fc.integer(),
        }),
        fc.array(opArb, { maxLength: 300 }),
        (options, ops) => {
          // Exactly what the cache must hold: the block last set under each key not deleted,
          // cleared or evicted since.
          const model = new Map<string, Block>();
          let evictions = 0;
          let evictedBytes = 0;
          const cache = new BlockCache({
            ...options,
            onEvict: (k, b, reason) => {
              expect(reason).toBe('capacity');
              expect(cache.has(k)).toBe(false);
              expect(b).toBe(model.get(k));
              model.delete(k);
              evictions++;
              evictedBytes += b.byteLength;
            },
          });
          let gets = 0;
          for (const op of ops) {
            switch (op.t) {
              case 'set': {
                const k = keyOf(op.k);
                const block = PALETTE[op.b]!;
                model.delete(k);
                const cached = cache.set(k, block);
                expect(cached).toBe(block.byteLength <= options.maxBytes);
                if (cached) model.set(k, block);
                break;
              }
              case 'get':
                gets++;
                expect(cache.get(keyOf(op.k))).toBe(model.get(keyOf(op.k)));
                break;
              case 'delete':
                expect(cache.delete(keyOf(op.k))).toBe(model.delete(keyOf(op.k)));
                break;
              case 'prefix': {
                const prefix = key(NAMESPACES[op.ns]!, '');
                let dropped = 0;
                for (const k of [...model.keys()]) if (k.startsWith(prefix) && model.delete(k)) dropped++;
                expect(cache.clearPrefix(prefix)).toBe(dropped);
                break;
              }
              case 'clear':
                cache.clear();
                model.clear();
                break;
            }
            let bytes = 0;
            for (const [k, block] of model) {
              expect(cache.has(k)).toBe(true);
              bytes += block.byteLength;
            }
            expect(cache.size).toBe(model.size);
            expect(cache.byteLength).toBe(bytes);
            expect(cache.size).toBeLessThanOrEqual(options.maxEntries);
            expect(cache.byteLength).toBeLessThanOrEqual(options.maxBytes);
            const s = cache.stats();
            expect(s.hits + s.misses).toBe(gets);
            expect(s.inserts - s.evictions - s.deletes).toBe(s.entries);
            expect(s.evictions).toBe(evictions);
            expect(s.evictedBytes).toBe(evictedBytes);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('BlockCache: hit rate against exact LRU', () => {
  const KEYS = 100_000;
  const keys = Array.from({ length: KEYS }, (_, i) => key('source', i));
  // Equal sizes and an entry limit only: one shared block is enough.
  const block = sized(16);

  /** Hit rates of exact LRU and each sampled policy over `trace`, for a cache of `fraction` of the keys. */
  function compare(label: string, trace: Uint32Array, fraction: number): { exact: number } & Record<CachePolicy, number> {
    const capacity = Math.round(KEYS * fraction);
    const exact = exactLruHitRate(trace, KEYS, capacity);
    const rates = { exact } as { exact: number } & Record<CachePolicy, number>;
    for (const policy of POLICIES) {
      const cache = new BlockCache({ maxEntries: capacity, policy });
      rates[policy] = replay(cache, trace, keys, block);
      const s = cache.stats();
      expect(s.hits + s.misses).toBe(trace.length);
      expect(s.hits / trace.length).toBe(rates[policy]);
      expect(s.entries).toBe(capacity);
    }
    const pct = Math.round(fraction * 100);
    console.info(
      `${label} cache=${pct}%: sampled-lru ${rates.lru.toFixed(3)}, exact LRU ${exact.toFixed(3)}, lfu ${rates.lfu.toFixed(3)}, hybrid (LRU-2) ${rates.hybrid.toFixed(3)}`,
    );
    return rates;
  }

  it('on a Zipf(0.99) trace every policy is at least as good as exact LRU, within 0.05', () => {
    const trace = zipfTrace({ keys: KEYS, length: 1_000_000, s: 0.99, seed: 42 });
    for (const fraction of [0.05, 0.2]) {
      const rates = compare('zipf s=0.99', trace, fraction);
      for (const policy of POLICIES) expect(rates[policy]).toBeGreaterThanOrEqual(rates.exact - 0.05);
      // Sampling with a pool tracks the policy it approximates closely.
      expect(Math.abs(rates.lru - rates.exact)).toBeLessThan(0.02);
    }
  });

  it('on a uniform trace (the control) every policy hits about capacity / keys', () => {
    const trace = uniformTrace({ keys: KEYS, length: 300_000, seed: 43 });
    for (const fraction of [0.05, 0.2]) {
      const rates = compare('uniform', trace, fraction);
      for (const rate of Object.values(rates)) expect(Math.abs(rate - fraction)).toBeLessThan(0.03);
    }
  });
});
