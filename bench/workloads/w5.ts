/**
 * W5 versioned state: keepr's `store.state()` beside `@ethereumjs/mpt` 10 on LevelDB (classic-level).
 *
 * Same data for both, from the seed: key i is SHA-256(seed u32 BE ‖ i u32 BE) (32 bytes, already
 * a hash, so mpt is created with `useKeyHashing: false`; keepr hashes every key into its key path
 * anyway, that is its design); the value of key i written at height h is 100 bytes from a
 * xorshift PRNG seeded by (seed, i, h). Height 0 is the load of `w5Keys` keys (setup: its time is
 * reported apart); then `w5Heights` heights of `w5Updates` updates each, keys drawn uniformly by
 * one seeded PRNG, each height's keys and values built before its timer starts. Timed: the
 * updates and the commit of every height (updates/s counts the updates issued, duplicates within
 * a height included). Then `w5Reads` reads of a random key at a random old height (0 to latest -
 * 1), each timed, and `w5Proofs` proofs (random key, random old height): generation and
 * verification each timed, proof bytes averaged.
 *
 * Answers: the bench records which heights wrote each key, so every read and every proof is
 * checked against the value in force at its height (a wrong value or a proof that does not verify
 * fails the contender); the first proofs are also flipped one byte and must then fail.
 *
 * Disk: keepr's `keepr.mdb` after `store.close()`, and the live bytes LMDB uses ((leaf + branch
 * + overflow pages) × page size from `store.stats()`, taken before closing: the file also holds
 * free pages that later writes reuse); mpt's LevelDB folder after closing. The baseline is a
 * full copy of the state at every height: (heights + 1) × keys × (32 + 100) bytes.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LMDB_FILE_NAME } from '../../src/engine/lmdb/lmdb-engine-config.js';
import { open, type Store } from '../../src/index.js';
import { decodeProof, verifyProof } from '../../src/state/index.js';
import { Rng, mix32, sameBytes } from '../lib/data.js';
import { int, micros, rate, ratio, table } from '../lib/format.js';
import { loadClassicLevel, loadMpt, type ClassicLevelBatchOp, type ClassicLevelDb, type MptBatchOp, type MptDb, type MptModule, type MptTrie } from '../lib/peers.js';
import { measured, type ResultRow } from '../lib/result.js';
import { Latencies, nowUs, round } from '../lib/stats.js';
import { keeprPgState } from './w5-pg.js';
import { parseContender, type CaseContext, type CaseResult, type ContenderDef, type Sizes, type WorkloadDef, type WorkloadReport } from './types.js';

const MiB = 1024 * 1024;
const W5_KEY_BYTES = 32;
const W5_VALUE_BYTES = 100;
/** keepr: the state's name and its one tree. */
const STATE_NAME = 'w5';
const TREE = 'kv';
/** mpt: LRU node cache entries (its own option; about 50 MiB at most here). */
const MPT_CACHE_NODES = 100_000;
/** Proofs of which a one-byte-flipped copy must fail to verify. */
const TAMPER_CHECKS = 20;

// ---- Data ----------------------------------------------------------------------------------

/** All keys, as views into one buffer: key i at bytes [32 i, 32 i + 32). */
function makeKeys(seed: number, count: number): Uint8Array[] {
  const all = new Uint8Array(count * W5_KEY_BYTES);
  const pre = new Uint8Array(8);
  const view = new DataView(pre.buffer);
  view.setUint32(0, seed >>> 0);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    view.setUint32(4, i);
    const key = all.subarray(i * W5_KEY_BYTES, (i + 1) * W5_KEY_BYTES);
    key.set(createHash('sha256').update(pre).digest());
    out.push(key);
  }
  return out;
}

/** The value of key `index` written at `height`: 100 bytes from a PRNG seeded by both. */
function valueOf(seed: number, index: number, height: number): Uint8Array {
  const rng = new Rng(mix32(seed ^ Math.imul(index + 1, 0x9e3779b1)) ^ Math.imul(height + 1, 0x85ebca6b));
  const words = new Uint32Array(Math.ceil(W5_VALUE_BYTES / 4));
  for (let i = 0; i < words.length; i++) words[i] = rng.next();
  return new Uint8Array(words.buffer, 0, W5_VALUE_BYTES);
}

/** Which heights wrote each key (height 0 wrote all of them), to know the value in force anywhere. */
class History {
  readonly #writes = new Map<number, number[]>();

  record(index: number, height: number): void {
    const list = this.#writes.get(index);
    if (list === undefined) this.#writes.set(index, [height]);
    else if (list[list.length - 1] !== height) list.push(height);
  }

  /** The height whose write of `index` is in force at `height`. */
  writtenAt(index: number, height: number): number {
    let at = 0;
    for (const h of this.#writes.get(index) ?? []) if (h <= height) at = h;
    return at;
  }
}

/** One random old height and key per read or proof, the same sequence for every contender. */
function probes(seed: number, salt: number, count: number, heights: number, keys: number): { height: number; index: number }[] {
  const rng = new Rng(seed ^ salt);
  return Array.from({ length: count }, () => ({ height: rng.below(heights), index: rng.below(keys) }));
}

/** Bytes of the files under `dir`, recursively. */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await treeBytes(path) : (await stat(path)).size;
  }
  return total;
}

// ---- The two contenders behind one interface --------------------------------------------

/** One contender behind the calls W5 times (exported for the PostgreSQL contender in w5-pg.ts). */
export interface Versioned<P> {
  /** Writes keys 0 to count - 1 (values of height 0) and commits them as height 0; returns its root. */
  load(keys: readonly Uint8Array[], value: (index: number) => Uint8Array, batch: number): Promise<Uint8Array>;
  /** Starts a height (mpt: a checkpoint). */
  begin(): void;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  /** Seals the height, durably; returns its root. */
  commit(): Promise<Uint8Array>;
  get(height: number, key: Uint8Array): Promise<Uint8Array | undefined>;
  prove(height: number, key: Uint8Array): Promise<P>;
  /** True when `proof` shows `key` → `value` under `root`; false (never a throw) otherwise. */
  verify(root: Uint8Array, key: Uint8Array, value: Uint8Array, proof: P): boolean | Promise<boolean>;
  proofBytes(proof: P): number;
  /** A copy with one byte flipped. */
  tamper(proof: P): P;
  /** What the proofs are made of, on average. */
  anatomy(proofs: readonly P[]): Record<string, number>;
  /** Bytes on disk while open. */
  diskBytes(): Promise<number>;
  /** Bytes of the contender's whole folder while open (keepr: data file, commit log and lock files), where it has one. */
  folderBytes?(): Promise<number>;
  /** Closes; bytes on disk afterwards, and (keepr) the live bytes counted before closing. */
  close(): Promise<{ diskBytes: number; liveBytes?: number; details: Record<string, unknown> }>;
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const i = at % copy.length;
  copy[i] = copy[i]! ^ 0x01;
  return copy;
}

/** How a keepr contender measures its disk: now, and once more after closing the store. */
export interface KeeprDisk {
  readonly diskBytes: () => Promise<number>;
  readonly close: () => Promise<{ diskBytes: number; liveBytes?: number; details: Record<string, unknown> }>;
}

/** keepr's versioned state `stateName` (one tree, `tree`) of an open store, on any engine. */
export async function keeprVersioned(store: Store, stateName: string, tree: string, disk: KeeprDisk): Promise<Versioned<Uint8Array>> {
  const state = await store.state(stateName);
  const commit = async (): Promise<Uint8Array> => (await state.commit()).root;
  return {
    async load(keys, value) {
      for (let i = 0; i < keys.length; i++) await state.put(tree, keys[i]!, value(i));
      return commit();
    },
    begin() {},
    put: (key, value) => state.put(tree, key, value),
    commit,
    async get(height, key) {
      const v = await state.at(height).get(tree, key);
      return v === undefined ? undefined : v instanceof Uint8Array ? v : v.bytes;
    },
    prove: (height, key) => state.at(height).prove(tree, key),
    verify(root, key, value, proof) {
      try {
        return verifyProof(root, tree, key, value, proof);
      } catch {
        return false;
      }
    },
    proofBytes: (proof) => proof.length,
    tamper: (proof) => flipped(proof, Math.floor(proof.length / 2)),
    // Bucket entries (64 B each) and non-empty siblings (32 B each); the rest is the header.
    anatomy(proofs) {
      let entries = 0;
      let siblings = 0;
      for (const proof of proofs) {
        const decoded = decodeProof(proof);
        entries += decoded.bucket.length;
        siblings += decoded.siblings.filter((s) => s.some((b) => b !== 0)).length;
      }
      return { bucketEntries: round(entries / proofs.length, 3), siblings: round(siblings / proofs.length, 3) };
    },
    diskBytes: disk.diskBytes,
    close: disk.close,
  };
}

async function keeprState(dir: string): Promise<Versioned<Uint8Array>> {
  const path = join(dir, 'store');
  // Default options: the lmdb engine, durable commits.
  const store = await open(path);
  const versioned = await keeprVersioned(store, STATE_NAME, TREE, {
    diskBytes: async () => (await stat(join(path, LMDB_FILE_NAME))).size,
    async close() {
      const extra = (await store.stats()).engine.extra;
      const page = extra['pageSize'] ?? 4096;
      const pages = (extra['treeLeafPageCount'] ?? 0) + (extra['treeBranchPageCount'] ?? 0) + (extra['overflowPages'] ?? 0);
      await store.close();
      return {
        diskBytes: (await stat(join(path, LMDB_FILE_NAME))).size,
        liveBytes: pages * page,
        details: { pageSize: page, livePages: pages, entries: extra['entryCount'], freeEntries: extra['freeEntryCount'], directoryBytes: await treeBytes(path) },
      };
    },
  });
  return { ...versioned, folderBytes: () => treeBytes(path) };
}

/**
 * `@ethereumjs/util`'s `DB` over classic-level: hex-string keys as utf8 (what mpt's CheckpointDB
 * hands over, as in the LevelDB wrapper of mpt's examples), node bytes as views. Every write is
 * `sync`: a height's nodes reach disk in the one `batch` of its checkpoint commit, and the root
 * that `useRootPersistence` stores right after is one more synced `put`.
 */
class LevelMptDb implements MptDb {
  readonly db: ClassicLevelDb;
  batches = 0;
  nodesWritten = 0;
  bytesWritten = 0;

  constructor(db: ClassicLevelDb) {
    this.db = db;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  async put(key: string, value: Uint8Array | string): Promise<void> {
    await this.db.put(key, bytes(value), { sync: true });
  }

  async del(key: string): Promise<void> {
    await this.db.del(key, { sync: true });
  }

  async batch(ops: readonly MptBatchOp[]): Promise<void> {
    const out: ClassicLevelBatchOp[] = [];
    for (const op of ops) {
      if (op.type === 'put') {
        const value = bytes(op.value);
        out.push({ type: 'put', key: op.key, value });
        this.bytesWritten += op.key.length + value.length;
      } else {
        out.push({ type: 'del', key: op.key });
      }
    }
    this.batches++;
    this.nodesWritten += out.length;
    await this.db.batch(out, { sync: true });
  }

  shallowCopy(): MptDb {
    return this;
  }

  async open(): Promise<void> {
    // Opened by the bench before the trie is created.
  }
}

function bytes(value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') throw new Error('mpt handed a string value: the trie must be created with valueEncoding "view"');
  return value;
}

async function mptOnLevel(dir: string): Promise<Versioned<Uint8Array[]>> {
  const path = join(dir, 'level');
  const mpt: MptModule = await loadMpt();
  const ClassicLevel = await loadClassicLevel();
  const level = new ClassicLevel(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await level.open();
  const db = new LevelMptDb(level);
  // Keys are already hashes (useKeyHashing: false); old nodes are kept (no pruning) so every old
  // root stays readable and provable; node bytes stored as bytes, not hex strings.
  const base = { db, useKeyHashing: false, valueEncoding: 'view', useNodePruning: false, cacheSize: MPT_CACHE_NODES } as const;
  // Writes of a height go into a checkpoint (memory) and its commit flushes them in one synced
  // LevelDB batch: mpt's fastest durable way. Without a checkpoint every put writes its path's
  // nodes to LevelDB at once and re-reads them from there; a trial here ran at about half the rate.
  const trie: MptTrie = await mpt.createMPT({ ...base, useRootPersistence: true });
  // Reads and proofs at old heights: a second trie on the same database, its root set per call.
  const reader: MptTrie = await mpt.createMPT({ ...base, useRootPersistence: false });
  // Roots by height, for the reader.
  const roots: Uint8Array[] = [];
  const sealed = (): Uint8Array => {
    const root = Uint8Array.from(trie.root());
    roots.push(root);
    return root;
  };
  /** Points the reader at a committed height. */
  const at = (height: number): void => {
    const root = roots[height];
    if (root === undefined) throw new Error(`mpt: no root for height ${height}`);
    reader.root(root);
  };
  return {
    async load(keys, value, batch) {
      for (let from = 0; from < keys.length; from += batch) {
        trie.checkpoint();
        for (let i = from; i < Math.min(keys.length, from + batch); i++) await trie.put(keys[i]!, value(i));
        await trie.commit();
      }
      return sealed();
    },
    begin: () => {
      trie.checkpoint();
    },
    put: (key, value) => trie.put(key, value),
    async commit() {
      await trie.commit();
      return sealed();
    },
    async get(height, key) {
      at(height);
      return (await reader.get(key)) ?? undefined;
    },
    async prove(height, key) {
      at(height);
      return mpt.createMerkleProof(reader, key);
    },
    async verify(rootHash, key, value, proof) {
      try {
        const proven = await mpt.verifyMerkleProof(key, proof, { root: rootHash, useKeyHashing: false });
        return proven !== null && sameBytes(proven, value);
      } catch {
        return false;
      }
    },
    proofBytes: (proof) => proof.reduce((n, node) => n + node.length, 0),
    tamper: (proof) => proof.map((node, i) => (i === proof.length - 1 ? flipped(node, Math.floor(node.length / 2)) : node)),
    anatomy: (proofs) => ({ nodes: round(proofs.reduce((n, p) => n + p.length, 0) / proofs.length, 3) }),
    diskBytes: () => treeBytes(path),
    folderBytes: () => treeBytes(path),
    async close() {
      await level.close();
      return { diskBytes: await treeBytes(path), details: { levelBatches: db.batches, nodesWritten: db.nodesWritten, nodeBytesWritten: db.bytesWritten, cacheNodes: MPT_CACHE_NODES } };
    },
  };
}

// ---- The run ---------------------------------------------------------------------------------

async function measure<P>(contender: string, impl: Versioned<P>, ctx: CaseContext): Promise<CaseResult> {
  const { w5Keys: count, w5Heights: heights, w5Updates: updates, w5Reads: readCount, w5Proofs: proofCount } = ctx.sizes;
  const seed = ctx.seed;
  const keys = makeKeys(seed, count);
  const history = new History();
  const roots: Uint8Array[] = [];
  ctx.mem.start();

  // Setup: height 0 holds every key.
  const loadStarted = nowUs();
  roots.push(await impl.load(keys, (i) => valueOf(seed, i, 0), ctx.sizes.loadBatch));
  const loadSeconds = (nowUs() - loadStarted) / 1e6;
  const diskAfterLoad = await impl.diskBytes();

  // Timed: every height's updates and its commit.
  const pick = new Rng(seed ^ 0x57a7e5);
  const commits = new Latencies(heights);
  let timedUs = 0;
  let commitUs = 0;
  for (let h = 1; h <= heights; h++) {
    const batch: { key: Uint8Array; value: Uint8Array }[] = [];
    for (let u = 0; u < updates; u++) {
      const index = pick.below(count);
      history.record(index, h);
      batch.push({ key: keys[index]!, value: valueOf(seed, index, h) });
    }
    ctx.mem.sample();
    const t = nowUs();
    impl.begin();
    for (const { key, value } of batch) await impl.put(key, value);
    const c = nowUs();
    roots.push(await impl.commit());
    const done = nowUs();
    commits.add(done - c);
    commitUs += done - c;
    timedUs += done - t;
  }
  const seconds = timedUs / 1e6;
  const expected = (index: number, height: number): Uint8Array => valueOf(seed, index, history.writtenAt(index, height));

  // Reads at random old heights, every one timed and checked.
  const readLat = new Latencies(readCount);
  for (const { height, index } of probes(seed, 0x0ead5, readCount, heights, count)) {
    const t = nowUs();
    const value = await impl.get(height, keys[index]!);
    readLat.add(nowUs() - t);
    if (!sameBytes(value, expected(index, height))) throw new Error(`${contender}: key ${index} at height ${height} read ${value === undefined ? 'nothing' : `${value.length} other bytes`}`);
    if ((readLat.length & 127) === 0) ctx.mem.sample();
  }

  // Proofs: generated and verified, each timed; every proof must verify.
  const proveLat = new Latencies(proofCount);
  const verifyLat = new Latencies(proofCount);
  const kept: { proof: P; height: number; index: number }[] = [];
  let proofBytes = 0;
  for (const { height, index } of probes(seed, 0x9e00f, proofCount, heights, count)) {
    const key = keys[index]!;
    const value = expected(index, height);
    let t = nowUs();
    const proof = await impl.prove(height, key);
    proveLat.add(nowUs() - t);
    t = nowUs();
    const pending = impl.verify(roots[height]!, key, value, proof);
    const ok = typeof pending === 'boolean' ? pending : await pending;
    verifyLat.add(nowUs() - t);
    if (!ok) throw new Error(`${contender}: the proof of key ${index} at height ${height} does not verify`);
    proofBytes += impl.proofBytes(proof);
    kept.push({ proof, height, index });
    if ((kept.length & 127) === 0) ctx.mem.sample();
  }
  ctx.mem.freeze();
  let rejected = 0;
  for (const { proof, height, index } of kept.slice(0, TAMPER_CHECKS)) {
    const pending = impl.verify(roots[height]!, keys[index]!, expected(index, height), impl.tamper(proof));
    if (typeof pending === 'boolean' ? pending : await pending) throw new Error(`${contender}: a proof with one byte flipped still verifies (key ${index}, height ${height})`);
    rejected++;
  }

  // The folder while open, the commit log included (what a user's disk holds while it runs).
  const openFolderBytes = await impl.folderBytes?.();
  const closed = await impl.close();
  const ops = heights * updates;
  const fullCopyBytes = (heights + 1) * count * (W5_KEY_BYTES + W5_VALUE_BYTES);
  const read = readLat.summary();
  const prove = proveLat.summary();
  const verify = verifyLat.summary();
  return {
    ops,
    seconds,
    p50Us: commits.percentile(50),
    p99Us: commits.percentile(99),
    latencyPer: 'commit of one height',
    keys: count,
    heights,
    updatesPerHeight: updates,
    loadSeconds,
    commitSeconds: commitUs / 1e6,
    commitP50Ms: round((commits.percentile(50) ?? NaN) / 1000, 2),
    commitMaxMs: round((commits.percentile(100) ?? NaN) / 1000, 2),
    diskAfterLoadBytes: diskAfterLoad,
    diskBytes: closed.diskBytes,
    ...(openFolderBytes === undefined ? {} : { openFolderBytes }),
    ...(closed.liveBytes === undefined ? {} : { liveBytes: closed.liveBytes }),
    fullCopyBytes,
    diskVsFullCopy: round(closed.diskBytes / fullCopyBytes, 4),
    reads: readCount,
    readP50Us: read.p50Us,
    readP99Us: read.p99Us,
    proofs: proofCount,
    proveP50Us: prove.p50Us,
    proveP99Us: prove.p99Us,
    verifyP50Us: verify.p50Us,
    verifyP99Us: verify.p99Us,
    proofBytesAvg: round(proofBytes / kept.length, 1),
    proofAnatomy: impl.anatomy(kept.map((k) => k.proof)),
    lastRoot: Buffer.from(roots[heights]!).toString('hex'),
    ...closed.details,
    verified: `all ${readCount} reads at old heights equal the value in force there; all ${proofCount} proofs verify for that value; ${rejected} proofs with one byte flipped are rejected`,
  };
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { family } = parseContender(contender);
  if (ctx.sizes.w5Heights < 1) throw new Error('w5 needs at least one height after the load');
  if (family === 'keepr') return measure(contender, await keeprState(ctx.dir), ctx);
  if (family === 'mpt') return measure(contender, await mptOnLevel(ctx.dir), ctx);
  if (family === 'keepr-pg') return measure(contender, await keeprPgState(ctx.dir, STATE_NAME, TREE), ctx);
  throw new Error(`w5 has no contender family ${family}`);
}

function contenders(): ContenderDef[] {
  return [
    { id: 'keepr.state', peers: [], primary: true },
    { id: 'mpt.level', peers: ['@ethereumjs/mpt', 'classic-level'] },
    { id: 'keepr-pg.state', peers: [], postgres: true },
  ];
}

// ---- The driver's tables ---------------------------------------------------------------------

function num(row: ResultRow | undefined, field: string): number | undefined {
  const v = row?.[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function mibOf(bytes: number | undefined): string {
  return bytes === undefined ? '-' : (bytes / MiB).toFixed(1);
}

function over(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/**
 * What a proof of keepr's format holds at `keys` keys, by expectation: header (version, tree
 * name, one tree's name and root, counts, sibling bitmap), the key's bucket (1 + (keys - 1) /
 * 65,536 entries of 64 bytes) and the non-empty siblings among the 16 levels.
 */
export function expectedKeeprProofBytes(keys: number, tree = TREE): { total: number; header: number; entries: number; siblings: number } {
  const name = Buffer.byteLength(tree);
  const header = 1 + 1 + name + 2 + (1 + name + 32) + 2 + 2;
  const entries = 1 + (keys - 1) / 65536;
  let siblings = 0;
  for (let level = 1; level <= 16; level++) siblings += 1 - Math.pow(1 - 2 ** (16 - level) / 65536, keys - 1);
  return { total: header + 64 * entries + 32 * siblings, header, entries, siblings };
}

/** The contenders' names in W5's tables. */
const W5_LABELS: Readonly<Record<string, string>> = {
  'keepr.state': 'keepr.state (store.state on LMDB)',
  'mpt.level': 'mpt.level (@ethereumjs/mpt on LevelDB)',
  'keepr-pg.state': 'keepr-pg.state (store.state on PostgreSQL)',
};

function report(rows: readonly ResultRow[]): WorkloadReport {
  const keepr = rows.find((r) => r.engine === 'keepr.state' && measured(r));
  const mpt = rows.find((r) => r.engine === 'mpt.level' && measured(r));
  const name = (row: ResultRow): string => W5_LABELS[row.engine] ?? row.engine;
  const failed = (row: ResultRow): string[] => [name(row), row.skipped !== undefined ? 'skipped' : 'FAILED'];
  const ms = (row: ResultRow | undefined, field: string): string => {
    const v = num(row, field);
    return v === undefined ? '-' : `${v.toFixed(0)} ms`;
  };
  const both = keepr !== undefined && mpt !== undefined;
  const r = (field: string, fmt: (v: number | undefined) => string = ratio): string => fmt(over(num(keepr, field), num(mpt, field)));

  const writeHeader = ['contender', 'load s', 'updates/s', 'commit p50', 'commit max', 'disk MiB', 'live MiB', 'disk ÷ full copy', 'peak RSS', 'heap+anon'];
  const writeBody = rows.map((row) =>
    !measured(row)
      ? failed(row)
      : [
          name(row),
          (num(row, 'loadSeconds') ?? NaN).toFixed(1),
          rate(row.opsPerSec),
          ms(row, 'commitP50Ms'),
          ms(row, 'commitMaxMs'),
          mibOf(num(row, 'diskBytes')),
          mibOf(num(row, 'liveBytes')),
          ratio(num(row, 'diskVsFullCopy')),
          (row.peakRssMiB ?? NaN).toFixed(1),
          (row.peakHeapPlusAnonMiB ?? NaN).toFixed(1),
        ],
  );
  if (both) {
    writeBody.push(['keepr ÷ mpt', r('loadSeconds'), ratio(keepr.opsPerSec / mpt.opsPerSec), r('commitP50Ms'), r('commitMaxMs'), r('diskBytes'), '', '', ratio(over(keepr.peakRssMiB, mpt.peakRssMiB)), ratio(over(keepr.peakHeapPlusAnonMiB, mpt.peakHeapPlusAnonMiB))]);
  }
  const readHeader = ['contender', 'read p50', 'read p99', 'prove p50', 'prove p99', 'verify p50', 'verify p99', 'proof bytes'];
  const readBody = rows.map((row) =>
    !measured(row)
      ? failed(row)
      : [name(row), micros(num(row, 'readP50Us')), micros(num(row, 'readP99Us')), micros(num(row, 'proveP50Us')), micros(num(row, 'proveP99Us')), micros(num(row, 'verifyP50Us')), micros(num(row, 'verifyP99Us')), int(num(row, 'proofBytesAvg') ?? NaN)],
  );
  if (both) readBody.push(['keepr ÷ mpt', r('readP50Us'), r('readP99Us'), r('proveP50Us'), r('proveP99Us'), r('verifyP50Us'), r('verifyP99Us'), r('proofBytesAvg')]);

  const any = keepr ?? mpt;
  const lines: string[] = [table(writeHeader, writeBody), '', table(readHeader, readBody)];
  for (const row of rows) {
    if (row.skipped !== undefined) lines.push(`  skipped ${row.engine}: ${row.skipped}`);
    else if (row.error !== undefined) lines.push(`  FAILED ${row.engine}: ${row.error.split('\n').slice(0, 3).join(' | ')}`);
  }
  const json: Record<string, unknown> = {};
  if (any !== undefined) {
    const keys = num(any, 'keys') ?? 0;
    const heights = num(any, 'heights') ?? 0;
    const full = num(any, 'fullCopyBytes');
    lines.push(
      `  ${int(keys)} keys loaded as height 0 (load s: setup, not timed), then ${heights} heights × ${int(num(any, 'updatesPerHeight') ?? 0)} random updates; updates/s includes every commit`,
      `  full copy per height: ${heights + 1} × ${int(keys)} × (${W5_KEY_BYTES} + ${W5_VALUE_BYTES}) B = ${mibOf(full)} MiB; disk: keepr.mdb after close (live: LMDB's used pages before close; the rest are free pages it reuses) / LevelDB folder after close`,
      `  disk after the load: ${rows.filter(measured).map((row) => `${row.engine} ${mibOf(num(row, 'diskAfterLoadBytes'))} MiB`).join(', ')}`,
      ...(rows.some((row) => row.engine === 'keepr-pg.state' && measured(row)) ? ["  keepr-pg.state disk: pg_total_relation_size (heap + indexes + TOAST) of its schema's tables after close (the JSON row has each table's bytes)"] : []),
      '  read: await at(h).get of a random key at a random old height; prove / verify: the same for a proof, verify is verifyProof / verifyMerkleProof; keepr ÷ mpt: keepr\'s value over mpt\'s (above 1× is better only for updates/s)',
    );
    json['fullCopyBytes'] = full;
  }
  if (keepr !== undefined) {
    const keys = num(keepr, 'keys') ?? 0;
    const anatomy = keepr['proofAnatomy'] as { bucketEntries?: number; siblings?: number } | undefined;
    const avg = num(keepr, 'proofBytesAvg') ?? NaN;
    const model = expectedKeeprProofBytes(keys);
    // What a verifier could recompute instead of reading: the key's own bucket entry (kh, vh: 64 B)
    // and its tree's root (32 B); a binary Merkle tree over n leaves needs ⌈log2 n⌉ siblings.
    const leaner = avg - 64 - 32;
    const binary = Math.ceil(Math.log2(Math.max(2, keys))) * 32;
    lines.push(
      `  proof size at ${int(keys)} keys: keepr ${int(avg)} B (${anatomy?.bucketEntries ?? '-'} bucket entries × 64 B + ${anatomy?.siblings ?? '-'} non-empty siblings × 32 B + ${model.header} B header and tree root; its format predicts ${int(model.total)} B);` +
        ` without what a verifier can recompute (the key's own entry and tree root) ${int(leaner)} B; a binary Merkle tree's floor: ⌈log2 n⌉ = ${binary / 32} siblings = ${int(binary)} B` +
        (mpt === undefined ? '' : `; mpt ${int(num(mpt, 'proofBytesAvg') ?? NaN)} B (${String((mpt['proofAnatomy'] as { nodes?: number } | undefined)?.nodes ?? '-')} nodes)`),
    );
    json['keeprProof'] = { avgBytes: avg, predictedBytes: round(model.total, 1), withoutRecomputableBytes: leaner, binaryTreeFloorBytes: binary, ...anatomy };
  }
  if (both) {
    json['keeprOverMpt'] = {
      updatesPerSec: round(keepr.opsPerSec / mpt.opsPerSec, 3),
      diskBytes: round(over(num(keepr, 'diskBytes'), num(mpt, 'diskBytes')) ?? NaN, 4),
      readP50: round(over(num(keepr, 'readP50Us'), num(mpt, 'readP50Us')) ?? NaN, 4),
      verifyP50: round(over(num(keepr, 'verifyP50Us'), num(mpt, 'verifyP50Us')) ?? NaN, 4),
      proofBytes: round(over(num(keepr, 'proofBytesAvg'), num(mpt, 'proofBytesAvg')) ?? NaN, 4),
    };
  }
  return { lines, json };
}

export const w5: WorkloadDef = {
  id: 'w5',
  title: 'W5 versioned state: 32-byte hashed keys, 100-byte values, random updates committed per height, reads and proofs at old heights',
  contenders: (_sizes: Sizes) => contenders(),
  run,
  report,
};
