/** Operations: store statistics. */
import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import type { Route, ViewContext } from '../lib/router.js';

async function opsView(ctx: ViewContext): Promise<void> {
  const stats = await api<Record<string, unknown>>('/v1/stats', { signal: ctx.signal });
  replace(ctx.root, h('h1', {}, 'Operations'), h('pre', {}, JSON.stringify(stats, null, 2)));
  ctx.ready();
}

/** The routes of this view file. */
export const opsRoutes: readonly Route[] = [{ path: '/ops', section: 'ops', name: 'ops', render: opsView }];
