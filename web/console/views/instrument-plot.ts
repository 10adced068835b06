/**
 * `#/instruments/plot?names=a,b&from=<µs>&to=<µs>`: time series on one uPlot chart, drawn from
 * the server's M4 downsample at about one bucket per pixel, so a 10M-point series costs a few
 * thousand points. Dragging zooms, buttons and arrow keys pan; each refetches, and the range is
 * kept in the hash (replaced, so a zoom is not a history entry).
 */
import { api, call, download, pathOf } from '../lib/api.js';
import { errorPanel, h, replace } from '../lib/dom.js';
import { count, micros } from '../lib/format.js';
import { indexText, plottable, type InstrumentInfo } from '../lib/instrument-cells.js';
import { alignAnswers, chartWidth, fetchM4, PALETTE, timeChart, toMicros, toSeconds, type M4Answer, type Range } from '../lib/plot.js';
import type { ViewContext } from '../lib/router.js';

/** What the plot shows, for tests (`window.keeprPlot`): the range, buckets and the M4 answers drawn. */
export interface PlotState {
  readonly names: readonly string[];
  /** µs, decimal. */
  readonly from: string;
  readonly to: string;
  readonly buckets: number;
  /** Completed reads so far (1 after the first draw). */
  readonly fetches: number;
  /** The M4 answer drawn for each name. */
  readonly answers: Readonly<Record<string, M4Answer>>;
}

declare global {
  interface Window {
    /** The plot view's current state (read by the browser tests). */
    keeprPlot?: PlotState;
  }
}

const ALIGNED = '\u0000aligned';
const HEIGHT = 420;

/** The hash of the plot of `names` over `range` (the whole of them without one). */
export function plotHash(names: readonly string[], range?: Range): string {
  const query = new URLSearchParams({ names: names.join(',') });
  if (range !== undefined) {
    query.set('from', String(range.from));
    query.set('to', String(range.to));
  }
  // Names are `A-Z a-z 0-9 . _ -`: keep the commas readable.
  return `#/instruments/plot?${query.toString().replace(/%2C/g, ',')}`;
}

/** From the first stored time to just after the last, over all `infos`; undefined when none has points. */
function fullRange(infos: readonly InstrumentInfo[]): Range | undefined {
  let from: bigint | undefined;
  let to: bigint | undefined;
  for (const info of infos) {
    if (info.first === null || info.last === null) continue;
    const first = BigInt(info.first);
    const last = BigInt(info.last) + 1n;
    if (from === undefined || first < from) from = first;
    if (to === undefined || last > to) to = last;
  }
  return from === undefined || to === undefined ? undefined : { from, to };
}

function micro(query: URLSearchParams, name: string): bigint | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw new Error(`${name} must be a time in µs since the epoch (a decimal integer), not ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** The plot view. */
export async function instrumentPlot(ctx: ViewContext): Promise<void> {
  const names = (ctx.query.get('names') ?? '').split(',').filter((n) => n !== '');
  if (names.length === 0) throw new Error('nothing to plot: pick time series on the instrument list (names=a,b)');
  const infos = await Promise.all(names.map((name) => api<InstrumentInfo>(`/v1/instruments/${pathOf(name)}`, { signal: ctx.signal })));
  for (const info of infos) {
    if (!plottable(info)) throw new Error(`${info.name} is a ${info.index === 'key' ? 'keyed column' : `${info.type} time series`}: only numeric time series plot`);
  }
  const full = fullRange(infos);
  const title = h('h1', {}, 'Plot: ', names.join(', '));
  if (full === undefined) {
    replace(ctx.root, title, h('p', { class: 'muted' }, 'These instruments hold no points yet.'));
    ctx.ready();
    return;
  }
  const from = micro(ctx.query, 'from') ?? full.from;
  const to = micro(ctx.query, 'to') ?? full.to;
  let range: Range = to > from ? { from, to } : full;

  const width = chartWidth(ctx.root);
  // About one bucket per pixel of the plotting area (the width less the y axis).
  const buckets = Math.max(10, width - 80);
  const figure = h('div', { class: 'instrument-plot', tabindex: 0, 'aria-label': 'plot: drag to zoom, arrow keys to pan, + and - to zoom, 0 to reset' });
  const rangeText = h('span', { class: 'range mono' });
  const status = h('div', { class: 'plot-status' });
  const drawn = h('span', { class: 'muted' });
  const exportWhich = h('select', { 'aria-label': 'series to export' }, names.map((n) => h('option', { value: n }, n)), names.length > 1 ? h('option', { value: ALIGNED }, 'all, aligned') : null);

  let fetches = 0;
  let inflight: AbortController | undefined;
  let firstDraw: (() => void) | undefined;
  const drawnOnce = new Promise<void>((resolve) => (firstDraw = resolve));

  const show = (answers: readonly M4Answer[]): void => {
    fetches++;
    const points = answers.reduce((n, a) => n + a.times.length, 0);
    // The range is half-open: show the last µs it holds.
    rangeText.textContent = `${micros(range.from)} … ${micros(range.to - 1n)}`;
    drawn.textContent = `${count(points)} M4 points in ${count(buckets)} buckets`;
    Object.assign(figure.dataset, { from: String(range.from), to: String(range.to), buckets: String(buckets), fetches: String(fetches) });
    window.keeprPlot = { names, from: String(range.from), to: String(range.to), buckets, fetches, answers: Object.fromEntries(names.map((n, i) => [n, answers[i]!])) };
  };

  const read = async (next: Range): Promise<M4Answer[]> => {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    const stop = (): void => {
      controller.abort();
    };
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      return await Promise.all(names.map((name) => fetchM4(name, next, buckets, controller.signal)));
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
  };

  /** Shows `next` (refetching), keeping it in the hash. */
  const go = async (next: Range): Promise<void> => {
    if (next.to <= next.from) return;
    const answers = await read(next);
    range = next;
    history.replaceState(null, '', plotHash(names, range));
    replace(status);
    chart.setData(alignAnswers(answers));
    show(answers);
  };
  const goSafely = (next: Range): void => {
    go(next).catch((err: unknown) => {
      if (ctx.signal.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
      replace(status, errorPanel(err));
    });
  };
  const span = (): bigint => range.to - range.from;
  const pan = (quarters: bigint): void => {
    const shift = (span() * quarters) / 4n;
    goSafely({ from: range.from + shift, to: range.to + shift });
  };
  const zoom = (factor: 'in' | 'out'): void => {
    const mid = range.from + span() / 2n;
    const half = factor === 'in' ? span() / 4n : span();
    goSafely({ from: mid - (half > 0n ? half : 1n), to: mid + (half > 0n ? half : 1n) });
  };
  const exportRange = async (format: 'csv' | 'arrow'): Promise<void> => {
    const which = exportWhich.value;
    const query = new URLSearchParams({ gte: String(range.from), lt: String(range.to), format });
    const path = which === ALIGNED ? `/v1/aligned?names=${names.join(',')}&${query}` : `/v1/instruments/${pathOf(which)}/points?${query}`;
    const response = await call(path, { accept: format === 'csv' ? 'text/csv' : 'application/vnd.apache.arrow.stream', signal: ctx.signal });
    const stem = which === ALIGNED ? names.join('+') : which;
    download(await response.blob(), `${stem}_${range.from}_${range.to}.${format}`);
  };
  const exportSafely = (format: 'csv' | 'arrow'): void => {
    exportRange(format).catch((err: unknown) => {
      if (!ctx.signal.aborted) replace(status, errorPanel(err));
    });
  };

  /** What a button or key does to the range. */
  type Move = 'left' | 'right' | 'in' | 'out' | 'reset';
  const move = (what: Move): void => {
    if (what === 'left' || what === 'right') pan(what === 'left' ? -1n : 1n);
    else if (what === 'reset') goSafely(full);
    else zoom(what);
  };
  const KEYS: Record<string, Move> = { ArrowLeft: 'left', ArrowRight: 'right', '+': 'in', '=': 'in', '-': 'out', '0': 'reset', Home: 'reset' };
  figure.addEventListener('keydown', (event) => {
    const what = KEYS[event.key];
    if (what === undefined) return;
    event.preventDefault();
    move(what);
  });

  const answers = await read(range);
  const facts = h(
    'table',
    { class: 'plot-series' },
    h('thead', {}, h('tr', {}, ['', 'instrument', 'type', 'points', 'first', 'last'].map((t, i) => h('th', { class: i === 3 ? 'num' : undefined }, t)))),
    h(
      'tbody',
      {},
      infos.map((info, i) =>
        h(
          'tr',
          {},
          h('td', {}, h('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]!}` })),
          h('td', {}, h('a', { href: plotHash([info.name]) }, info.name)),
          h('td', {}, info.type),
          h('td', { class: 'num' }, count(info.points)),
          h('td', {}, indexText(info, info.first)),
          h('td', {}, indexText(info, info.last)),
        ),
      ),
    ),
  );
  const button = (label: string, title: string, cls: string, action: () => void): HTMLButtonElement =>
    h('button', {
      type: 'button',
      class: cls,
      title,
      onclick: () => {
        action();
      },
    }, label);
  const moveButton = (label: string, title: string, what: Move): HTMLButtonElement => button(label, title, `secondary move-${what}`, () => {
    move(what);
  });
  replace(
    ctx.root,
    title,
    h(
      'div',
      { class: 'row plot-controls' },
      moveButton('←', 'pan left a quarter (←)', 'left'),
      moveButton('→', 'pan right a quarter (→)', 'right'),
      moveButton('zoom in', 'halve the range (+); or drag on the plot', 'in'),
      moveButton('zoom out', 'double the range (-)', 'out'),
      moveButton('reset', 'the whole of the series (0)', 'reset'),
      rangeText,
    ),
    figure,
    h(
      'div',
      { class: 'row' },
      drawn,
      h('span', { class: 'spacer' }),
      'export the visible range: ',
      exportWhich,
      button('CSV', 'points in the visible range as CSV', 'export-csv', () => {
        exportSafely('csv');
      }),
      button('Arrow', 'points in the visible range as an Arrow IPC stream', 'export-arrow', () => {
        exportSafely('arrow');
      }),
    ),
    status,
    facts,
  );
  const chart = timeChart(figure, alignAnswers(answers), {
    names,
    width,
    height: HEIGHT,
    xRange: () => [toSeconds(range.from), toSeconds(range.to)],
    onSelect: (a, b) => {
      goSafely({ from: toMicros(a), to: toMicros(b) });
    },
    onDraw: () => firstDraw?.(),
  });
  ctx.signal.addEventListener(
    'abort',
    () => {
      chart.destroy();
    },
    { once: true },
  );
  show(answers);
  await drawnOnce;
  ctx.ready();
}
