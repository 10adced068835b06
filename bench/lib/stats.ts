/** Timing helpers: a monotonic clock in microseconds and percentiles of latency samples. */

/** Microseconds on a monotonic clock. */
export function nowUs(): number {
  return performance.now() * 1000;
}

/** A growable list of latency samples in microseconds. */
export class Latencies {
  #values: Float64Array;
  #length = 0;

  constructor(capacity = 1024) {
    this.#values = new Float64Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.#length;
  }

  add(us: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = us;
  }

  /** The p-th percentile (0 to 100, nearest rank), or undefined without samples. */
  percentile(p: number): number | undefined {
    if (this.#length === 0) return undefined;
    const sorted = this.#values.slice(0, this.#length).sort();
    const rank = Math.min(this.#length - 1, Math.max(0, Math.ceil((p / 100) * this.#length) - 1));
    return sorted[rank];
  }

  /** `{ p50Us, p99Us }` rounded to 0.01 µs, or `{}` without samples. */
  summary(): { p50Us?: number; p99Us?: number; latencySamples?: number } {
    const p50 = this.percentile(50);
    const p99 = this.percentile(99);
    if (p50 === undefined || p99 === undefined) return {};
    return { p50Us: round(p50, 2), p99Us: round(p99, 2), latencySamples: this.#length };
  }
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
