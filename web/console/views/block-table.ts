/**
 * A tensor's cells as a paged table: rank 1 as index and value, rank 2 as rows × columns, rank
 * 3 and up one slice of the leading index at a time (the middle indices as row labels). Pages
 * hold {@link ROWS} rows and {@link COLS} columns; NA cells read `NA`, factors their labels,
 * times ISO dates with µs.
 */
import type { BlockReader } from '../lib/block-reader.js';
import { h, replace } from '../lib/dom.js';
import { count, micros } from '../lib/format.js';

/** Rows per page. */
export const ROWS = 100;
/** Columns per page. */
export const COLS = 20;

const formatTime = (us: bigint): string => micros(us);

function cell(block: BlockReader, i: number): HTMLTableCellElement {
  const text = block.text(i, formatTime);
  if (text === null) return h('td', { class: 'na' }, 'NA');
  return h('td', { class: block.type === 'string' || block.type === 'factor' ? undefined : 'num' }, text);
}

/** The label of row `r` of a slice of `[d1, …, dn-1]` rows: its indices over the middle dims. */
function rowLabel(middle: readonly number[], r: number): string {
  if (middle.length <= 1) return String(r);
  const parts: number[] = [];
  let rest = r;
  for (let k = middle.length - 1; k >= 0; k--) {
    const d = middle[k]!;
    parts.unshift(rest % d);
    rest = Math.floor(rest / d);
  }
  return parts.join(', ');
}

/** The cells of `block` (a tensor) as a table with row, column and slice pagers. */
export function cellTable(block: BlockReader): HTMLElement {
  const shape = block.shape;
  if (shape.length === 0) {
    return h('table', { class: 'cells scalar' }, h('tbody', {}, h('tr', {}, h('th', {}, 'value'), cell(block, 0))));
  }
  const rank = shape.length;
  const slices = rank >= 3 ? shape[0]! : 1;
  const middle = rank >= 3 ? shape.slice(1, -1) : rank === 2 ? [shape[0]!] : [];
  const rows = rank === 1 ? shape[0]! : middle.reduce((a, b) => a * b, 1);
  const cols = rank === 1 ? 1 : shape[rank - 1]!;
  let slice = 0;
  let row0 = 0;
  let col0 = 0;
  const holder = h('div', { class: 'cell-table' });
  const draw = (): void => {
    const rowEnd = Math.min(rows, row0 + ROWS);
    const colEnd = Math.min(cols, col0 + COLS);
    const base = slice * rows * cols;
    const head = h('tr', {}, h('th', {}, rank >= 3 ? `[${slice}, …]` : ''), rank === 1 ? h('th', { class: 'num' }, 'value') : Array.from({ length: colEnd - col0 }, (_, j) => h('th', { class: 'num' }, String(col0 + j))));
    const body = Array.from({ length: rowEnd - row0 }, (_, k) => {
      const r = row0 + k;
      return h('tr', {}, h('th', { class: 'num' }, rowLabel(middle, r)), Array.from({ length: colEnd - col0 }, (_, j) => cell(block, base + r * cols + col0 + j)));
    });
    const button = (label: string, enabled: boolean, go: () => void, cls: string): HTMLButtonElement =>
      h('button', { type: 'button', class: `secondary ${cls}`, disabled: !enabled, onclick: () => { go(); draw(); } }, label);
    replace(
      holder,
      h(
        'div',
        { class: 'row pager' },
        rank >= 3
          ? h('label', {}, 'slice ', h('input', {
              type: 'number', min: 0, max: slices - 1, value: slice, class: 'slice',
              onchange: (event: Event) => {
                const v = Number((event.target as HTMLInputElement).value);
                if (Number.isInteger(v) && v >= 0 && v < slices) { slice = v; row0 = 0; draw(); }
              },
            }), ` of ${count(slices)}`)
          : null,
        button('◀ rows', row0 > 0, () => (row0 -= ROWS), 'prev-rows'),
        h('span', { class: 'muted rows-shown' }, `rows ${count(rows === 0 ? 0 : row0 + 1)}–${count(rowEnd)} of ${count(rows)}`),
        button('rows ▶', rowEnd < rows, () => (row0 += ROWS), 'next-rows'),
        cols > COLS ? button('◀ columns', col0 > 0, () => (col0 -= COLS), 'prev-cols') : null,
        cols > COLS ? h('span', { class: 'muted cols-shown' }, `columns ${count(col0)}–${count(colEnd - 1)} of ${count(cols)}`) : null,
        cols > COLS ? button('columns ▶', colEnd < cols, () => (col0 += COLS), 'next-cols') : null,
      ),
      h('table', { class: 'cells' }, h('thead', {}, head), h('tbody', {}, body)),
    );
  };
  draw();
  return holder;
}
