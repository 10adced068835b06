/**
 * Prometheus metrics for one server, in a Registry of its own (several servers in one process,
 * as in tests, must not share counters). Per request: one counter and one histogram child,
 * looked up from a small cache so the hot path builds no label objects. Store numbers are read
 * from `store.stats()` when `/metrics` is scraped.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../keepr/index.js';

/** Metric names, all prefixed `keepr_`. */
export const METRIC_NAMES = {
  requests: 'keepr_http_requests_total',
  duration: 'keepr_http_request_duration_seconds',
  storeBytes: 'keepr_store_size_bytes',
  sources: 'keepr_store_sources',
  volatiles: 'keepr_store_volatiles',
  cacheEntries: 'keepr_block_cache_entries',
  cacheBytes: 'keepr_block_cache_bytes',
  cacheHits: 'keepr_block_cache_hits_total',
  cacheMisses: 'keepr_block_cache_misses_total',
  cacheEvictions: 'keepr_block_cache_evictions_total',
  cacheLost: 'keepr_block_cache_lost_total',
} as const;

/** Latency buckets in seconds: 100 µs to 5 s. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Child = { inc: () => void; observe: (value: number) => void };

/** The metrics of one server. */
export class ServerMetrics {
  /** The server's own registry. */
  readonly registry = new Registry();
  readonly #store: Store;
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'method' | 'route' | 'status'>;
  readonly #gauges: Record<'storeBytes' | 'sources' | 'volatiles' | 'cacheEntries' | 'cacheBytes', Gauge>;
  readonly #totals: Record<'cacheHits' | 'cacheMisses' | 'cacheEvictions' | 'cacheLost', Counter>;
  readonly #children = new Map<string, Child>();

  constructor(store: Store, options: { readonly defaultMetrics?: boolean } = {}) {
    this.#store = store;
    const registers = [this.registry];
    const labelNames = ['method', 'route', 'status'] as const;
    this.#requests = new Counter({ name: METRIC_NAMES.requests, help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers });
    this.#duration = new Histogram({ name: METRIC_NAMES.duration, help: 'Time from request to the end of the answer, by method, route pattern and status', labelNames, buckets: BUCKETS, registers });
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers });
    const total = (name: string, help: string): Counter => new Counter({ name, help, registers });
    this.#gauges = {
      storeBytes: gauge(METRIC_NAMES.storeBytes, 'Bytes the storage engine uses (on disk for lmdb, in memory for memory)'),
      sources: gauge(METRIC_NAMES.sources, 'Number of sources'),
      volatiles: gauge(METRIC_NAMES.volatiles, 'Number of volatile containers'),
      cacheEntries: gauge(METRIC_NAMES.cacheEntries, 'Blocks held in the block cache (0 without a cache)'),
      cacheBytes: gauge(METRIC_NAMES.cacheBytes, 'Bytes held in the block cache'),
    };
    this.#totals = {
      cacheHits: total(METRIC_NAMES.cacheHits, 'Block cache hits'),
      cacheMisses: total(METRIC_NAMES.cacheMisses, 'Block cache misses'),
      cacheEvictions: total(METRIC_NAMES.cacheEvictions, 'Blocks evicted from the block cache for capacity'),
      cacheLost: total(METRIC_NAMES.cacheLost, 'Transient mode: blocks evicted and therefore gone'),
    };
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'keepr_' });
  }

  /** Counts one answered request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const id = `${method} ${status} ${route}`;
    let child = this.#children.get(id);
    if (child === undefined) {
      const labels = { method, route, status: String(status) };
      const counter = this.#requests.labels(labels);
      const histogram = this.#duration.labels(labels);
      child = {
        inc: () => {
          counter.inc();
        },
        observe: (value) => {
          histogram.observe(value);
        },
      };
      this.#children.set(id, child);
    }
    child.inc();
    child.observe(seconds);
  }

  /** The exposition text, with store numbers read now. */
  async render(): Promise<string> {
    const stats = await this.#store.stats();
    const cache = stats.cache;
    this.#gauges.storeBytes.set(stats.engine.sizeBytes);
    this.#gauges.sources.set(stats.sources);
    this.#gauges.volatiles.set(stats.volatiles);
    this.#gauges.cacheEntries.set(cache?.entries ?? 0);
    this.#gauges.cacheBytes.set(cache?.bytes ?? 0);
    // The store keeps the running totals; counters are set to them (reset, then one increment).
    const set = (counter: Counter, value: number): void => {
      counter.reset();
      if (value > 0) counter.inc(value);
    };
    set(this.#totals.cacheHits, cache?.hits ?? 0);
    set(this.#totals.cacheMisses, cache?.misses ?? 0);
    set(this.#totals.cacheEvictions, cache?.evictions ?? 0);
    set(this.#totals.cacheLost, cache?.lost ?? 0);
    return this.registry.metrics();
  }
}

/** Installs the per-request hook. Requests no route matched share the route label `unmatched`. */
export function installMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
