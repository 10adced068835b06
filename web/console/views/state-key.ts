/**
 * Read a key of a state at any retained height: a form (height, tree, key as UTF-8 or hex), the
 * answer (found or absent; the value as text, hex, or a block's JSON view) and its proof in the
 * inspector, checked against the height's state root from the heights API.
 */
import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { bytes as size, fromBase64, fromHex, hex } from '../lib/format.js';
import { link, type ViewContext } from '../lib/router.js';
import { heightRecord, keyReadPath, stateSummary, type KeyRead } from './state-api.js';
import { keyText } from './state-height.js';
import { proofInspector } from './state-proof.js';

const PREVIEW = 512;

function keyBytes(text: string, encoding: string): Uint8Array {
  return encoding === 'hex' ? fromHex(text) : new TextEncoder().encode(text);
}

function valueView(read: KeyRead, blockJson: unknown): HTMLElement {
  if (!read.found) return h('p', { class: 'bad', id: 'key-found', 'data-found': 'false' }, 'absent: the tree holds no such key at this height');
  if (read.bytes !== undefined) {
    const raw = fromBase64(read.bytes);
    const { text, encoding } = keyText(raw);
    return h(
      'div',
      {},
      h('p', { class: 'ok', id: 'key-found', 'data-found': 'true' }, `found: ${size(raw.length)} of raw bytes`),
      encoding === 'utf8' ? h('div', {}, h('div', { class: 'muted' }, 'as text'), h('pre', { class: 'value-text', id: 'value-text' }, text.slice(0, PREVIEW * 4))) : null,
      h('div', { class: 'muted' }, 'as hex'),
      h('pre', { class: 'value-hex', id: 'value-hex' }, hex(raw.subarray(0, PREVIEW)), raw.length > PREVIEW ? '…' : ''),
    );
  }
  const block = read.blockBase64 === undefined ? undefined : fromBase64(read.blockBase64);
  return h(
    'div',
    {},
    h('p', { class: 'ok', id: 'key-found', 'data-found': 'true' }, `found: a block of ${size(block?.length ?? 0)}`),
    h('div', { class: 'muted' }, 'the block (JSON view)'),
    h('pre', { class: 'value-block', id: 'value-block' }, JSON.stringify(blockJson, null, 2).slice(0, 4000)),
  );
}

/** `#/states/:state/key?height=&tree=&key=&keyEncoding=` */
export async function stateKeyView(ctx: ViewContext): Promise<void> {
  const state = ctx.params['state']!;
  const summary = await stateSummary(state, ctx.signal);
  const q = ctx.query;
  const height = q.get('height') ?? (summary.latest === null ? '' : String(summary.latest));
  const tree = q.get('tree') ?? Object.keys(summary.trees)[0] ?? '';
  const key = q.get('key') ?? '';
  const encoding = q.get('keyEncoding') === 'hex' ? 'hex' : 'utf8';
  const form = h(
    'form',
    { class: 'row key-form', id: 'key-form' },
    h('label', {}, 'height ', h('input', { name: 'height', type: 'number', min: summary.prunedBefore, max: summary.latest ?? 0, value: height, required: true, size: 8 })),
    h('label', {}, 'tree ', h('input', { name: 'tree', value: tree, required: true, size: 14, list: 'tree-names' })),
    h('datalist', { id: 'tree-names' }, Object.keys(summary.trees).map((t) => h('option', { value: t }))),
    h('label', {}, 'key ', h('input', { name: 'key', value: key, required: true, size: 28 })),
    h('select', { name: 'keyEncoding' }, h('option', { value: 'utf8', selected: encoding === 'utf8' }, 'UTF-8'), h('option', { value: 'hex', selected: encoding === 'hex' }, 'hex')),
    h('button', { type: 'submit' }, 'Read'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const name of ['height', 'tree', 'key', 'keyEncoding']) {
      const value = data.get(name);
      query.set(name, typeof value === 'string' ? value : '');
    }
    location.hash = `${link('states', state, 'key')}?${query.toString()}`;
  });
  const result = h('div', { class: 'key-result' });
  replace(
    ctx.root,
    h('div', { class: 'breadcrumbs' }, h('a', { href: link('states') }, 'States'), ' / ', h('a', { href: link('states', state) }, state), ' / read a key'),
    h('h1', {}, `Read a key of ${state}`),
    form,
    result,
  );
  if (q.get('key') === null || height === '' || tree === '') {
    ctx.ready();
    return;
  }
  const record = await heightRecord(state, Number(height), ctx.signal);
  const raw = keyBytes(key, encoding);
  const read = await api<KeyRead>(keyReadPath(state, record.height, tree, raw, 'proof=true&encoding=base64'), { signal: ctx.signal });
  const blockJson = read.blockBase64 === undefined ? undefined : (await api<KeyRead>(keyReadPath(state, record.height, tree, raw, 'encoding=json'), { signal: ctx.signal })).block;
  const value = !read.found ? undefined : read.bytes !== undefined ? fromBase64(read.bytes) : { bytes: fromBase64(read.blockBase64 ?? '') };
  replace(
    result,
    h('h2', {}, `Height ${record.height}, tree ${tree}, key `, h('code', {}, key)),
    valueView(read, blockJson),
    read.proof === undefined ? h('p', { class: 'muted' }, 'The server sent no proof.') : proofInspector({ root: record.root, tree, key: raw, value, proof: read.proof }),
  );
  ctx.ready();
}
