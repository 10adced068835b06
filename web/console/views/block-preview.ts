/**
 * What a block looks like beyond its cells: pictures of numeric tensors (heatmap, RGB), file
 * previews by MIME type, and tuples as a tree of their items.
 */
import { download } from '../lib/api.js';
import { NUMERIC_TYPES, type BlockReader } from '../lib/block-reader.js';
import { h } from '../lib/dom.js';
import { bytes, micros } from '../lib/format.js';
import { finiteRange, heatmap, heatmapLegend, picture } from '../lib/heatmap.js';

/** Display width of a picture: small tensors scaled up (pixelated), wide ones fitted to 800 px. */
function fit(canvas: HTMLCanvasElement): HTMLCanvasElement {
  const big = Math.max(canvas.width, canvas.height, 1);
  const scale = Math.min(Math.max(1, Math.floor(320 / big)), 800 / canvas.width);
  canvas.style.width = `${Math.round(canvas.width * scale)}px`;
  return canvas;
}

/** The most cells a heatmap or picture draws along a side (browsers cap canvas sizes). */
export const MAX_SIDE = 2048;

/** Every `step`th row and column of a rows × cols matrix, so that no side exceeds {@link MAX_SIDE}. */
function sampled(values: Float64Array, rows: number, cols: number): { values: Float64Array; rows: number; cols: number; step: number } {
  const step = Math.max(1, Math.ceil(rows / MAX_SIDE), Math.ceil(cols / MAX_SIDE));
  if (step === 1) return { values, rows, cols, step };
  const r = Math.ceil(rows / step);
  const c = Math.ceil(cols / step);
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = values[i * step * cols + j * step]!;
  return { values: out, rows: r, cols: c, step };
}

/** A heatmap (numeric rank 2) or an RGB(A) picture (rank 3, last dim 3 or 4) of `block`, if it has one. */
export function tensorPicture(block: BlockReader): HTMLElement | null {
  const { shape, type } = block;
  if (!NUMERIC_TYPES.has(type) || (shape.length !== 2 && shape.length !== 3)) return null;
  const values = block.numbers();
  if (values === null) return null;
  if (shape.length === 2) {
    const range = finiteRange(values);
    let hasNaN = false;
    for (const v of values) if (Number.isNaN(v)) { hasNaN = true; break; }
    const s = sampled(values, shape[0]!, shape[1]!);
    return h(
      'figure',
      { class: 'tensor-picture' },
      fit(heatmap(s.values, s.rows, s.cols, range)),
      h('figcaption', {}, heatmapLegend(range, hasNaN), s.step === 1 ? null : h('p', { class: 'muted sampled' }, `Every ${s.step}th row and column (a canvas side holds at most ${MAX_SIDE} cells).`)),
    );
  }
  const channels = shape[2]!;
  if ((channels !== 3 && channels !== 4) || shape[0]! > MAX_SIDE || shape[1]! > MAX_SIDE) return null;
  const float = type === 'float32' || type === 'float64';
  if (!float && type !== 'uint8') return null;
  if (float) {
    const range = finiteRange(values);
    if (range !== undefined && (range.min < 0 || range.max > 1)) return null;
  }
  return h('figure', { class: 'tensor-picture' }, fit(picture(values, shape[0]!, shape[1]!, channels, float)), h('figcaption', { class: 'muted' }, channels === 3 ? 'RGB' : 'RGBA'));
}

const TEXT_TYPES = /^(text\/.*|application\/(json|xml|javascript|x-ndjson|yaml|x-yaml|toml|csv)|.*\+(json|xml))$/;
/** Text shown in a preview at most (the rest is in the download). */
const TEXT_PREVIEW_BYTES = 1 << 20;

/** A file block's preview: images shown, text and JSON as text, others offered for download. */
export async function filePreview(block: BlockReader, name: string, signal: AbortSignal): Promise<HTMLElement> {
  const mime = block.attributes['mime'] ?? 'application/octet-stream';
  const essence = (mime.split(';')[0] ?? '').trim().toLowerCase();
  const data = block.data();
  const blob = new Blob([data], { type: mime });
  const fileName = block.attributes['filename'] ?? name.split('/').pop() ?? 'block';
  const save = h('button', { type: 'button', class: 'secondary download', onclick: () => { download(blob, fileName); } }, `Download ${fileName} (${bytes(data.length)})`);
  let body: HTMLElement;
  if (essence.startsWith('image/')) {
    const url = URL.createObjectURL(blob);
    signal.addEventListener('abort', () => { URL.revokeObjectURL(url); });
    const img = h('img', { src: url, alt: name, class: 'file-image' });
    try {
      await img.decode();
      body = img;
    } catch {
      body = h('div', {}, h('p', { class: 'bad' }, `The browser cannot show this ${essence} file.`), img);
    }
  } else if (TEXT_TYPES.test(essence)) {
    let text = new TextDecoder().decode(data.subarray(0, TEXT_PREVIEW_BYTES));
    let note = data.length > TEXT_PREVIEW_BYTES ? `The first ${bytes(TEXT_PREVIEW_BYTES)} of ${bytes(data.length)}.` : '';
    if (essence === 'application/json' || essence.endsWith('+json')) {
      try {
        if (note === '') text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        note = 'Not valid JSON: shown as stored.';
      }
    }
    body = h('div', {}, note === '' ? null : h('p', { class: 'muted' }, note), h('pre', { class: 'file-text' }, text));
  } else {
    body = h('p', { class: 'muted no-preview' }, `No preview for ${essence}.`);
  }
  return h('section', { class: 'file-preview' }, h('h2', {}, 'Content ', h('code', {}, mime)), body, h('div', { class: 'row' }, save));
}

/** A few cells of a tensor as one line of text (for tuple items). */
function cellsPreview(block: BlockReader, n = 8): string {
  const shown = Math.min(block.size, n);
  const cells = Array.from({ length: shown }, (_, i) => block.text(i, (us) => micros(us)) ?? 'NA');
  return cells.join(', ') + (block.size > shown ? ', …' : '');
}

/** A tuple as a tree: each item with its type, shape and a preview; nested tuples nest. */
export function tupleTree(block: BlockReader): HTMLElement {
  const items = block.items();
  return h(
    'ul',
    { class: 'tuple-items' },
    items.length === 0 ? h('li', { class: 'muted' }, 'no items') : null,
    items.map(({ name, block: item }) =>
      h(
        'li',
        { class: 'tuple-item' },
        h('strong', { class: 'item-name' }, name),
        ' ',
        h('code', {}, `${item.type} [${item.shape.join(' × ')}]`),
        ' ',
        item.type === 'tuple'
          ? tupleTree(item)
          : item.type === 'bytes'
            ? h('span', { class: 'muted' }, `${item.attributes['mime'] ?? 'application/octet-stream'}, ${bytes(item.data().length)}`)
            : h('span', { class: 'item-preview' }, cellsPreview(item)),
      ),
    ),
  );
}
