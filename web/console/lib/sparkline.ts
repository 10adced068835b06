/**
 * Small canvas charts for the states and operations views: bars (one per item, clickable) and
 * lines sampled over time. Drawn at the device's pixel ratio; no axes beyond a max label, as
 * the tables next to them carry the exact figures.
 */

/** Colours of the charts (the console's CSS variables are not readable from a canvas cheaply). */
const INK = ['#1f4e79', '#b42318', '#18794e', '#b54708', '#6941c6'];

/** Sizes the canvas's backing store for `width`×`height` CSS pixels; gives the 2D context, scaled. */
function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('this browser gives no 2D canvas');
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  return ctx;
}

function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  ctx.fillStyle = '#5b6570';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(text, x, y);
}

/** Bar chart of `values` (one bar each, left to right); gives the index under an x offset. */
export function drawBars(canvas: HTMLCanvasElement, values: readonly number[], options: { width: number; height: number; highlight?: number }): (x: number) => number | undefined {
  const { width, height } = options;
  const ctx = prepare(canvas, width, height);
  const top = 14;
  const max = Math.max(1, ...values);
  const step = values.length === 0 ? 0 : width / values.length;
  values.forEach((v, i) => {
    const h = v === 0 ? 1 : Math.max(2, ((height - top) * v) / max);
    ctx.fillStyle = i === options.highlight ? INK[1]! : v === 0 ? '#d6dbe1' : INK[0]!;
    ctx.fillRect(i * step, height - h, Math.max(1, step - (step > 3 ? 1 : 0)), h);
  });
  label(ctx, `max ${max.toLocaleString('en-US')}`, 4, 11);
  return (x) => {
    const i = Math.floor(x / step);
    return i >= 0 && i < values.length ? i : undefined;
  };
}

/** One line of {@link drawLines}: its name and values (NaN leaves a gap). */
export interface Line {
  readonly name: string;
  readonly values: readonly number[];
}

/** Lines over the same samples, scaled to the largest value, with a legend of last values. */
export function drawLines(canvas: HTMLCanvasElement, lines: readonly Line[], options: { width: number; height: number; unit?: string }): void {
  const { width, height } = options;
  const ctx = prepare(canvas, width, height);
  const top = 16;
  const finite = lines.flatMap((l) => l.values.filter((v) => Number.isFinite(v)));
  const max = Math.max(Number.MIN_VALUE, ...finite);
  const n = Math.max(2, ...lines.map((l) => l.values.length));
  const x = (i: number): number => (i * (width - 2)) / (n - 1) + 1;
  const y = (v: number): number => height - 2 - ((height - top - 4) * v) / max;
  ctx.strokeStyle = '#eef1f4';
  ctx.beginPath();
  ctx.moveTo(0, height - 2.5);
  ctx.lineTo(width, height - 2.5);
  ctx.stroke();
  let legend = 4;
  lines.forEach((line, k) => {
    ctx.strokeStyle = INK[k % INK.length]!;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let drawing = false;
    line.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        drawing = false;
        return;
      }
      if (drawing) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      drawing = true;
    });
    ctx.stroke();
    const last = line.values.at(-1);
    const text = `${line.name} ${last === undefined || !Number.isFinite(last) ? '–' : formatFigure(last)}${options.unit ?? ''}`;
    ctx.fillStyle = INK[k % INK.length]!;
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(text, legend, 11);
    legend += ctx.measureText(text).width + 12;
  });
}

/** A figure for a legend: 3 significant digits. */
export function formatFigure(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString();
}
