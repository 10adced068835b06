/**
 * Memory sampling inside a contender's process: `process.memoryUsage()` for RSS and heap, and
 * `/proc/self/status` for VmHWM (the kernel's peak RSS) and RssAnon (RSS not backed by files,
 * so an LMDB map's pages do not count). Synchronous loops call {@link MemorySampler.sample}
 * every few thousand operations; a timer samples while the event loop is free. A workload
 * calls {@link MemorySampler.freeze} when its timed phase ends, so that checking the answers
 * afterwards (which rebuilds the expected values) does not count.
 */
import { readFileSync } from 'node:fs';

const MiB = 1024 * 1024;

/** Peaks seen by a sampler, in MiB. */
export interface MemoryPeaks {
  /** Peak resident set (the larger of VmHWM and the sampled RSS). */
  readonly peakRssMiB: number;
  /** Peak RSS not backed by files (RssAnon), sampled. */
  readonly peakAnonMiB: number;
  /** Peak V8 heapUsed, sampled. */
  readonly peakHeapMiB: number;
  /** Peak of heapUsed + RssAnon at one sample (the heap lives in anonymous memory, so this counts it twice: an upper bound). */
  readonly peakHeapPlusAnonMiB: number;
  /** RssAnon and heapUsed when the sampler started (runtime and loader overhead). */
  readonly baseAnonMiB: number;
  readonly baseHeapMiB: number;
  readonly memorySamples: number;
}

function statusKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]);
}

/** Samples memory on demand and on a timer, keeping peaks. */
export class MemorySampler {
  #rss = 0;
  #anon = 0;
  #heap = 0;
  #sum = 0;
  #hwm = 0;
  #samples = 0;
  #timer: NodeJS.Timeout | undefined;
  #frozen = false;
  readonly #baseAnon: number;
  readonly #baseHeap: number;

  constructor() {
    const first = this.#take();
    this.#baseAnon = first.anon;
    this.#baseHeap = first.heap;
  }

  /** Takes one sample now (about 20 µs: one read of /proc/self/status). */
  sample(): void {
    if (this.#frozen) return;
    this.#take();
  }

  #take(): { anon: number; heap: number } {
    const usage = process.memoryUsage();
    let anon = usage.rss;
    try {
      const status = readFileSync('/proc/self/status', 'latin1');
      anon = (statusKiB(status, 'RssAnon') ?? usage.rss / 1024) * 1024;
      this.#hwm = Math.max(this.#hwm, (statusKiB(status, 'VmHWM') ?? 0) * 1024);
    } catch {
      // Not Linux: RSS stands in for RssAnon.
    }
    this.#samples++;
    this.#rss = Math.max(this.#rss, usage.rss);
    this.#anon = Math.max(this.#anon, anon);
    this.#heap = Math.max(this.#heap, usage.heapUsed);
    this.#sum = Math.max(this.#sum, anon + usage.heapUsed);
    return { anon, heap: usage.heapUsed };
  }

  /** Samples every `ms` while the event loop is free. */
  start(ms = 25): void {
    this.#timer ??= setInterval(() => {
      this.sample();
    }, ms).unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes a last sample and stops: later samples are ignored (call it when the timed phase ends). */
  freeze(): void {
    this.sample();
    this.stop();
    this.#frozen = true;
  }

  /** Peaks so far (takes a last sample unless frozen). */
  peaks(): MemoryPeaks {
    this.sample();
    const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
    return {
      peakRssMiB: mib(Math.max(this.#rss, this.#hwm)),
      peakAnonMiB: mib(this.#anon),
      peakHeapMiB: mib(this.#heap),
      peakHeapPlusAnonMiB: mib(this.#sum),
      baseAnonMiB: mib(this.#baseAnon),
      baseHeapMiB: mib(this.#baseHeap),
      memorySamples: this.#samples,
    };
  }
}
