/** Per-minute figures of a soak run, its problems, and the table printed at the end. */
import { loadavg } from 'node:os';
import { Latencies, round } from '../../bench/lib/stats.js';
import type { MemorySample } from './server.js';

/** The operations of the mix. */
export type OpKind = 'get' | 'put' | 'delete' | 'batch';

/** How an operation ended: answered as expected, answered wrongly (an error), or its connection failed. */
export type OpOutcome = 'ok' | 'error' | 'dropped';

/** One row of the report. */
export interface MinuteRow {
  readonly minute: number;
  readonly seconds: number;
  /** Requests answered (as expected or not). */
  readonly requests: number;
  readonly offeredPerSec: number;
  readonly donePerSec: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly getP99Ms: number | null;
  readonly writeP99Ms: number | null;
  readonly errors: number;
  /** Requests whose connection was refused or dropped (kills), not counted as errors. */
  readonly dropped: number;
  /** Requests not sent because too many were in flight. */
  readonly shed: number;
  readonly unavailableSec: number;
  readonly kills: number;
  readonly rssMinMiB: number | null;
  readonly rssMaxMiB: number | null;
  readonly rssLastMiB: number | null;
  readonly anonMaxMiB: number | null;
  readonly pssMaxMiB: number | null;
  /** The machine's 1-minute load average at the minute's last memory sample. */
  readonly load1: number | null;
}

/** Requests answered and p99 latency in one 10-second window. */
export interface Window {
  readonly fromSec: number;
  readonly requests: number;
  readonly p99Ms: number | null;
}

/** An error or lost write, as reported. */
export interface Problem {
  readonly atSec: number;
  readonly what: string;
  readonly detail: string;
}

class Minute {
  requests = 0;
  errors = 0;
  dropped = 0;
  shed = 0;
  unavailableMs = 0;
  kills = 0;
  rssMin = Infinity;
  rssMax = 0;
  rssLast = 0;
  anonMax = 0;
  pssMax = 0;
  load: number | null = null;
  readonly all = new Latencies(4096);
  readonly gets = new Latencies(4096);
  readonly writes = new Latencies(1024);
}

const ms = (us: number | undefined): number | null => (us === undefined ? null : round(us / 1000, 2));
const mib = (kib: number): number => round(kib / 1024, 1);

/** Collects operations, memory samples, outages and problems into minute buckets. */
export class Recorder {
  readonly #minutes: Minute[] = [];
  readonly #windows: Latencies[] = [];
  readonly errors: Problem[] = [];
  readonly lost: Problem[] = [];
  errorCount = 0;
  lostCount = 0;

  constructor(
    readonly startMs: number,
    readonly durationMs: number,
    readonly offeredPerSec: number,
  ) {
    for (let i = 0; i < Math.ceil(durationMs / 60_000); i++) this.#minutes.push(new Minute());
    for (let i = 0; i < Math.ceil(durationMs / 10_000); i++) this.#windows.push(new Latencies(1024));
  }

  #at(t: number): Minute {
    const index = Math.floor((t - this.startMs) / 60_000);
    return this.#minutes[Math.max(0, Math.min(this.#minutes.length - 1, index))]!;
  }

  /** Seconds since the soak started. */
  sinceStart(t = performance.now()): number {
    return round((t - this.startMs) / 1000, 3);
  }

  /** Records one operation that ended at `t`. */
  op(kind: OpKind, outcome: OpOutcome, latencyUs: number, t = performance.now()): void {
    const m = this.#at(t);
    if (outcome === 'dropped') {
      m.dropped++;
      return;
    }
    m.requests++;
    if (outcome === 'error') return;
    m.all.add(latencyUs);
    this.#windows[Math.max(0, Math.min(this.#windows.length - 1, Math.floor((t - this.startMs) / 10_000)))]!.add(latencyUs);
    (kind === 'get' ? m.gets : m.writes).add(latencyUs);
  }

  /** An operation the schedule offered but that was not sent (too many in flight). */
  shed(t = performance.now()): void {
    this.#at(t).shed++;
  }

  /** An unexpected answer or failure; `what` names the kind (it is counted in the minute of `t`). */
  error(what: string, detail: string, t = performance.now()): void {
    this.errorCount++;
    this.#at(t).errors++;
    if (this.errors.length < 50) this.errors.push({ atSec: this.sinceStart(t), what, detail });
  }

  /** An acknowledged write that is missing or wrong, or an acknowledged delete whose key came back. */
  lostWrite(what: string, detail: string, t = performance.now()): void {
    this.lostCount++;
    if (this.lost.length < 50) this.lost.push({ atSec: this.sinceStart(t), what, detail });
  }

  /** The server could not be reached from `from` to `to` (split over the minutes it spans). */
  unavailable(from: number, to: number): void {
    let t = from;
    while (t < to) {
      const minuteEnd = this.startMs + (Math.floor((t - this.startMs) / 60_000) + 1) * 60_000;
      const end = Math.min(to, minuteEnd);
      this.#at(t).unavailableMs += end - t;
      t = end;
    }
  }

  /** A server SIGKILLed at `t`. */
  kill(t = performance.now()): void {
    this.#at(t).kills++;
  }

  /** A sample of the server's memory at `t`. */
  memory(sample: MemorySample, t = performance.now()): void {
    const m = this.#at(t);
    m.rssMin = Math.min(m.rssMin, sample.rssKiB);
    m.rssMax = Math.max(m.rssMax, sample.rssKiB);
    m.rssLast = sample.rssKiB;
    m.anonMax = Math.max(m.anonMax, sample.anonKiB);
    m.pssMax = Math.max(m.pssMax, sample.pssKiB);
    m.load = round(loadavg()[0] ?? 0, 2);
  }

  /** p99 latency per 10 seconds (to see whether spikes follow restarts). */
  windows(): Window[] {
    return this.#windows.map((w, i) => ({ fromSec: i * 10, requests: w.length, p99Ms: ms(w.percentile(99)) }));
  }

  /** The minute rows. */
  rows(): MinuteRow[] {
    return this.#minutes.map((m, i) => {
      const seconds = Math.min(60, (this.durationMs - i * 60_000) / 1000);
      const sampled = m.rssMax > 0;
      return {
        minute: i + 1,
        seconds,
        requests: m.requests,
        offeredPerSec: round(this.offeredPerSec),
        donePerSec: round(m.requests / seconds),
        p50Ms: ms(m.all.percentile(50)),
        p99Ms: ms(m.all.percentile(99)),
        getP99Ms: ms(m.gets.percentile(99)),
        writeP99Ms: ms(m.writes.percentile(99)),
        errors: m.errors,
        dropped: m.dropped,
        shed: m.shed,
        unavailableSec: round(m.unavailableMs / 1000, 2),
        kills: m.kills,
        rssMinMiB: sampled ? mib(m.rssMin) : null,
        rssMaxMiB: sampled ? mib(m.rssMax) : null,
        rssLastMiB: sampled ? mib(m.rssLast) : null,
        anonMaxMiB: sampled ? mib(m.anonMax) : null,
        pssMaxMiB: sampled ? mib(m.pssMax) : null,
        load1: m.load,
      };
    });
  }
}

const COLUMNS: [string, (r: MinuteRow) => string | number | null][] = [
  ['min', (r) => r.minute],
  ['requests', (r) => r.requests],
  ['offered/s', (r) => r.offeredPerSec],
  ['done/s', (r) => r.donePerSec],
  ['p50 ms', (r) => r.p50Ms],
  ['p99 ms', (r) => r.p99Ms],
  ['get p99', (r) => r.getP99Ms],
  ['write p99', (r) => r.writeP99Ms],
  ['errors', (r) => r.errors],
  ['dropped', (r) => r.dropped],
  ['unavail s', (r) => r.unavailableSec],
  ['kills', (r) => r.kills],
  ['rss min', (r) => r.rssMinMiB],
  ['rss max', (r) => r.rssMaxMiB],
  ['rss last', (r) => r.rssLastMiB],
  ['anon max', (r) => r.anonMaxMiB],
  ['pss max', (r) => r.pssMaxMiB],
  ['load', (r) => r.load1],
];

/** The minute rows as a text table (memory in MiB). */
export function formatTable(rows: readonly MinuteRow[]): string {
  const cells = [COLUMNS.map(([name]) => name), ...rows.map((r) => COLUMNS.map(([, get]) => String(get(r) ?? '-')))];
  const widths = COLUMNS.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  return cells.map((row) => row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n');
}
