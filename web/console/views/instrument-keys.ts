/**
 * `#/instruments/keys/<name>?after=<key>` (or `?before=<key>`): a keyed column as a paged table
 * of keys and values, keys as base64url in the hash (they may be binary), with a bar chart of
 * the page when the values are numbers.
 */
import { api, pathOf } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import { count } from '../lib/format.js';
import { cellText, indexText, keyText, numericType, plotNumber, type InstrumentInfo, type JsonCell } from '../lib/instrument-cells.js';
import { barChart, chartWidth } from '../lib/plot.js';
import { link, type ViewContext } from '../lib/router.js';

/** Rows per page. */
export const PAGE = 50;

interface KeyedAnswer {
  readonly keys: string[];
  readonly values: JsonCell[];
}

function pageHash(name: string, bound: 'after' | 'before', key: string): string {
  return `${link('instruments', 'keys', name)}?${bound}=${key}`;
}

/** The keyed column view. */
export async function instrumentKeys(ctx: ViewContext): Promise<void> {
  const name = ctx.params['name']!;
  const path = `/v1/instruments/${pathOf(name)}`;
  const info = await api<InstrumentInfo>(path, { signal: ctx.signal });
  if (info.index !== 'key') {
    location.replace(`#/instruments/plot?names=${encodeURIComponent(name)}`);
    return;
  }
  const after = ctx.query.get('after');
  const before = ctx.query.get('before');
  // One row more than a page tells whether there is another page that way.
  const query = new URLSearchParams({ keyEncoding: 'base64url', limit: String(PAGE + 1) });
  if (before !== null) {
    query.set('lt', before);
    query.set('reverse', 'true');
  } else if (after !== null) {
    query.set('gt', after);
  }
  const answer = await api<KeyedAnswer>(`${path}/points?${query}`, { signal: ctx.signal });
  const more = answer.keys.length > PAGE;
  let keys = answer.keys.slice(0, PAGE);
  let values = answer.values.slice(0, PAGE);
  if (before !== null) {
    keys = keys.reverse();
    values = values.reverse();
  }
  const hasPrev = before !== null ? more : after !== null;
  const hasNext = before !== null ? true : more;
  const firstKey = keys[0];
  const lastKey = keys.at(-1);
  const nav = h(
    'div',
    { class: 'row pager' },
    hasPrev && firstKey !== undefined ? h('a', { href: pageHash(name, 'before', firstKey), class: 'prev' }, '← previous') : h('span', { class: 'muted' }, '← previous'),
    hasNext && lastKey !== undefined ? h('a', { href: pageHash(name, 'after', lastKey), class: 'next' }, 'next →') : h('span', { class: 'muted' }, 'next →'),
    h('a', { href: link('instruments', 'keys', name) }, 'first page'),
  );
  const labels = keys.map(keyText);
  const rows = keys.map((_, i) => {
    const cell = values[i];
    return [labels[i]!, cell === null || cell === undefined ? h('span', { class: 'na' }, 'NA') : cellText(cell)];
  });
  const chartBox = h('div', { class: 'instrument-bars' });
  replace(
    ctx.root,
    h('div', { class: 'breadcrumbs' }, h('a', { href: link('instruments') }, 'instruments'), ' / ', name),
    h('h1', {}, name),
    h('p', { class: 'muted' }, `keyed column of ${info.type}: ${count(info.points)} keys, from ${indexText(info, info.first)} to ${indexText(info, info.last)}`),
    nav,
    chartBox,
    keys.length === 0 ? h('p', { class: 'muted' }, 'No keys on this page.') : table(['key', 'value'], rows, { num: numericType(info.type) ? [1] : [], className: 'instrument-keys' }),
  );
  if (numericType(info.type) && keys.length > 0) {
    const width = chartWidth(ctx.root);
    const chart = barChart(chartBox, labels, values.map(plotNumber), { width, height: 300, label: name });
    ctx.signal.addEventListener(
      'abort',
      () => {
        chart.destroy();
      },
      { once: true },
    );
  }
  ctx.ready();
}
