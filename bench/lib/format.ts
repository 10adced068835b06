/** Plain-text tables and number formatting for the driver's report. */

/** `1234567.8` → `1,234,568`. */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A rate with three significant figures (and thousands separators above 1,000). */
export function rate(value: number): string {
  if (value >= 1000) return int(value);
  return value.toPrecision(3);
}

/** Microseconds as `12.3 µs` or `4.56 ms`. */
export function micros(us: number | undefined): string {
  if (us === undefined) return '-';
  if (us < 1000) return `${us.toPrecision(3)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)} ms`;
  return `${(us / 1_000_000).toPrecision(3)} s`;
}

/** A MiB figure with one decimal. */
export function mib(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(1);
}

/** A ratio as `1.23×`. */
export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}×`;
}

/** Lays out rows under a header, columns padded; numbers (any cell but the first) right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
