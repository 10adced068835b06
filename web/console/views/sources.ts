/** Sources and blocks: the list of sources with counts and sizes. */
import { api, pathOf } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import { bytes, count } from '../lib/format.js';
import { link, type Route, type ViewContext } from '../lib/router.js';

interface SourceFacts {
  readonly source: string;
  readonly blocks: number;
  readonly byteLength: number;
}

async function sourceList(ctx: ViewContext): Promise<void> {
  const { sources } = await api<{ sources: string[] }>('/v1/sources', { signal: ctx.signal });
  const facts = await Promise.all(sources.map((name) => api<SourceFacts>(`/v1/sources/${pathOf(name)}`, { signal: ctx.signal })));
  replace(
    ctx.root,
    h('h1', {}, 'Sources'),
    facts.length === 0
      ? h('p', { class: 'muted' }, 'This store has no sources yet.')
      : table(
          ['source', 'blocks', 'bytes'],
          facts.map((f) => [h('a', { href: link('sources', f.source) }, f.source), count(f.blocks), bytes(f.byteLength)]),
          { num: [1, 2], className: 'sources' },
        ),
  );
  ctx.ready();
}

/** The routes of this view file. */
export const sourceRoutes: readonly Route[] = [{ path: '/sources', section: 'sources', name: 'sources', render: sourceList }];
