/**
 * WC compression: what lmdb-js's built-in LZ4 compression (keepr's `compression` option) costs
 * on writes and reads and what it saves on disk. keepr only, three settings, three data sets;
 * each (setting, data set) pair runs in its own process on a fresh store:
 *
 * - settings: `compress-off` (`compression: false`), `compress-16k` (`{ threshold: 16384 }`,
 *   the default at the time of writing), `compress-1k` (`{ threshold: 1024 }`);
 * - data sets (same seed for every setting): `compressible`, `wcLargeBlocks` blocks of 64 KiB
 *   of NDJSON-like sensor records (LZ4 gets about 3× on them); `incompressible`, as many 64 KiB
 *   blocks of random bytes; `small`, `wcSmallBlocks` blocks of 4 KiB of the same kind of records as
 *   `compressible` (below the 16 KiB threshold, above the 1 KiB one).
 *
 * Each run: durable batched writes (`Source.write` of `wcBatch` blocks, each batch built before
 * its timer starts; latency per commit), then `wcReads` uniformly random `getSync` reads after
 * 1,000 untimed warm-up reads (every read timed), then every block read back once and compared
 * byte for byte, then `store.close()` and the size of the data file `keepr.mdb` (a clean close
 * deletes the commit log; any bytes left under `wal/` are reported, not counted). Answers:
 * every timed read must return a block of the right size whose `data()` has the right length,
 * every 50th one is kept and compared byte for byte after the loop, and then every key once.
 *
 * A row's `ops`/`seconds`/`opsPerSec` are the writes (blocks); the reads, the disk size and the
 * ratios to `compress-off` are extra fields, printed by {@link report}.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LMDB_FILE_NAME, LOG_DIR_NAME } from '../../src/engine/lmdb/lmdb-engine-config.js';
import { Block, open } from '../../src/index.js';
import { lmdbEngine } from '../../src/engine/lmdb/index.js';
import { SOURCE_NAME } from '../engines/keepr.js';
import { Rng, keyOf, mix32, sameBytes } from '../lib/data.js';
import { int, micros, rate, ratio, table } from '../lib/format.js';
import { measured, type ResultRow } from '../lib/result.js';
import { Latencies, nowUs, round } from '../lib/stats.js';
import { parseContender, type CaseContext, type CaseResult, type ContenderDef, type Sizes, type WorkloadDef, type WorkloadReport } from './types.js';

const KiB = 1024;
const MiB = 1024 * 1024;
/** Header bytes of a `uint8` block without attributes: a block of `n` bytes carries `n - 96`. */
const HEADER_BYTES = 96;
const WARMUP_READS = 1000;
/** Every this many timed reads, the block read is kept and compared byte for byte afterwards. */
const KEEP_EVERY = 50;
/** "Within 10% of off" for the recommendation line. */
const COST_TOLERANCE = 0.9;

/** The settings measured, by contender method. */
const SETTINGS = {
  'compress-off': { compression: false, label: 'off' },
  'compress-16k': { compression: { threshold: 16 * KiB }, label: '16 KiB' },
  'compress-1k': { compression: { threshold: 1 * KiB }, label: '1 KiB' },
} as const satisfies Record<string, { compression: false | { threshold: number }; label: string }>;
type SettingId = keyof typeof SETTINGS;
const SETTING_IDS = Object.keys(SETTINGS) as SettingId[];
const OFF: SettingId = 'compress-off';

type Content = 'records' | 'random';

interface DataSet {
  readonly id: string;
  readonly blocks: number;
  /** Bytes of each stored block (header included). */
  readonly blockBytes: number;
  readonly content: Content;
  /** Key space letter (one per set, so their content differs). */
  readonly space: string;
}

function dataSets(sizes: Sizes): DataSet[] {
  return [
    { id: 'compressible', blocks: sizes.wcLargeBlocks, blockBytes: 64 * KiB, content: 'records', space: 'c' },
    { id: 'incompressible', blocks: sizes.wcLargeBlocks, blockBytes: 64 * KiB, content: 'random', space: 'r' },
    { id: 'small', blocks: sizes.wcSmallBlocks, blockBytes: 4 * KiB, content: 'records', space: 's' },
  ];
}
const DATA_SET_IDS = ['compressible', 'incompressible', 'small'];

const SENSORS = Array.from({ length: 24 }, (_, i) => `${['boiler', 'pump', 'valve', 'fan'][i % 4]!}-${String(i + 1).padStart(2, '0')}`);
const STATUS = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'warn', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'error'];
const UNITS = ['degC', 'kPa', 'rpm', 'pct'];
const encoder = new TextEncoder();

function rngFor(seed: number, index: number, space: string): Rng {
  return new Rng(mix32(seed ^ Math.imul(index + 1, 0x9e3779b1)) ^ Math.imul(space.charCodeAt(0), 0x01000193));
}

/**
 * `bytes` bytes of newline-separated JSON sensor records (ASCII): a timestamp advancing by a
 * few hundred ms, one of 24 sensors, a slowly drifting reading, a status that is mostly `ok`,
 * a sequence number and a short random trace id (entropy real logs have). The last record is
 * cut at the end. Deterministic from the seed, the block's index and its key space.
 */
function recordsPayload(seed: number, index: number, space: string, bytes: number): Uint8Array {
  const rng = rngFor(seed, index, space);
  const out = new Uint8Array(bytes);
  let ts = 1_700_000_000_000 + index * 600_000;
  const values = SENSORS.map(() => 200 + rng.below(800));
  let seq = index * 1000;
  let at = 0;
  while (at < bytes) {
    ts += 100 + rng.below(400);
    const s = rng.below(SENSORS.length);
    const value = values[s]! + rng.below(21) - 10;
    values[s] = value;
    const trace = (rng.next() & 0xffffff).toString(16).padStart(6, '0');
    const line = `{"ts":${ts},"sensor":"${SENSORS[s]!}","value":${(value / 10).toFixed(1)},"unit":"${UNITS[s % UNITS.length]!}","status":"${STATUS[rng.below(STATUS.length)]!}","seq":${seq++},"trace":"${trace}"}\n`;
    at += encoder.encodeInto(line, out.subarray(at)).written;
  }
  return out;
}

function randomPayload(seed: number, index: number, space: string, bytes: number): Uint8Array {
  const rng = rngFor(seed, index, space);
  const words = new Uint32Array(bytes / 4);
  for (let i = 0; i < words.length; i++) words[i] = rng.next();
  return new Uint8Array(words.buffer);
}

/** The block stored under key `index` of `set`: exactly `set.blockBytes` bytes. */
function blockOf(seed: number, set: DataSet, index: number): Block {
  const payloadBytes = set.blockBytes - HEADER_BYTES;
  const data = set.content === 'records' ? recordsPayload(seed, index, set.space, payloadBytes) : randomPayload(seed, index, set.space, payloadBytes);
  return Block.create({ type: 'uint8', data });
}

/** Bytes of the files under `dir` (recursively); 0 when it does not exist. */
async function treeBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(path);
    else total += (await fileBytes(path))?.size ?? 0;
  }
  return total;
}

async function fileBytes(path: string): Promise<{ size: number; allocated: number } | undefined> {
  try {
    const s = await stat(path);
    return { size: s.size, allocated: s.blocks * 512 };
  } catch {
    return undefined;
  }
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { method, variant } = parseContender(contender);
  if (!(method in SETTINGS)) throw new Error(`unknown compression setting ${method}`);
  const setting = SETTINGS[method as SettingId];
  const set = dataSets(ctx.sizes).find((d) => d.id === variant);
  if (set === undefined) throw new Error(`unknown data set ${String(variant)} (known: ${DATA_SET_IDS.join(', ')})`);
  const { blocks: count, blockBytes } = set;
  const payloadBytes = blockBytes - HEADER_BYTES;
  const batchSize = ctx.sizes.wcBatch;
  const key = (i: number): string => keyOf(i, set.space);
  const first = blockOf(ctx.seed, set, 0);
  if (first.bytes.length !== blockBytes) throw new Error(`${contender}: a block encodes to ${first.bytes.length} bytes, expected ${blockBytes}`);

  const dir = join(ctx.dir, 'store');
  const store = await open({ engine: lmdbEngine(dir, { compression: setting.compression }) });
  let isOpen = true;
  try {
    const source = await store.source(SOURCE_NAME);

    // Durable batched writes.
    const commits = new Latencies(Math.ceil(count / batchSize));
    let writeUs = 0;
    ctx.mem.start();
    const wallStarted = nowUs();
    for (let from = 0; from < count; from += batchSize) {
      const ops = [];
      for (let i = from; i < Math.min(count, from + batchSize); i++) ops.push({ op: 'put' as const, key: key(i), block: blockOf(ctx.seed, set, i) });
      ctx.mem.sample();
      const t = nowUs();
      await source.write(ops);
      const took = nowUs() - t;
      writeUs += took;
      commits.add(took);
    }
    const writeWallSeconds = (nowUs() - wallStarted) / 1e6;
    const writeSeconds = writeUs / 1e6;

    // Random reads: warm-up on a prefix of the order, then every read timed.
    const keys = Array.from({ length: count }, (_, i) => key(i));
    const rng = new Rng(ctx.seed ^ 0x0c0de5);
    const reads = ctx.sizes.wcReads;
    const order = Uint32Array.from({ length: reads }, () => rng.below(count));
    let wrong = 0;
    for (let i = 0; i < Math.min(WARMUP_READS, reads); i++) {
      const block = source.getSync(keys[order[i]!]!);
      if (block === undefined || block.data().length !== payloadBytes) wrong++;
    }
    const readLat = new Latencies(reads);
    const kept: { index: number; bytes: Uint8Array }[] = [];
    const readStarted = nowUs();
    for (let i = 0; i < reads; i++) {
      const index = order[i]!;
      const t = nowUs();
      const block = source.getSync(keys[index]!);
      const payload = block?.data().length;
      readLat.add(nowUs() - t);
      if (block === undefined || payload !== payloadBytes || block.bytes.length !== blockBytes) wrong++;
      else if (i % KEEP_EVERY === 0) kept.push({ index, bytes: block.bytes });
      if ((i & 4095) === 0) ctx.mem.sample();
    }
    const readSeconds = (nowUs() - readStarted) / 1e6;
    ctx.mem.freeze();
    if (wrong > 0) throw new Error(`${contender}: ${wrong} reads were missing or of the wrong size`);
    for (const { index, bytes } of kept) {
      if (!sameBytes(bytes, blockOf(ctx.seed, set, index).bytes)) throw new Error(`${contender}: timed read of ${keys[index]!} returned different bytes`);
    }
    for (let i = 0; i < count; i++) {
      if (!sameBytes(source.getSync(keys[i]!)?.bytes, blockOf(ctx.seed, set, i).bytes)) throw new Error(`${contender}: ${keys[i]!} does not read back byte for byte`);
    }

    const closeStarted = nowUs();
    isOpen = false;
    await store.close();
    const closeSeconds = (nowUs() - closeStarted) / 1e6;
    const data = await fileBytes(join(dir, LMDB_FILE_NAME));
    if (data === undefined) throw new Error(`${contender}: no ${LMDB_FILE_NAME} in the store directory after close`);
    const logBytesLeft = await treeBytes(join(dir, LOG_DIR_NAME));
    const rawBytes = count * blockBytes;
    const writeSummary = commits.summary();
    const readSummary = readLat.summary();
    return {
      ops: count,
      seconds: writeSeconds,
      setting: method,
      threshold: setting.compression === false ? null : setting.compression.threshold,
      dataSet: set.id,
      blockBytes,
      rawBytes,
      writeBlocksPerSec: count / writeSeconds,
      writeMiBPerSec: rawBytes / MiB / writeSeconds,
      writeP50Us: writeSummary.p50Us,
      writeP99Us: writeSummary.p99Us,
      writeWallSeconds,
      commits: commits.length,
      reads,
      readSeconds,
      readBlocksPerSec: reads / readSeconds,
      readP50Us: readSummary.p50Us,
      readP99Us: readSummary.p99Us,
      diskBytes: data.size,
      diskAllocatedBytes: data.allocated,
      diskRatio: round(data.size / rawBytes, 4),
      closeSeconds,
      logBytesLeftAfterClose: logBytesLeft,
      verified: `all ${reads} timed reads returned ${blockBytes}-byte blocks (data() of ${payloadBytes} bytes), ${kept.length} of them compared byte for byte; then all ${count} blocks read back byte for byte`,
    };
  } finally {
    if (isOpen) await store.close();
  }
}

function contenders(sizes: Sizes): ContenderDef[] {
  return dataSets(sizes).flatMap((set) => SETTING_IDS.map((s) => ({ id: `keepr.${s}:${set.id}`, peers: [], group: set.id, ...(s === OFF ? { primary: true } : {}) })));
}

// ---- The driver's table and recommendation ---------------------------------------------------

function num(row: ResultRow, field: string): number | undefined {
  const v = row[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function settingOf(row: ResultRow): SettingId | undefined {
  const { method } = parseContender(row.engine);
  return method in SETTINGS ? (method as SettingId) : undefined;
}

function dataSetOf(row: ResultRow): string {
  return parseContender(row.engine).variant ?? '';
}

function mibText(bytes: number | undefined): string {
  return bytes === undefined ? '-' : (bytes / MiB).toFixed(1);
}

/** A ratio of two optional numbers. */
function over(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

interface Cost {
  readonly write: number;
  readonly read: number;
  readonly disk: number;
}

/** Per data set, each setting's write, read and disk ratios to `compress-off`. */
function costs(rows: readonly ResultRow[]): Map<string, Map<SettingId, Cost>> {
  const out = new Map<string, Map<SettingId, Cost>>();
  for (const set of DATA_SET_IDS) {
    const mine = rows.filter((r) => dataSetOf(r) === set && measured(r));
    const off = mine.find((r) => settingOf(r) === OFF);
    if (off === undefined) continue;
    const per = new Map<SettingId, Cost>();
    for (const row of mine) {
      const s = settingOf(row);
      const write = over(row.opsPerSec, off.opsPerSec);
      const read = over(num(row, 'readBlocksPerSec'), num(off, 'readBlocksPerSec'));
      const disk = over(num(row, 'diskBytes'), num(off, 'diskBytes'));
      if (s !== undefined && write !== undefined && read !== undefined && disk !== undefined) per.set(s, { write, read, disk });
    }
    out.set(set, per);
  }
  return out;
}

/**
 * The threshold with the smallest data files over all data sets among those whose writes and
 * reads stay within 10% of `compress-off` in every data set (or `off` when none does).
 */
function recommend(rows: readonly ResultRow[]): { lines: string[]; json: Record<string, unknown> } {
  const bySet = costs(rows);
  const sets = DATA_SET_IDS.filter((s) => bySet.has(s));
  const diskTotal = (s: SettingId): number | undefined => {
    let total = 0;
    for (const set of sets) {
      const row = rows.find((r) => dataSetOf(r) === set && settingOf(r) === s && measured(r));
      const bytes = row === undefined ? undefined : num(row, 'diskBytes');
      if (bytes === undefined) return undefined;
      total += bytes;
    }
    return total;
  };
  const offTotal = diskTotal(OFF);
  if (sets.length === 0 || offTotal === undefined) return { lines: ['recommendation: not enough data (compress-off must run for every data set)'], json: {} };
  const candidates = SETTING_IDS.filter((s) => s !== OFF).flatMap((s) => {
    const per = sets.map((set) => bySet.get(set)?.get(s));
    const total = diskTotal(s);
    if (per.some((c) => c === undefined) || total === undefined) return [];
    const all = per as Cost[];
    const worstWrite = Math.min(...all.map((c) => c.write));
    const worstRead = Math.min(...all.map((c) => c.read));
    const worstSet = (pick: (c: Cost) => number): string => sets[all.findIndex((c) => pick(c) === Math.min(...all.map(pick)))]!;
    return [{ s, disk: total / offTotal, worstWrite, worstRead, writeSet: worstSet((c) => c.write), readSet: worstSet((c) => c.read), ok: worstWrite >= COST_TOLERANCE && worstRead >= COST_TOLERANCE }];
  });
  const perSet = (s: SettingId): string => sets.map((set) => `${set} ${ratio(bySet.get(set)?.get(s)?.disk)}`).join(', ');
  const describe = (c: (typeof candidates)[number]): string =>
    `${SETTINGS[c.s].label}: disk ${ratio(c.disk)} of off (${perSet(c.s)}), worst write ${ratio(c.worstWrite)} (${c.writeSet}), worst read ${ratio(c.worstRead)} (${c.readSet})`;
  const ok = candidates.filter((c) => c.ok && c.disk < 1).sort((a, b) => a.disk - b.disk);
  const best = ok[0];
  const json = {
    tolerance: COST_TOLERANCE,
    recommended: best === undefined ? 'off' : best.s,
    candidates: candidates.map((c) => ({ setting: c.s, diskVsOff: round(c.disk, 4), worstWriteVsOff: round(c.worstWrite, 4), worstReadVsOff: round(c.worstRead, 4), withinTolerance: c.ok })),
  };
  const pct = `${Math.round((1 - COST_TOLERANCE) * 100)}%`;
  const head =
    best === undefined
      ? `recommendation: compression off — no threshold keeps writes and reads within ${pct} of off in every data set (informational)`
      : `recommendation: threshold ${SETTINGS[best.s].label} — the smallest files among thresholds whose writes and reads stay within ${pct} of off in every data set (informational)`;
  return { lines: [head, ...candidates.map((c) => `  ${describe(c)}${c.ok ? '' : ` — not within ${pct}`}`)], json };
}

/** With `--repeat`: the lowest and highest pass's write rate relative to the median, e.g. `-4%/+6%`. */
function passes(row: ResultRow): string {
  const all = row['passOpsPerSec'];
  const values = Array.isArray(all) ? all.filter((v): v is number => typeof v === 'number') : [];
  if (values.length < 2) return '';
  const pct = (v: number): string => `${v >= row.opsPerSec ? '+' : ''}${(((v - row.opsPerSec) / row.opsPerSec) * 100).toFixed(0)}%`;
  return `${pct(Math.min(...values))}/${pct(Math.max(...values))}`;
}

function report(rows: readonly ResultRow[]): WorkloadReport {
  const bySet = costs(rows);
  const repeated = rows.some((r) => Array.isArray(r['passOpsPerSec']));
  const header = ['data set', 'setting', 'blocks', 'raw MiB', 'write MiB/s', 'write blk/s', ...(repeated ? ['passes'] : []), 'commit p50', 'commit p99', 'read blk/s', 'read p50', 'read p99', 'disk MiB', 'disk ÷ raw', 'write ÷ off', 'read ÷ off', 'disk ÷ off'];
  const body = rows.map((row) => {
    const set = dataSetOf(row);
    const s = settingOf(row);
    const name = s === undefined ? row.engine : s;
    if (!measured(row)) return [set, name, row.skipped !== undefined ? 'skipped' : 'FAILED'];
    const cost = s === undefined ? undefined : bySet.get(set)?.get(s);
    const isOff = s === OFF;
    return [
      set,
      name,
      int(row.ops),
      mibText(num(row, 'rawBytes')),
      (num(row, 'writeMiBPerSec') ?? NaN).toFixed(0),
      rate(row.opsPerSec),
      ...(repeated ? [passes(row)] : []),
      micros(num(row, 'writeP50Us')),
      micros(num(row, 'writeP99Us')),
      rate(num(row, 'readBlocksPerSec') ?? NaN),
      micros(num(row, 'readP50Us')),
      micros(num(row, 'readP99Us')),
      mibText(num(row, 'diskBytes')),
      ratio(num(row, 'diskRatio')),
      isOff ? '(ref)' : ratio(cost?.write),
      isOff ? '(ref)' : ratio(cost?.read),
      isOff ? '(ref)' : ratio(cost?.disk),
    ];
  });
  const recommendation = recommend(rows);
  const lines = [
    table(header, body),
    ...rows.filter((r) => r.error !== undefined).map((r) => `  FAILED ${r.engine}: ${(r.error ?? '').split('\n').slice(0, 3).join(' | ')}`),
    ...rows.filter((r) => (num(r, 'logBytesLeftAfterClose') ?? 0) > 0).map((r) => `  note: ${r.engine} left ${int(num(r, 'logBytesLeftAfterClose') ?? 0)} bytes of commit log after close (not counted in disk)`),
    '  write: durable Source.write batches, blocks/s and MiB/s of raw block bytes over the time in write(); commit p50/p99 per batch',
    '  read: uniformly random getSync, every read timed; disk: size of keepr.mdb after close; ÷ off: this ÷ compress-off (ops/s, bytes)',
    ...(repeated ? ['  passes: lowest/highest pass write rate vs the median pass shown (reads and disk come from that pass)'] : []),
    ...recommendation.lines.map((l) => `  ${l}`),
  ];
  return { lines, json: recommendation.json };
}

export const wc: WorkloadDef = {
  id: 'wc',
  title: 'WC compression: LZ4 threshold off / 16 KiB / 1 KiB, writes, reads and bytes on disk',
  contenders,
  run,
  report,
};
