/**
 * Instrument facts and cells as the HTTP API gives them in JSON (docs/http-api.md#instruments),
 * turned into what the instrument views draw: numbers for plots, text for tables.
 */
import { fromBase64, hex, micros } from './format.js';

/** `InstrumentInfo` of `GET /v1/instruments[/{name}]`. */
export interface InstrumentInfo {
  readonly name: string;
  readonly type: string;
  readonly index: 'time' | 'key';
  readonly points: number;
  readonly chunks: number;
  readonly bytes: number;
  /** µs as a decimal string (time series) or base64url key bytes (keyed column); null when empty. */
  readonly first: string | null;
  readonly last: string | null;
}

/** One JSON cell of a points or M4 answer (floats that JSON cannot hold come as strings). */
export type JsonCell = number | string | boolean | null;

/** Cell types the server downsamples (and the plot can draw). */
const PLOTTABLE = new Set(['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'time']);

/** True for a time series of a type `downsample` accepts. */
export function plottable(info: InstrumentInfo): boolean {
  return info.index === 'time' && PLOTTABLE.has(info.type);
}

/** True for types whose cells are numbers (bar charts of keyed columns). */
export function numericType(type: string): boolean {
  return PLOTTABLE.has(type) && type !== 'time';
}

/**
 * A cell as a number a plot can draw, or null for a gap: NA, NaN and ±Infinity are gaps (a
 * line cannot go there); int64 strings and booleans become numbers.
 */
export function plotNumber(cell: JsonCell | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const n = typeof cell === 'number' ? cell : cell === '-0' ? -0 : Number(cell);
  return Number.isFinite(n) ? n : null;
}

/** A cell as table text (NA is the caller's to show; here it is `NA`). */
export function cellText(cell: JsonCell | undefined): string {
  if (cell === null || cell === undefined) return 'NA';
  return String(cell);
}

/** base64url text (no padding) to bytes. */
export function fromBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A key (base64url bytes) as people read it: its text when it is printable UTF-8, else `0x` and hex. */
export function keyText(base64url: string): string {
  const data = fromBase64url(base64url);
  try {
    const text = utf8.decode(data);
    // Control characters would hide in a table cell: such keys show as hex.
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u001f\u007f]/.test(text)) return text;
  } catch {
    // Not UTF-8: hex below.
  }
  return `0x${hex(data)}`;
}

/** `first`/`last` of an instrument as text: an ISO time, a key, or a dash when empty. */
export function indexText(info: InstrumentInfo, value: string | null): string {
  if (value === null) return '—';
  return info.index === 'time' ? micros(value) : keyText(value);
}
