/** The console's Prometheus text parsing and histogram quantiles (web/console/lib/metrics.ts), in Node. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketDelta, buckets, parsePrometheus, quantile, total } from '../../web/console/lib/metrics.js';

const SCRAPE = `# HELP keepr_http_requests_total Requests
# TYPE keepr_http_requests_total counter
keepr_http_requests_total{method="GET",route="/v1/stats",status="200"} 7
keepr_http_requests_total{method="GET",route="/v1/a \\"q\\"",status="404"} 3
keepr_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/v1/stats",status="200"} 2
keepr_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/v1/stats",status="200"} 6
keepr_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/stats",status="200"} 7
keepr_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/x",status="404"} 3
keepr_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/x",status="404"} 3
keepr_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/x",status="404"} 3
keepr_store_sources 2
`;

describe('console metrics', () => {
  it('parses samples with escaped labels, sums them, and sums histogram buckets over labels', () => {
    const samples = parsePrometheus(SCRAPE);
    expect(samples).toHaveLength(9);
    expect(samples[1]!.labels).toEqual({ method: 'GET', route: '/v1/a "q"', status: '404' });
    expect(total(samples, 'keepr_http_requests_total')).toBe(10);
    expect(total(samples, 'keepr_http_requests_total', (l) => Number(l['status']) >= 400)).toBe(3);
    expect(buckets(samples, 'keepr_http_request_duration_seconds')).toEqual([
      [0.001, 5],
      [0.01, 9],
      [Infinity, 10],
    ]);
  });

  it('interpolates quantiles inside their bucket, and gives NaN without observations', () => {
    const cumulative: [number, number][] = [
      [0.001, 5],
      [0.01, 9],
      [Infinity, 10],
    ];
    expect(quantile(0.5, cumulative)).toBeCloseTo(0.001 + 0.009 * (0.5 / 4));
    expect(quantile(0.25, cumulative)).toBeCloseTo(0.0005);
    expect(quantile(0.99, cumulative)).toBe(0.01);
    expect(quantile(0.5, bucketDelta(cumulative, cumulative))).toBeNaN();
  });

  it('never throws on any text, truncated scrapes included, and gives numbers only', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat(SCRAPE.length).map((n) => SCRAPE.slice(0, n))), (text) => {
        for (const s of parsePrometheus(text)) expect(typeof s.value).toBe('number');
      }),
    );
  });
});
