/**
 * The operations view in a real browser: the figures of /v1/stats, who has the store open (the
 * serving process and LMDB's reader table), and request charts sampled from /metrics.
 */
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { Store } from '../../src/store/index.js';
import { canvasInk, goView, openView, reportPaint, screenshot, tableRows, TOKENS, useConsoleServer } from './console-harness.js';

async function seed(store: Store): Promise<void> {
  const docs = await store.source('docs');
  for (let i = 0; i < 20; i++) await docs.put(`doc/${i}`, Block.from(`document ${i}`));
  await (await store.source('more')).put('x', Block.from(1));
}

interface Stats {
  engine: { engine: string; byteLength: number; namespaces: number; readers: { pid: number }[] };
  sources: number;
  volatiles: number;
  durability: string;
  server: { pid: number; version: string; node: string; host?: string };
}

describe('console: operations', () => {
  const fixture = useConsoleServer(seed, { tokens: true });

  it('shows the store figures of /v1/stats and who has the store open', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/ops?every=0.3', { token: TOKENS.read, view: 'ops' });
    reportPaint('ops', paintMs);
    const stats = (await fixture().app.inject({ method: 'GET', url: '/v1/stats', headers: { authorization: `Bearer ${TOKENS.read}` } })).json<Stats>();
    const figure = (name: string): Promise<string | null> => page.textContent(`[data-figure="${name}"] .figure`);
    expect(await figure('engine')).toBe(stats.engine.engine);
    expect(await figure('sources')).toBe(String(stats.sources));
    expect(await figure('volatiles')).toBe(String(stats.volatiles));
    expect(await figure('namespaces')).toBe(String(stats.engine.namespaces));
    expect(await figure('durability')).toBe(stats.durability);
    expect(stats.sources).toBe(3); // docs, more and the console's own keepr.console
    const server = (await tableRows(page, 'table.ops-server tbody tr'))[0]!;
    expect(server.slice(0, 3)).toEqual([String(stats.server.pid), stats.server.version, stats.server.node]);
    expect(server[5]).toBe('admin only');
    const readers = (await tableRows(page, 'table.ops-readers tbody tr')).map((r) => [r[0], r[3]]);
    expect(readers.map(([pid]) => Number(pid))).toEqual(stats.engine.readers.map((r) => r.pid));
    expect(readers).toContainEqual([String(process.pid), 'this server']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('samples /metrics while open: request and latency charts are inked, and requests are counted by route', async () => {
    const { page, errors } = await openView(fixture(), '/ops?every=0.3', { token: TOKENS.admin, view: 'ops' });
    expect(await page.textContent('table.ops-server tbody tr td:nth-child(6)')).not.toBe('admin only');
    // Traffic for the charts: some reads and a few 404s.
    for (let i = 0; i < 20; i++) {
      await fixture().app.inject({ method: 'GET', url: `/v1/sources/docs/blocks/doc%2F${i}`, headers: { authorization: `Bearer ${TOKENS.read}` } });
      await fixture().app.inject({ method: 'GET', url: '/v1/sources/nothing', headers: { authorization: `Bearer ${TOKENS.read}` } });
    }
    // Polled from here: waitForFunction would evaluate a string in the page, which its CSP forbids.
    await expect.poll(() => page.evaluate<number>('Number(document.querySelector("#ops-metrics").dataset.samples)'), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    for (const canvas of ['#ops-requests', '#ops-latency']) {
      const ink = await canvasInk(page, canvas);
      expect(ink.inked, canvas).toBeGreaterThan(50);
    }
    const routes = await tableRows(page, 'table.ops-routes tbody tr');
    expect(routes).toContainEqual(['GET', '/v1/sources/:source/blocks/*', '200', expect.stringMatching(/^\d+$/)]);
    const notFound = routes.find((r) => r[1] === '/v1/sources/:source' && r[2] === '404');
    expect(Number(notFound?.[3])).toBeGreaterThanOrEqual(20);
    await screenshot(page, 'ops');
    // Leaving the view stops the sampling (no error from a scrape cut short).
    await goView(page, '#/states', 'states');
    expect(errors).toEqual([]);
    await page.close();
  });
});
