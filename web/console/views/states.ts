/** Versioned states: the list of states. */
import { api } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import type { Route, ViewContext } from '../lib/router.js';

async function stateList(ctx: ViewContext): Promise<void> {
  const { states } = await api<{ states: string[] }>('/v1/states', { signal: ctx.signal });
  replace(ctx.root, h('h1', {}, 'Versioned states'), table(['state'], states.map((s) => [s])));
  ctx.ready();
}

/** The routes of this view file. */
export const stateRoutes: readonly Route[] = [{ path: '/states', section: 'states', name: 'states', render: stateList }];
