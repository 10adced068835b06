/**
 * A short, readable one-line summary of a block for `console.log` and `util.inspect`: cell
 * type, shape, size, hash prefix, attributes and the first few cells. It reads only the cells
 * it shows, so a block of a million cells prints as fast as one of four.
 */
import { attributeName } from './attributes.js';
import type { Block } from './block.js';
import { formatTime } from './block-json.js';

/** How many cells (or tuple items, or content bytes) a summary shows. */
export const INSPECT_CELLS = 8;

const MAX_TEXT = 40;

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);
}

function cellText(block: Block, index: number): string {
  const v = block.get(index);
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'bigint') return block.type === 'time' ? formatTime(v) : `${v.toString()}n`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `Block<${v.type}>`; // a tuple item (tuples list their items instead)
}

function more(total: number, shown: number): string {
  return total > shown ? `, … ${total - shown} more` : '';
}

function contents(block: Block): string {
  const n = Math.min(block.size, INSPECT_CELLS);
  if (block.is('tuple')) {
    const items = [...block.items()].slice(0, n).map(([name, item]) => `${quote(name)}: ${item.type} [${item.shape.join(', ')}]`);
    return `items: { ${items.join(', ')}${more(block.size, n)} }`;
  }
  if (block.is('bytes')) {
    const head = block.data().subarray(0, INSPECT_CELLS);
    const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `content: <${hex}${block.size > head.length ? ' …' : ''}>`;
  }
  const cells = Array.from({ length: n }, (_, i) => cellText(block, i));
  return `values: [${cells.join(', ')}${more(block.size, n)}]`;
}

/** The one-line summary `console.log(block)` prints. */
export function inspectBlock(block: Block): string {
  const parts = [`size: ${block.size}`, `byteLength: ${block.byteLength}`, `hash: '${block.hashHex.slice(0, 12)}…'`];
  const attrs = [...block.attributes].map(([code, value]) => `${attributeName(code)}: ${quote(value)}`);
  if (attrs.length > 0) parts.push(`attributes: { ${attrs.join(', ')} }`);
  if (block.is('factor')) parts.push(`levels: ${block.levels().length}${block.ordered ? ' (ordered)' : ''}`);
  parts.push(contents(block));
  return `Block<${block.type}> [${block.shape.join(', ')}] { ${parts.join(', ')} }`;
}
