/**
 * Plots with uPlot: M4 reads of time series (server-side downsampling, one bucket per pixel, so
 * a 10M-point series costs a few thousand points), their alignment on one time axis, and the
 * time chart and bar chart the instrument views draw.
 */
import uPlot from 'uplot';
import { api, pathOf } from './api.js';
import { micros } from './format.js';
import { plotNumber, type JsonCell } from './instrument-cells.js';

/** Series colours, in order (enough to tell a handful apart). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** The JSON answer of `GET /v1/instruments/{name}/downsample?m4=true&timeUnit=ms`. */
export interface M4Answer {
  /** ms since the epoch (fractional for sub-ms times). */
  readonly times: number[];
  readonly values: JsonCell[];
}

/** A time range in µs: `from` inclusive, `to` exclusive (the downsample's `gte` and `lt`). */
export interface Range {
  readonly from: bigint;
  readonly to: bigint;
}

/** The M4 points of `name` over `range` in `buckets` equal buckets. */
export function fetchM4(name: string, range: Range, buckets: number, signal: AbortSignal): Promise<M4Answer> {
  const query = new URLSearchParams({ m4: 'true', gte: String(range.from), lt: String(range.to), buckets: String(buckets), timeUnit: 'ms' });
  return api<M4Answer>(`/v1/instruments/${pathOf(name)}/downsample?${query}`, { signal });
}

/** M4 answers as uPlot data: x in seconds, one y column per answer, joined on x (a missing x is `undefined`, spanned). */
export function alignAnswers(answers: readonly M4Answer[]): uPlot.AlignedData {
  const tables = answers.map((a): uPlot.AlignedData => [a.times.map((ms) => ms / 1000), a.values.map(plotNumber)]);
  if (tables.length === 1) return tables[0]!;
  return uPlot.join(tables);
}

/** µs to the seconds uPlot's time scale uses. */
export function toSeconds(us: bigint): number {
  return Number(us) / 1e6;
}

/** uPlot seconds back to whole µs. */
export function toMicros(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e6));
}

/** The width for a chart in `root`: its content box less the chart frame's padding and border, at least 360 CSS px. */
export function chartWidth(root: HTMLElement): number {
  const style = getComputedStyle(root);
  const inner = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return Math.max(360, Math.floor(inner) - 16);
}

/** Options of {@link timeChart}. */
export interface TimeChartOptions {
  readonly names: readonly string[];
  readonly width: number;
  readonly height: number;
  /** The x range to show, in seconds (the asked range, even where there are no points). */
  readonly xRange: () => [number, number];
  /** A range dragged on the plot, in seconds. */
  readonly onSelect: (from: number, to: number) => void;
  /** Called after each redraw. */
  readonly onDraw: () => void;
}

const utcDate = (seconds: number): Date => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

/** A uPlot line chart of time series sharing a UTC time axis; dragging selects a range (the caller refetches). */
export function timeChart(target: HTMLElement, data: uPlot.AlignedData, options: TimeChartOptions): uPlot {
  const opts: uPlot.Options = {
    width: options.width,
    height: options.height,
    tzDate: utcDate,
    // The view zooms by refetching, so a drag only selects.
    cursor: { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: true, range: () => options.xRange() } },
    series: [
      { label: 'time (UTC)', value: (_u, v: number | null) => (v === null ? '--' : micros(toMicros(v))) },
      ...options.names.map((name, i): uPlot.Series => ({ label: name, stroke: PALETTE[i % PALETTE.length]!, width: 1, points: { show: false } })),
    ],
    axes: [{}, { size: 60 }],
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 3) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          options.onSelect(from, to);
        },
      ],
      draw: [
        () => {
          options.onDraw();
        },
      ],
    },
  };
  return new uPlot(opts, data, target);
}

/** A bar chart of values at positions 0…n−1 labelled by `labels` (keyed columns). */
export function barChart(target: HTMLElement, labels: readonly string[], values: readonly (number | null)[], options: { width: number; height: number; label: string }): uPlot {
  const xs = labels.map((_, i) => i);
  const bars = uPlot.paths.bars?.({ size: [0.8, 40] });
  const opts: uPlot.Options = {
    width: options.width,
    height: options.height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: () => [-0.5, labels.length - 0.5] } },
    series: [{}, { label: options.label, stroke: PALETTE[0]!, fill: `${PALETTE[0]!}99`, paths: bars, points: { show: false } }],
    axes: [{ values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), rotate: -45, size: 80 }, { size: 60 }],
  };
  return new uPlot(opts, [xs, [...values]], target);
}
