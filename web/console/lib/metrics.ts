/**
 * The Prometheus text format as the operations view needs it: samples with labels, sums over
 * label filters, and quantiles from a histogram's cumulative buckets.
 */

/** One sample line: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  // name="value" pairs; values escape \\ \" and \n (exposition format 0.0.4).
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(pattern)) {
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** Every sample of a scrape (comments and malformed lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') continue;
    samples.push({ name: m[1]!, labels: m[2] === undefined ? {} : parseLabels(m[2]), value });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels pass `keep`. */
export function total(samples: readonly Sample[], name: string, keep: (labels: Readonly<Record<string, string>>) => boolean = () => true): number {
  let sum = 0;
  for (const s of samples) if (s.name === name && keep(s.labels)) sum += s.value;
  return sum;
}

/** Cumulative bucket counts of a histogram, summed over every other label: `[le, count]` by le. */
export function buckets(samples: readonly Sample[], histogram: string): [number, number][] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${histogram}_bucket`) continue;
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].sort((a, b) => a[0] - b[0]);
}

/** Bucket counts of `now` less those of `before` (the observations between two scrapes). */
export function bucketDelta(now: readonly [number, number][], before: readonly [number, number][]): [number, number][] {
  const old = new Map(before);
  return now.map(([le, c]) => [le, c - (old.get(le) ?? 0)]);
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside its bucket (as PromQL's
 * histogram_quantile); NaN without observations, the last finite bound when it falls in +Inf.
 */
export function quantile(q: number, cumulative: readonly [number, number][]): number {
  const count = cumulative.at(-1)?.[1] ?? 0;
  if (count <= 0) return NaN;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const [le, c] of cumulative) {
    if (c >= rank) {
      if (le === Infinity) return lower;
      return c === below ? le : lower + ((le - lower) * (rank - below)) / (c - below);
    }
    lower = le;
    below = c;
  }
  return lower;
}
