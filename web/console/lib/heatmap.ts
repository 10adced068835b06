/**
 * Pictures of tensors on a `<canvas>`: a heatmap of a rank-2 numeric block (one pixel per cell,
 * a viridis-like scale from min to max, NA and NaN in a colour the scale never uses) with its
 * legend, and RGB(A) pictures of `[h, w, 3|4]` blocks. Pixels are written as one ImageData, so
 * a million cells draw in a few tens of milliseconds.
 */
import { h } from './dom.js';

/** The colour of NA (and NaN) cells: magenta, which the scale never reaches. */
export const NA_RGB: readonly [number, number, number] = [255, 0, 255];

// viridis at 0, .25, .5, .75, 1
const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** 256 colours of the scale, as packed RGBA (little-endian ABGR) for a Uint32Array over ImageData. */
const LUT: Uint32Array = (() => {
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (STOPS.length - 1);
    const k = Math.min(Math.floor(t), STOPS.length - 2);
    const f = t - k;
    const a = STOPS[k]!;
    const b = STOPS[k + 1]!;
    const c = [0, 1, 2].map((j) => Math.round(a[j]! + (b[j]! - a[j]!) * f));
    out[i] = (255 << 24) | (c[2]! << 16) | (c[1]! << 8) | c[0]!;
  }
  return out;
})();
const NA_PACKED = (255 << 24) | (NA_RGB[2] << 16) | (NA_RGB[1] << 8) | NA_RGB[0];

/** The finite min and max of `values` (NaN ignored); undefined when none is finite. */
export function finiteRange(values: Float64Array): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min && v !== -Infinity) min = v;
    if (v > max && v !== Infinity) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/** Draws `values` (rows × cols, row-major, NaN = NA) as a heatmap canvas of rows × cols pixels. */
export function heatmap(values: Float64Array, rows: number, cols: number, range: { min: number; max: number } | undefined): HTMLCanvasElement {
  const canvas = h('canvas', { width: cols, height: rows, class: 'heatmap' });
  const ctx = canvas.getContext('2d');
  if (ctx === null || rows === 0 || cols === 0) return canvas;
  const image = ctx.createImageData(cols, rows);
  const pixels = new Uint32Array(image.data.buffer);
  const min = range?.min ?? 0;
  const span = range === undefined || range.max === range.min ? 0 : range.max - range.min;
  const scale = span === 0 ? 0 : 255 / span;
  const n = rows * cols;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) pixels[i] = NA_PACKED;
    else {
      const k = (v - min) * scale;
      pixels[i] = LUT[k <= 0 ? 0 : k >= 255 ? 255 : Math.round(k)]!;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** The legend of a heatmap: the scale from min to max, and the NA colour. */
export function heatmapLegend(range: { min: number; max: number } | undefined, hasNaN: boolean): HTMLElement {
  const bar = h('canvas', { width: 256, height: 12, class: 'scale' });
  const ctx = bar.getContext('2d');
  if (ctx !== null) {
    const image = ctx.createImageData(256, 12);
    const pixels = new Uint32Array(image.data.buffer);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 256; x++) pixels[y * 256 + x] = LUT[x]!;
    ctx.putImageData(image, 0, 0);
  }
  const [r, g, b] = NA_RGB;
  return h(
    'div',
    { class: 'legend' },
    h('span', { class: 'legend-min num' }, range === undefined ? '–' : String(range.min)),
    bar,
    h('span', { class: 'legend-max num' }, range === undefined ? '–' : String(range.max)),
    hasNaN ? h('span', { class: 'legend-na' }, h('span', { class: 'swatch', style: `background: rgb(${r} ${g} ${b})` }), 'NA / NaN') : null,
  );
}

/**
 * Draws `[height, width, channels]` cells (3 = RGB, 4 = RGBA) as a picture: uint8 cells as
 * they are, float cells in 0..1 scaled to 0..255; NA cells are transparent.
 */
export function picture(values: Float64Array, height: number, width: number, channels: number, unit: boolean): HTMLCanvasElement {
  const canvas = h('canvas', { width, height, class: 'picture' });
  const ctx = canvas.getContext('2d');
  if (ctx === null || width === 0 || height === 0) return canvas;
  const image = ctx.createImageData(width, height);
  const out = image.data;
  const k = unit ? 255 : 1;
  for (let p = 0; p < width * height; p++) {
    let na = false;
    for (let c = 0; c < 3; c++) {
      const v = values[p * channels + c]!;
      if (Number.isNaN(v)) na = true;
      out[p * 4 + c] = Math.round(v * k);
    }
    const alpha = channels === 4 ? values[p * 4 + 3]! : 255 / k;
    out[p * 4 + 3] = na || Number.isNaN(alpha) ? 0 : Math.round(alpha * k);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}
