/**
 * The live part of the operations view: `/metrics` scraped every few seconds while the view is
 * open (stopped by the view's signal), drawn as request rate, error rate and latency quantiles
 * over the last samples, with the request counts by route and status.
 */
import { ApiError, call } from '../lib/api.js';
import { errorPanel, h, replace, table } from '../lib/dom.js';
import { count } from '../lib/format.js';
import { bucketDelta, buckets, parsePrometheus, quantile, total, type Sample } from '../lib/metrics.js';
import { drawLines } from '../lib/sparkline.js';

const KEEP = 60;
const REQUESTS = 'keepr_http_requests_total';
const DURATION = 'keepr_http_request_duration_seconds';

interface Scrape {
  readonly at: number;
  readonly samples: Sample[];
}

const isError = (labels: Readonly<Record<string, string>>): boolean => Number(labels['status']) >= 400;

/** The metrics section; resolves after the first scrape is drawn and keeps sampling every `everyMs`. */
export async function metricsSection(into: HTMLElement, everyMs: number, signal: AbortSignal): Promise<void> {
  const section = h('section', { id: 'ops-metrics', 'data-samples': 0 });
  const rateCanvas = h('canvas', { id: 'ops-requests', class: 'spark' });
  const latencyCanvas = h('canvas', { id: 'ops-latency', class: 'spark' });
  const routes = h('div', {});
  const note = h('p', { class: 'muted' });
  into.append(
    h('h2', {}, 'Requests'),
    section,
  );
  replace(
    section,
    note,
    h('div', { class: 'spark-grid' }, h('figure', {}, rateCanvas, h('figcaption', {}, 'requests and errors (4xx/5xx) per second')), h('figure', {}, latencyCanvas, h('figcaption', {}, 'latency quantiles over each interval, ms'))),
    h('h3', {}, 'Requests by route and status (since the server started)'),
    routes,
  );
  const scrapes: Scrape[] = [];
  const rate: number[] = [];
  const errors: number[] = [];
  const p50: number[] = [];
  const p95: number[] = [];
  const p99: number[] = [];

  const scrape = async (): Promise<void> => {
    const text = await (await call('/metrics', { accept: 'text/plain', signal })).text();
    const now: Scrape = { at: performance.now(), samples: parsePrometheus(text) };
    const last = scrapes.at(-1);
    scrapes.push(now);
    if (scrapes.length > 2) scrapes.shift();
    if (last !== undefined) {
      const seconds = (now.at - last.at) / 1000;
      rate.push((total(now.samples, REQUESTS) - total(last.samples, REQUESTS)) / seconds);
      errors.push((total(now.samples, REQUESTS, isError) - total(last.samples, REQUESTS, isError)) / seconds);
      const delta = bucketDelta(buckets(now.samples, DURATION), buckets(last.samples, DURATION));
      p50.push(quantile(0.5, delta) * 1000);
      p95.push(quantile(0.95, delta) * 1000);
      p99.push(quantile(0.99, delta) * 1000);
      for (const series of [rate, errors, p50, p95, p99]) if (series.length > KEEP) series.shift();
    }
    draw(now.samples);
    section.dataset['samples'] = String(Number(section.dataset['samples']) + 1);
  };

  const draw = (samples: readonly Sample[]): void => {
    const width = Math.max(280, Math.min(Math.floor((into.clientWidth || 900) / 2) - 24, 560));
    drawLines(rateCanvas, [{ name: 'requests', values: rate }, { name: 'errors', values: errors }], { width, height: 110, unit: '/s' });
    drawLines(latencyCanvas, [{ name: 'p50', values: p50 }, { name: 'p95', values: p95 }, { name: 'p99', values: p99 }], { width, height: 110, unit: ' ms' });
    const rows = samples
      .filter((s) => s.name === REQUESTS)
      .sort((a, b) => b.value - a.value)
      .slice(0, 25)
      .map((s) => [s.labels['method'] ?? '', h('code', {}, s.labels['route'] ?? ''), h('span', { class: isError(s.labels) ? 'bad' : undefined }, s.labels['status'] ?? ''), count(s.value)]);
    replace(routes, table(['method', 'route', 'status', 'requests'], rows, { num: [3], className: 'ops-routes' }));
    note.textContent = `Sampled from /metrics every ${everyMs / 1000} s while this view is open; ${count(total(samples, REQUESTS))} requests, ${count(total(samples, REQUESTS, isError))} errors so far.`;
  };

  try {
    await scrape();
  } catch (err) {
    if (signal.aborted) return;
    // A server without /metrics (metrics: false) has no such route.
    replace(section, err instanceof ApiError && err.status === 404 ? h('p', { class: 'muted' }, 'This server publishes no /metrics.') : errorPanel(err));
    return;
  }
  const loop = (): void => {
    const timer = setTimeout(() => {
      scrape().then(loop, (err: unknown) => {
        if (!signal.aborted) section.prepend(errorPanel(err));
      });
    }, everyMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
    }, { once: true });
  };
  loop();
}
