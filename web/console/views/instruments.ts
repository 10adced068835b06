/** Instruments: the list of time series and keyed columns. */
import { api } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import { count } from '../lib/format.js';
import type { Route, ViewContext } from '../lib/router.js';

interface InstrumentFacts {
  readonly name: string;
  readonly type: string;
  readonly index: string;
  readonly points: number;
}

async function instrumentList(ctx: ViewContext): Promise<void> {
  const { instruments } = await api<{ instruments: InstrumentFacts[] }>('/v1/instruments', { signal: ctx.signal });
  replace(ctx.root, h('h1', {}, 'Instruments'), table(['name', 'type', 'index', 'points'], instruments.map((i) => [i.name, i.type, i.index, count(i.points)]), { num: [3] }));
  ctx.ready();
}

/** The routes of this view file. */
export const instrumentRoutes: readonly Route[] = [{ path: '/instruments', section: 'instruments', name: 'instruments', render: instrumentList }];
