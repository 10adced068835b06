/**
 * One height of a state: its state root, tree roots (those that changed against the height
 * before marked), and the keys it changed. The API has the change count only, so the keys come
 * from comparing each changed tree's entries with the height before, in the browser, for trees
 * of up to 20,000 keys.
 */
import { ApiError } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import { bytes, count, hex } from '../lib/format.js';
import { link, type ViewContext } from '../lib/router.js';
import { allEntries, heightRecord, type HeightRecord } from './state-api.js';
import { fromBase64Url } from '../lib/proof-path.js';

const DIFF_CAP = 20_000;

interface Change {
  readonly tree: string;
  readonly key: Uint8Array;
  readonly kind: 'put' | 'changed' | 'deleted';
  readonly size: number | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A key as text when it is UTF-8 without control characters, else as hex. */
export function keyText(key: Uint8Array): { text: string; encoding: 'utf8' | 'hex' } {
  try {
    const text = strictUtf8.decode(key);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u001f\u007f]/.test(text)) return { text, encoding: 'utf8' };
  } catch {
    // Not UTF-8: hex below.
  }
  return { text: hex(key), encoding: 'hex' };
}

function valueSize(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Math.floor(((value.length - 2) * 3) / 4) - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
}

async function previous(state: string, height: number, signal: AbortSignal): Promise<HeightRecord | undefined> {
  if (height === 0) return undefined;
  try {
    return await heightRecord(state, height - 1, signal);
  } catch (err) {
    // Pruned: the height before cannot be read, so its changes cannot be listed.
    if (err instanceof ApiError && (err.code === 'STATE_HEIGHT_PRUNED' || err.code === 'STATE_HEIGHT_UNKNOWN')) return undefined;
    throw err;
  }
}

/** `#/states/:state/heights/:height` */
export async function stateHeightView(ctx: ViewContext): Promise<void> {
  const state = ctx.params['state']!;
  const height = Number(ctx.params['height']);
  const record = await heightRecord(state, Number.isInteger(height) ? height : ('latest' as const), ctx.signal);
  const before = await previous(state, record.height, ctx.signal);
  const changedTrees = Object.keys(record.trees).filter((t) => before === undefined || before.trees[t] !== record.trees[t]);
  const droppedTrees = before === undefined ? [] : Object.keys(before.trees).filter((t) => record.trees[t] === undefined);
  const changes: Change[] = [];
  const tooBig: string[] = [];
  for (const tree of [...changedTrees, ...droppedTrees]) {
    const now = record.trees[tree] === undefined ? new Map<string, string>() : await allEntries(state, record.height, tree, DIFF_CAP, ctx.signal);
    const then = before === undefined || before.trees[tree] === undefined ? new Map<string, string>() : await allEntries(state, before.height, tree, DIFF_CAP, ctx.signal);
    if (now === null || then === null) {
      tooBig.push(tree);
      continue;
    }
    for (const [key, value] of now) {
      const old = then.get(key);
      if (old !== value) changes.push({ tree, key: fromBase64Url(key), kind: old === undefined ? 'put' : 'changed', size: valueSize(value) });
    }
    for (const key of then.keys()) if (!now.has(key)) changes.push({ tree, key: fromBase64Url(key), kind: 'deleted', size: undefined });
  }
  const keyLink = (c: Change): HTMLElement => {
    const { text, encoding } = keyText(c.key);
    const query = new URLSearchParams({ height: String(record.height), tree: c.tree, key: text, keyEncoding: encoding });
    return h('a', { href: `${link('states', state, 'key')}?${query.toString()}` }, encoding === 'hex' ? h('code', {}, text) : text);
  };
  replace(
    ctx.root,
    h('div', { class: 'breadcrumbs' }, h('a', { href: link('states') }, 'States'), ' / ', h('a', { href: link('states', state) }, state), ' / height ', String(record.height)),
    h('h1', {}, `${state} at height ${record.height}`),
    h('p', {}, 'State root ', h('code', { class: 'state-root' }, record.root), ` · ${count(record.changes)} keys changed`),
    h(
      'div',
      { class: 'row' },
      record.height > 0 ? h('a', { href: link('states', state, 'heights', String(record.height - 1)) }, '← height before') : null,
      h('a', { href: link('states', state, 'heights', String(record.height + 1)) }, 'height after →'),
    ),
    h('h2', {}, 'Tree roots'),
    table(
      ['tree', 'root', 'at the height before'],
      Object.entries(record.trees).map(([tree, root]) => [tree, h('code', { title: root }, root), before === undefined ? '–' : before.trees[tree] === root ? 'same' : h('strong', {}, 'changed')]),
      { className: 'tree-roots' },
    ),
    h('h2', {}, 'Changed keys'),
    before === undefined && record.height > 0 ? h('p', { class: 'muted' }, 'The height before is pruned: every key of this height is listed as put.') : null,
    tooBig.length === 0 ? null : h('p', { class: 'muted' }, `Trees over ${count(DIFF_CAP)} keys are not compared in the browser: ${tooBig.join(', ')}.`),
    table(
      ['tree', 'key', 'change', 'value size'],
      changes.map((c) => [c.tree, keyLink(c), c.kind, c.size === undefined ? '–' : bytes(c.size)]),
      { num: [3], className: 'changed-keys' },
    ),
  );
  ctx.ready();
}
