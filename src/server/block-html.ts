/**
 * The small HTML page a browser gets for a block (Accept prefers text/html): key, type, shape,
 * attributes, hash, size, the first values, and links to the other representations. Every
 * piece of block or request text is escaped; the page loads nothing and runs no script (the
 * route sends it with a Content-Security-Policy that forbids both).
 */
import { attributeName, formatTime, type Block } from '../block/index.js';

/** How many cells (or characters of a text file) the page shows. */
export const HTML_PREVIEW_CELLS = 20;

const PREVIEW_TEXT_CHARS = 2000;
const PREVIEW_BYTES = 32;

/** Content-Security-Policy of the page: inline style only, nothing loaded, no script. */
export const HTML_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Where the block lives, for the page's title and links. */
export interface BlockPageContext {
  /** The block key. */
  readonly key: string;
  /** The URL path of the block in the API (links add `?format=…` to it). */
  readonly path: string;
}

/** One cell as text: NA for missing, ISO-8601 for times. */
function cellText(block: Block, index: number): string {
  const value = block.get(index);
  if (value === null) return 'NA';
  if (typeof value === 'bigint') return block.type === 'time' ? formatTime(value) : value.toString();
  if (typeof value === 'object') return `${value.type} block`;
  return String(value);
}

const TEXTUAL = /^(?:text\/|application\/(?:json|xml|javascript)|[^;]*\+(?:json|xml))/i;

/** The preview section: first cells, tuple items, or the start of a file. */
function preview(block: Block): string {
  if (block.type === 'tuple') {
    const rows = [...block.items()].map(([name, item]) => `<li><code>${escapeHtml(name)}</code>: ${escapeHtml(item.type)} [${item.shape.join(', ')}]</li>`);
    return `<h2>Items</h2><ul>${rows.join('')}</ul>`;
  }
  if (block.type === 'bytes') {
    const data = block.data();
    if (TEXTUAL.test(block.mime ?? '')) {
      const text = new TextDecoder('utf-8').decode(data.subarray(0, PREVIEW_TEXT_CHARS * 4)).slice(0, PREVIEW_TEXT_CHARS);
      return `<h2>Content (start)</h2><pre>${escapeHtml(text)}</pre>`;
    }
    const hex = Array.from(data.subarray(0, PREVIEW_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `<h2>Content (first ${Math.min(PREVIEW_BYTES, data.length)} bytes)</h2><pre>${hex}</pre>`;
  }
  const count = Math.min(HTML_PREVIEW_CELLS, block.size);
  const cells: string[] = [];
  for (let i = 0; i < count; i++) cells.push(`<li>${escapeHtml(cellText(block, i))}</li>`);
  const more = block.size > count ? `<p>… ${block.size - count} more (row-major order)</p>` : '';
  return `<h2>First values</h2><ol start="0">${cells.join('')}</ol>${more}`;
}

/** The links to the other representations of the block. */
function links(block: Block, path: string): string {
  // A binary key's path already has a query (`?keyEncoding=hex`).
  const href = (query: string): string => escapeHtml(`${path}${path.includes('?') ? '&' : '?'}${query}`);
  const items = [`<li><a href="${href('format=json')}">JSON view</a></li>`, `<li><a href="${href('format=block')}" download>Download (keepr block)</a></li>`];
  if (block.type !== 'tuple') items.push(`<li><a href="${href('format=npy')}" download>Download (NumPy .npy)</a></li>`);
  if (block.type !== 'tuple' && block.type !== 'bytes' && block.rank <= 2) items.push(`<li><a href="${href('format=arrow')}" download>Download (Apache Arrow stream)</a></li>`);
  if (block.type === 'bytes') items.push(`<li><a href="${href('raw')}">File content</a></li>`);
  return `<ul>${items.join('')}</ul>`;
}

/** The HTML page of a block. */
export function blockPage(block: Block, context: BlockPageContext): string {
  const attributes = [...block.attributes].map(([code, value]) => `<tr><th>${escapeHtml(attributeName(code))}</th><td>${escapeHtml(value)}</td></tr>`);
  const facts: [string, string][] = [
    ['key', context.key],
    ['type', block.type],
    ['shape', `[${block.shape.join(', ')}]`],
    ['cells', String(block.size)],
    ['size', `${block.byteLength} bytes`],
    ['hash', block.hashHex],
  ];
  const rows = facts.map(([name, value]) => `<tr><th>${name}</th><td><code>${escapeHtml(value)}</code></td></tr>`);
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(context.key)} · keepr block</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}th{text-align:left;padding-right:1em}pre{background:#f4f4f4;padding:.5em;overflow:auto}</style>',
    '</head><body>',
    `<h1>${escapeHtml(context.key)}</h1>`,
    `<table>${rows.join('')}</table>`,
    attributes.length > 0 ? `<h2>Attributes</h2><table>${attributes.join('')}</table>` : '',
    preview(block),
    '<h2>Other forms</h2>',
    links(block, context.path),
    '</body></html>',
    '',
  ].join('\n');
}
