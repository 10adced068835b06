/**
 * Instruments: the list of time series and keyed columns (`#/instruments`), with boxes to plot
 * several time series together; the plot and keyed-column views live in instrument-*.ts.
 */
import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { bytes, count } from '../lib/format.js';
import { indexText, plottable, type InstrumentInfo } from '../lib/instrument-cells.js';
import { link, type Route, type ViewContext } from '../lib/router.js';
import { instrumentKeys } from './instrument-keys.js';
import { instrumentPlot, plotHash } from './instrument-plot.js';

/** Where an instrument's link goes: its plot (time series) or its key table (keyed column). */
function instrumentHref(info: InstrumentInfo): string {
  return info.index === 'key' ? link('instruments', 'keys', info.name) : plotHash([info.name]);
}

async function instrumentList(ctx: ViewContext): Promise<void> {
  const { instruments } = await api<{ instruments: InstrumentInfo[] }>('/v1/instruments', { signal: ctx.signal });
  if (instruments.length === 0) {
    replace(ctx.root, h('h1', {}, 'Instruments'), h('p', { class: 'muted' }, 'This store has no instruments yet.'));
    ctx.ready();
    return;
  }
  const plotButton = h('button', { type: 'button', class: 'plot-selected', disabled: true, title: 'tick time series to plot them together' }, 'Plot selected');
  const boxes: HTMLInputElement[] = [];
  const checked = (): string[] => boxes.filter((b) => b.checked).map((b) => b.value);
  const onTick = (): void => {
    plotButton.disabled = checked().length === 0;
  };
  plotButton.addEventListener('click', () => {
    const names = checked();
    if (names.length > 0) location.hash = plotHash(names);
  });
  const head = ['', 'name', 'type', 'index', 'points', 'chunks', 'bytes', 'first', 'last'];
  const NUM = new Set([4, 5, 6]);
  const rows = instruments.map((info) => {
    let box: HTMLInputElement | string = '';
    if (plottable(info)) {
      box = h('input', { type: 'checkbox', value: info.name, 'aria-label': `plot ${info.name}`, onchange: onTick });
      boxes.push(box);
    }
    const cells = [box, h('a', { href: instrumentHref(info) }, info.name), info.type, info.index, count(info.points), count(info.chunks), bytes(info.bytes), indexText(info, info.first), indexText(info, info.last)];
    return h('tr', { 'data-name': info.name }, cells.map((cell, i) => h('td', { class: NUM.has(i) ? 'num' : undefined }, cell)));
  });
  replace(
    ctx.root,
    h('h1', {}, 'Instruments'),
    h('div', { class: 'row' }, plotButton, h('span', { class: 'muted' }, 'tick numeric time series to plot them on one time axis')),
    h('table', { class: 'instruments' }, h('thead', {}, h('tr', {}, head.map((t, i) => h('th', { class: NUM.has(i) ? 'num' : undefined }, t)))), h('tbody', {}, rows)),
  );
  ctx.ready();
}

/** The routes of this view file (the plot before `keys/:name`; neither collides with a name, which sits after them). */
export const instrumentRoutes: readonly Route[] = [
  { path: '/instruments', section: 'instruments', name: 'instruments', render: instrumentList },
  { path: '/instruments/plot', section: 'instruments', name: 'instrument-plot', render: instrumentPlot },
  { path: '/instruments/keys/:name', section: 'instruments', name: 'instrument-keys', render: instrumentKeys },
];
