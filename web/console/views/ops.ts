/**
 * Operations: the store's statistics (`/v1/stats`: engine, size, sources, durability, block
 * cache), who has the store open (the serving process and the engine's reader table), and
 * request figures sampled from `/metrics` while the view is open (ops-metrics.ts).
 */
import { api } from '../lib/api.js';
import { h, replace, table } from '../lib/dom.js';
import { bytes, count } from '../lib/format.js';
import type { Route, ViewContext } from '../lib/router.js';
import { metricsSection } from './ops-metrics.js';

/** `/v1/stats` (docs/http-api.md#sources). */
interface Stats {
  readonly engine: { engine: string; path?: string; byteLength: number; namespaces: number; extra: Record<string, number>; readers?: { pid: number; thread: string; txnid: number | null }[] };
  readonly sources: number;
  readonly volatiles: number;
  readonly durability: string;
  readonly cache?: Record<string, number>;
  readonly server?: { pid: number; startedAt: string; uptimeSeconds: number; version: string; node: string; host?: string };
}

function card(name: string, figure: string, title?: string): HTMLElement {
  return h('div', { class: 'card', 'data-figure': name }, h('div', { class: 'muted' }, name), h('div', { class: 'figure', title }, figure));
}

function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const hms = new Date((seconds % 86400) * 1000).toISOString().slice(11, 19);
  return d > 0 ? `${d} d ${hms}` : hms;
}

async function opsView(ctx: ViewContext): Promise<void> {
  const stats = await api<Stats>('/v1/stats', { signal: ctx.signal });
  const cache = stats.cache;
  const hits = cache?.['hits'] ?? 0;
  const misses = cache?.['misses'] ?? 0;
  const server = stats.server;
  const readers = stats.engine.readers;
  const every = Math.max(0.25, Number(ctx.query.get('every') ?? 3) || 3);
  replace(
    ctx.root,
    h('h1', {}, 'Operations'),
    h(
      'div',
      { class: 'cards ops-cards' },
      card('engine', stats.engine.engine, stats.engine.path),
      card('size', bytes(stats.engine.byteLength), `${count(stats.engine.byteLength)} bytes`),
      card('sources', count(stats.sources)),
      card('volatiles', count(stats.volatiles)),
      card('namespaces', count(stats.engine.namespaces)),
      card('durability', stats.durability),
      cache === undefined ? card('block cache', 'none') : card('cache hits', count(hits)),
      cache === undefined ? null : card('cache misses', count(misses)),
      cache === undefined ? null : card('cache hit rate', hits + misses === 0 ? '–' : `${((100 * hits) / (hits + misses)).toFixed(1)} %`),
      cache === undefined ? null : card('cache entries', `${count(cache['entries'] ?? 0)} · ${bytes(cache['byteLength'] ?? 0)}`),
    ),
    h('h2', {}, 'Who has the store open'),
    server === undefined
      ? null
      : table(
          ['serving process', 'keepr', 'Node.js', 'started', 'uptime', 'host'],
          [[String(server.pid), server.version, server.node, server.startedAt, uptime(server.uptimeSeconds), server.host ?? h('span', { class: 'muted' }, 'admin only')]],
          { className: 'ops-server' },
        ),
    readers === undefined
      ? h('p', { class: 'muted' }, `The ${stats.engine.engine} engine has no reader table to show.`)
      : h(
          'div',
          {},
          h('p', { class: 'muted' }, `LMDB reader slots in use: ${count(readers.length)} of ${count(stats.engine.extra['maxReaders'] ?? 0)} (one per process and thread that reads the store).`),
          table(
            ['pid', 'thread', 'snapshot (txnid)', ''],
            readers.map((r) => [String(r.pid), h('code', {}, r.thread), r.txnid === null ? 'idle' : String(r.txnid), r.pid === server?.pid ? 'this server' : 'another process']),
            { num: [0], className: 'ops-readers' },
          ),
        ),
    h('details', {}, h('summary', {}, 'Engine counters'), table(['counter', 'value'], Object.entries(stats.engine.extra).map(([k, v]) => [k, count(v)]), { num: [1], className: 'ops-extra' })),
  );
  await metricsSection(ctx.root, every * 1000, ctx.signal);
  ctx.ready();
}

/** The routes of this view file. */
export const opsRoutes: readonly Route[] = [{ path: '/ops', section: 'ops', name: 'ops', render: opsView }];
