/**
 * Sources and their keys: the list of sources with block counts and sizes, and one source's keys
 * page by page (prefix search, the API's cursor), with the console's block writes.
 */
import { api, pathOf } from '../lib/api.js';
import { blockLink, keyOfHex, prefixHex, type KeyRef } from '../lib/block-keys.js';
import { h, replace, table, type Child } from '../lib/dom.js';
import { bytes, count, shortHash } from '../lib/format.js';
import { link, type Route, type ViewContext } from '../lib/router.js';
import { blockRoute, shapeText } from './block-view.js';
import { writePanel } from './block-writes.js';

interface SourceFacts {
  readonly source: string;
  readonly blocks: number;
  readonly byteLength: number;
}

/** One row of `GET /v1/sources/{source}/blocks?keyEncoding=hex`. */
interface KeyItem {
  readonly key: string;
  readonly type: string;
  readonly shape: readonly number[];
  readonly byteLength: number;
  readonly hash: string;
}

/** Keys per page of the source view. */
export const KEY_PAGE = 100;

async function sourceList(ctx: ViewContext): Promise<void> {
  const { sources } = await api<{ sources: string[] }>('/v1/sources', { signal: ctx.signal });
  const facts = await Promise.all(sources.map((name) => api<SourceFacts>(`/v1/sources/${pathOf(name)}`, { signal: ctx.signal })));
  const total = facts.reduce((sum, f) => ({ blocks: sum.blocks + f.blocks, byteLength: sum.byteLength + f.byteLength }), { blocks: 0, byteLength: 0 });
  replace(
    ctx.root,
    h('h1', {}, 'Sources'),
    facts.length === 0
      ? h('p', { class: 'muted' }, 'This store has no sources yet.')
      : [
          h('p', { class: 'muted summary' }, `${count(facts.length)} sources, ${count(total.blocks)} blocks, ${bytes(total.byteLength)}`),
          table(
            ['source', 'blocks', 'bytes'],
            facts.map((f) => [h('a', { href: link('sources', f.source) }, f.source), count(f.blocks), bytes(f.byteLength)]),
            { num: [1, 2], className: 'sources' },
          ),
        ],
  );
  ctx.ready();
}

/** A key as a table cell: its text, or its hex with a `bin` marker when it is not a string key. */
export function keyCell(source: string, key: KeyRef): HTMLElement {
  if (key.text !== undefined) return h('a', { href: blockLink(source, key), class: 'key' }, key.text);
  return h('a', { href: blockLink(source, key), class: 'key key-bin', title: 'not a string key: shown as hex' }, h('span', { class: 'badge' }, 'hex'), h('code', {}, key.hex));
}

function keyRows(source: string, items: readonly KeyItem[]): Child[][] {
  return items.map((item) => [
    keyCell(source, keyOfHex(item.key)),
    item.type,
    shapeText(item.shape),
    bytes(item.byteLength),
    h('code', { title: item.hash }, shortHash(item.hash)),
  ]);
}

function pageLink(source: string, prefix: string, cursor: string | undefined): string {
  const q = new URLSearchParams();
  if (prefix !== '') q.set('prefix', prefix);
  if (cursor !== undefined) q.set('cursor', cursor);
  const text = q.toString();
  return `${link('sources', source)}${text === '' ? '' : `?${text}`}`;
}

async function sourceView(ctx: ViewContext): Promise<void> {
  const source = ctx.params['source'] ?? '';
  const prefix = ctx.query.get('prefix') ?? '';
  const cursor = ctx.query.get('cursor') ?? undefined;
  const deleted = ctx.query.get('deleted');
  let hexPrefix: string;
  try {
    hexPrefix = prefixHex(prefix);
  } catch {
    throw new Error(`the prefix ${prefix} is not hex: after 0x come an even number of 0-9 a-f digits`);
  }
  const list = h('div', { class: 'key-list' });
  const facts = h('p', { class: 'muted summary' });
  const loadPage = async (): Promise<void> => {
    const q = new URLSearchParams({ keyEncoding: 'hex', limit: String(KEY_PAGE) });
    if (hexPrefix !== '') q.set('prefix', hexPrefix);
    if (cursor !== undefined) q.set('cursor', cursor);
    const [stat, page] = await Promise.all([
      api<SourceFacts>(`/v1/sources/${pathOf(source)}`, { signal: ctx.signal }),
      api<{ items: KeyItem[]; cursor: string | null }>(`/v1/sources/${pathOf(source)}/blocks?${q.toString()}`, { signal: ctx.signal }),
    ]);
    replace(facts, `${count(stat.blocks)} blocks, ${bytes(stat.byteLength)}`);
    replace(
      list,
      page.items.length === 0
        ? h('p', { class: 'muted' }, prefix === '' ? 'No keys here.' : `No keys start with ${prefix}.`)
        : table(['key', 'type', 'shape', 'bytes', 'hash'], keyRows(source, page.items), { num: [3], className: 'keys' }),
      h(
        'div',
        { class: 'row pager' },
        cursor === undefined ? null : h('a', { href: pageLink(source, prefix, undefined), class: 'first-page' }, '« first page'),
        h('span', { class: 'muted page-count' }, `${count(page.items.length)} keys on this page`),
        page.cursor === null ? null : h('a', { href: pageLink(source, prefix, page.cursor), class: 'next-page' }, 'next page »'),
      ),
    );
  };
  const search = h('input', { type: 'search', name: 'prefix', value: prefix, placeholder: 'key prefix (0x… for hex)', size: 32, 'aria-label': 'key prefix' });
  const form = h(
    'form',
    {
      class: 'row prefix-search',
      onsubmit: (event: Event) => {
        event.preventDefault();
        location.hash = pageLink(source, search.value, undefined);
      },
    },
    search,
    h('button', { type: 'submit' }, 'Search'),
  );
  await loadPage();
  replace(
    ctx.root,
    h('div', { class: 'breadcrumbs' }, h('a', { href: link('sources') }, 'Sources'), ' / '),
    h('h1', {}, source),
    facts,
    deleted === null ? null : h('p', { class: 'ok notice', role: 'status' }, `Deleted ${deleted}.`),
    form,
    list,
    writePanel(source, ctx.role, async () => loadPage()),
  );
  ctx.ready();
}

/** The routes of this view file. */
export const sourceRoutes: readonly Route[] = [
  { path: '/sources', section: 'sources', name: 'sources', render: sourceList },
  { path: '/sources/:source', section: 'sources', name: 'source', render: sourceView },
  blockRoute,
];
