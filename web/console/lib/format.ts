/** Figures as people read them: byte sizes, counts, µs times as dates, bytes as hex. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A µs-since-epoch time (number or decimal string) as an ISO date with µs. */
export function micros(us: number | bigint | string): string {
  const big = BigInt(us);
  const ms = big / 1000n - (big % 1000n < 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return `${big} µs`;
  const frac = ((big % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${date.toISOString().slice(0, 19)}.${frac.toString().padStart(6, '0')}Z`;
}

/** Bytes as lowercase hex. */
export function hex(data: Uint8Array): string {
  let out = '';
  for (const byte of data) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Hex text to bytes (throws on odd length or a non-hex digit). */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new Error('not hex: an even number of 0-9 a-f digits');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Base64 text to bytes. */
export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** A hash shortened for tables: first 12 hex digits and an ellipsis (the title has it whole). */
export function shortHash(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 12)}…` : hash;
}
