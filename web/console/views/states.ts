/**
 * Versioned states: the list (latest height, first readable height, root) and one state's
 * page (summary, timeline, commit and audit panels). Heights, key reads and proofs are in
 * state-height.ts and state-key.ts.
 */
import { api } from '../lib/api.js';
import { errorPanel, h, replace, table } from '../lib/dom.js';
import { count, shortHash } from '../lib/format.js';
import { link, type Route, type ViewContext } from '../lib/router.js';
import { auditPanel, commitPanel } from './state-actions.js';
import { stateSummary, type StateSummary } from './state-api.js';
import { stateHeightView } from './state-height.js';
import { stateKeyView } from './state-key.js';
import { timeline } from './state-timeline.js';

async function stateList(ctx: ViewContext): Promise<void> {
  const { states } = await api<{ states: string[] }>('/v1/states', { signal: ctx.signal });
  const summaries = await Promise.all(states.map((name) => stateSummary(name, ctx.signal)));
  replace(
    ctx.root,
    h('h1', {}, 'Versioned states'),
    summaries.length === 0
      ? h('p', { class: 'muted' }, 'This store has no versioned states.')
      : table(
          ['state', 'latest height', 'first readable height', 'trees', 'root'],
          summaries.map((s) => [
            h('a', { href: link('states', s.state) }, s.state),
            s.latest === null ? '–' : String(s.latest),
            String(s.prunedBefore),
            count(Object.keys(s.trees).length),
            s.root === null ? '–' : h('code', { title: s.root }, shortHash(s.root)),
          ]),
          { num: [1, 2, 3], className: 'states' },
        ),
  );
  ctx.ready();
}

function card(name: string, figure: string, title?: string): HTMLElement {
  return h('div', { class: 'card', 'data-figure': name }, h('div', { class: 'muted' }, name), h('div', { class: 'figure', title }, figure));
}

function summaryCards(s: StateSummary): HTMLElement[] {
  return [
    card('latest height', s.latest === null ? '–' : String(s.latest)),
    card('first readable height', String(s.prunedBefore)),
    card('trees', count(Object.keys(s.trees).length)),
    card('root', s.root === null ? '–' : shortHash(s.root), s.root ?? undefined),
  ];
}

async function stateView(ctx: ViewContext): Promise<void> {
  const name = ctx.params['state']!;
  const s = await stateSummary(name, ctx.signal);
  const cards = h('div', { class: 'cards' }, summaryCards(s));
  const timelineBox = h('section', { class: 'state-timeline' });
  replace(
    ctx.root,
    h('div', { class: 'breadcrumbs' }, h('a', { href: link('states') }, 'States'), ' / ', name),
    h('h1', {}, name),
    cards,
    h('p', {}, h('a', { href: `${link('states', name, 'key')}${s.latest === null ? '' : `?height=${s.latest}`}`, id: 'read-key-link' }, 'Read a key with its proof →')),
    timelineBox,
    h(
      'div',
      { class: 'state-actions' },
      commitPanel(name, ctx.role, ctx.signal, () => {
        // The new height belongs in the figures and the timeline; the rest stays (the result included).
        replace(timelineBox);
        const redraw = async (): Promise<void> => {
          replace(cards, summaryCards(await stateSummary(name, ctx.signal)));
          await timeline(timelineBox, name, ctx.signal);
        };
        redraw().catch((err: unknown) => {
          if (!ctx.signal.aborted) timelineBox.append(errorPanel(err));
        });
      }),
      auditPanel(name, ctx.role, ctx.signal),
    ),
  );
  await timeline(timelineBox, name, ctx.signal);
  ctx.ready();
}

/** The routes of this view file. */
export const stateRoutes: readonly Route[] = [
  { path: '/states', section: 'states', name: 'states', render: stateList },
  { path: '/states/:state', section: 'states', name: 'state', render: stateView },
  { path: '/states/:state/heights/:height', section: 'states', name: 'state-height', render: stateHeightView },
  { path: '/states/:state/key', section: 'states', name: 'state-key', render: stateKeyView },
];
