/**
 * A state's heights as a timeline: a bar per height (its change count; click one to open it)
 * and a paged table of height, root and changes, newest first. Heights are read newest first,
 * 1,000 per request; "older" pages load more.
 */
import { api } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import { count, shortHash } from '../lib/format.js';
import { link } from '../lib/router.js';
import { drawBars } from '../lib/sparkline.js';
import { statePath, type HeightItem } from './state-api.js';

const FETCH = 1000;
const ROWS = 25;

/** The timeline of `state`: appends its elements to `into` and resolves once the chart is drawn. */
export async function timeline(into: HTMLElement, state: string, signal: AbortSignal): Promise<void> {
  const heights: HeightItem[] = []; // newest first
  let cursor: string | null = null;
  let page = 0;
  const canvas = h('canvas', { id: 'state-timeline', class: 'timeline', title: 'changes per height; click a bar to open its height' });
  const caption = h('p', { class: 'muted' });
  const body = h('div', { class: 'heights-page' });
  const more = h('button', { type: 'button', class: 'secondary', onclick: () => void load() }, `load ${count(FETCH)} older heights`);
  into.append(h('h2', {}, 'Timeline'), caption, canvas, body);

  async function load(): Promise<void> {
    const query: string = `reverse=true&limit=${FETCH}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const answer: { items: HeightItem[]; cursor: string | null } = await api(statePath(state, `/heights?${query}`), { signal });
    heights.push(...answer.items);
    cursor = answer.cursor;
    draw();
    show();
  }

  function draw(): void {
    const oldest = [...heights].reverse();
    const width = Math.max(320, Math.min(into.clientWidth || 960, 1200));
    const at = drawBars(
      canvas,
      oldest.map((x) => x.changes),
      { width, height: 120 },
    );
    canvas.onclick = (event) => {
      const i = at(event.offsetX);
      const item = i === undefined ? undefined : oldest[i];
      if (item !== undefined) location.hash = link('states', state, 'heights', String(item.height));
    };
    const first = oldest[0];
    const last = oldest.at(-1);
    caption.textContent =
      first === undefined || last === undefined
        ? 'No height committed yet.'
        : `Heights ${first.height} to ${last.height}${cursor === null ? '' : ' (older ones not loaded)'}: ${count(heights.reduce((n, x) => n + x.changes, 0))} changes in ${count(heights.length)} heights.`;
  }

  function turn(by: number): void {
    page += by;
    show();
  }

  function show(): void {
    const pages = Math.max(1, Math.ceil(heights.length / ROWS));
    page = Math.min(page, pages - 1);
    const rows = heights.slice(page * ROWS, page * ROWS + ROWS);
    const nav = h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'secondary', 'data-page': 'newer', disabled: page === 0, onclick: () => { turn(-1); } }, '← newer'),
      h('span', { class: 'muted', 'data-page-number': page + 1 }, `page ${page + 1} of ${pages}`),
      h('button', { type: 'button', class: 'secondary', 'data-page': 'older', disabled: page >= pages - 1, onclick: () => { turn(1); } }, 'older →'),
      cursor === null ? null : more,
    );
    replace(
      body,
      table(
        ['height', 'root', 'changes'],
        rows.map((x) => [h('a', { href: link('states', state, 'heights', String(x.height)) }, String(x.height)), h('code', { title: x.root }, shortHash(x.root)), count(x.changes)]),
        { num: [0, 2], className: 'heights' },
      ),
      nav,
    );
  }

  await load();
}
