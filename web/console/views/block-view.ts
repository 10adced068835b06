/**
 * One block: its facts (type, shape, attributes, hash, size), then by type its cells as a paged
 * table with a heatmap or picture, a file's preview, or a tuple's items. The block is fetched in
 * the binary block format and read in the browser (lib/block-reader.ts).
 */
import { call, download } from '../lib/api.js';
import { blockPath, keyLabel, keyOfRoute } from '../lib/block-keys.js';
import { BlockReader } from '../lib/block-reader.js';
import { h, replace } from '../lib/dom.js';
import { bytes, count } from '../lib/format.js';
import { link, type Route, type ViewContext } from '../lib/router.js';
import { cellTable } from './block-table.js';
import { deletePanel } from './block-writes.js';
import { filePreview, tensorPicture, tupleTree } from './block-preview.js';

/** A shape as `[2 × 3]` (`[]` for a scalar). */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(' × ')}]`;
}

function facts(block: BlockReader): HTMLTableElement {
  const attributes = Object.entries(block.attributes);
  const rows: [string, Node | string][] = [
    ['type', h('code', { class: 'fact-type' }, block.type + (block.type === 'factor' && block.ordered ? ' (ordered)' : ''))],
    ['shape', h('span', { class: 'fact-shape' }, shapeText(block.shape))],
    ['cells', count(block.size)],
    ['size', h('span', { class: 'fact-size', title: `${block.byteLength} bytes` }, `${count(block.byteLength)} bytes (${bytes(block.byteLength)})`)],
    ['hash', h('span', {}, h('code', { class: 'fact-hash' }, block.hash), ' ', h('span', { class: 'muted hash-check' }, 'checking…'))],
  ];
  if (block.type === 'factor') rows.push(['levels', h('span', { class: 'fact-levels' }, block.levels().join(', '))]);
  if (block.hasNA) rows.push(['NA', 'has NA cells']);
  for (const [name, value] of attributes) rows.push([`attribute ${name}`, h('code', { class: 'fact-attr' }, value)]);
  return h('table', { class: 'facts' }, h('tbody', {}, rows.map(([name, value]) => h('tr', {}, h('th', {}, name), h('td', {}, value)))));
}

/** Checks the hash after the view is drawn (ready() marks the next frame), so a large block does not delay it. */
function checkHashLater(root: HTMLElement, block: BlockReader, signal: AbortSignal): void {
  const check = (): void => {
    if (signal.aborted) return;
    const badge = root.querySelector('.hash-check');
    if (badge === null) return;
    const ok = block.verify();
    badge.className = ok ? 'ok hash-check' : 'bad hash-check';
    badge.textContent = ok ? '✓ verified in this browser' : '✗ does not match the content';
  };
  requestAnimationFrame(() => {
    setTimeout(check, 0);
  });
}

async function blockView(ctx: ViewContext): Promise<void> {
  const source = ctx.params['source'] ?? '';
  const key = keyOfRoute(ctx.params['key'] ?? '', ctx.query);
  const response = await call(blockPath(source, key), { accept: 'application/vnd.keepr.block', signal: ctx.signal });
  const raw = new Uint8Array(await response.arrayBuffer());
  // Marks for the browser test: reading and drawing, apart from the fetch.
  performance.mark('keepr:block:fetched');
  const block = new BlockReader(raw);
  const label = keyLabel(key);
  let content: (HTMLElement | null)[];
  if (block.type === 'bytes') content = [await filePreview(block, label, ctx.signal)];
  else if (block.type === 'tuple') content = [h('h2', {}, 'Items'), tupleTree(block)];
  else content = [tensorPicture(block), h('h2', {}, 'Cells'), cellTable(block)];
  const save = h('button', {
    type: 'button',
    class: 'secondary download-block',
    onclick: () => {
      download(new Blob([raw], { type: 'application/vnd.keepr.block' }), `${label.split('/').pop() ?? 'block'}.block`);
    },
  }, 'Download block');
  replace(
    ctx.root,
    h('div', { class: 'breadcrumbs' }, h('a', { href: link('sources') }, 'Sources'), ' / ', h('a', { href: link('sources', source) }, source), ' / '),
    h('h1', { class: key.text === undefined ? 'key-bin' : undefined }, key.text === undefined ? [h('span', { class: 'badge' }, 'hex'), ' ', h('code', {}, key.hex)] : key.text),
    facts(block),
    h('div', { class: 'row' }, save),
    content,
    deletePanel(source, key, block.hash, ctx.role),
  );
  performance.measure('keepr:block:draw', 'keepr:block:fetched');
  ctx.ready();
  checkHashLater(ctx.root, block, ctx.signal);
}

/** The block view's route: `#/sources/:source/blocks/*key`, with `?keyEncoding=hex` for binary keys. */
export const blockRoute: Route = { path: '/sources/:source/blocks/*key', section: 'sources', name: 'block', render: blockView };
