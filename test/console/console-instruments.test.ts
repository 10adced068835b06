/**
 * The instrument views in a real browser: the list against GET /v1/instruments, uPlot charts
 * drawn from the server's M4 answer (checked against the API), zoom by dragging, pan, hover
 * values, CSV export, several aligned series, a keyed column's pages, and the time to draw a
 * 10,000,000-point series.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { vegaSeries } from '../helpers/vega-series.js';
import { canvasInk, type ConsoleFixture, goView, openView, reportPaint, screenshot, tableRows, TOKENS, useConsoleServer } from './console-harness.js';

/** The seattle-weather.csv columns, as instruments `seattle.<column>`. */
const WEATHER = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;
const BIG = 'big.sine';
const BIG_POINTS = 10_000_000;
const KEYED = 'city.population';
const CITIES = 120;

async function seed(store: Store): Promise<void> {
  for (const column of WEATHER) {
    const series = vegaSeries().find((s) => s.name === `seattle-weather.csv:${column}`)!;
    await (await store.instrument(`seattle.${column}`, { type: 'float64', index: 'time' })).append(series.times, series.values);
  }
  const keyed = await store.instrument(KEYED, { type: 'int32', index: 'key' });
  await keyed.put(
    Array.from({ length: CITIES }, (_, i) => `city-${String(i).padStart(3, '0')}`),
    Int32Array.from({ length: CITIES }, (_, i) => 1000 + ((i * 7919) % 5000)),
  );
  // One point a second from 2024-01-01, appended in big chunks (the fast path: after the last time).
  const started = Date.now();
  const big = await store.instrument(BIG, { type: 'float64', index: 'time' });
  const chunk = 1_000_000;
  const start = 1_704_067_200_000_000n;
  const times = new BigInt64Array(chunk);
  const values = new Float64Array(chunk);
  for (let off = 0; off < BIG_POINTS; off += chunk) {
    for (let i = 0; i < chunk; i++) {
      const k = off + i;
      times[i] = start + BigInt(k) * 1_000_000n;
      values[i] = Math.sin(k / 200_000) * 10 + (k % 1000) / 500;
    }
    await big.append(times, values);
  }
  console.log(`console instruments: seeded ${BIG_POINTS} points in ${Date.now() - started} ms`);
}

interface Info {
  name: string;
  type: string;
  index: string;
  points: number;
  chunks: number;
  first: string | null;
  last: string | null;
}

interface PlotState {
  names: string[];
  from: string;
  to: string;
  buckets: number;
  fetches: number;
  answers: Record<string, { times: number[]; values: unknown[] }>;
}

let fixture: () => ConsoleFixture;
let token: string | undefined;

async function apiJson<T>(url: string): Promise<T> {
  const res = await fixture().app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

function plotState(page: Page): Promise<PlotState> {
  return page.evaluate<PlotState>('window.keeprPlot');
}

/** Every answer drawn is the API's M4 answer for the view's range and bucket count. */
async function expectDrawnIsApi(state: PlotState): Promise<void> {
  for (const name of state.names) {
    const api = await apiJson<{ times: number[]; values: unknown[] }>(`/v1/instruments/${name}/downsample?m4=true&gte=${state.from}&lt=${state.to}&buckets=${state.buckets}&timeUnit=ms`);
    expect(state.answers[name]).toEqual(api);
  }
}

async function waitFetches(page: Page, n: number): Promise<PlotState> {
  await page.waitForSelector(`.instrument-plot[data-fetches="${n}"]`);
  return plotState(page);
}

function iso(us: string): string {
  return new Date(Number(BigInt(us) / 1000n)).toISOString().slice(0, 19);
}

describe('console instruments, open server', () => {
  const opened = useConsoleServer(seed);
  beforeAll(() => {
    fixture = opened;
    token = undefined;
  });

  it('lists every instrument as GET /v1/instruments does, and plots two ticked series on one time axis', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/instruments', { view: 'instruments' });
    reportPaint('instruments', paintMs);
    const { instruments } = await apiJson<{ instruments: Info[] }>('/v1/instruments');
    expect(instruments.map((i) => i.name)).toEqual([BIG, KEYED, ...WEATHER.map((c) => `seattle.${c}`)]);
    const rows = await tableRows(page, 'table.instruments tbody tr');
    expect(rows.map((r) => r.slice(1, 6))).toEqual(instruments.map((i) => [i.name, i.type, i.index, i.points.toLocaleString('en-US'), i.chunks.toLocaleString('en-US')]));
    for (const [i, info] of instruments.entries()) {
      if (info.index === 'time') {
        expect(rows[i]![7]).toContain(iso(info.first!));
        expect(rows[i]![8]).toContain(iso(info.last!));
      } else {
        expect([rows[i]![7], rows[i]![8]]).toEqual(['city-000', `city-${CITIES - 1}`]);
      }
    }
    await screenshot(page, 'instruments');
    expect(await page.isDisabled('button.plot-selected')).toBe(true);
    await page.check('tr[data-name="seattle.temp_max"] input[type=checkbox]');
    await page.check('tr[data-name="seattle.wind"] input[type=checkbox]');
    const started = Date.now();
    await page.click('button.plot-selected');
    await page.waitForSelector('body[data-ready="instrument-plot"]');
    reportPaint('instrument-plot-2-series', Date.now() - started);
    const state = await plotState(page);
    expect(state.names).toEqual(['seattle.temp_max', 'seattle.wind']);
    await expectDrawnIsApi(state);
    const legend = await page.evaluate<string[]>(`[...document.querySelectorAll('.u-legend .u-series th')].map((th) => th.textContent.trim())`);
    expect(legend).toEqual(['time (UTC)', 'seattle.temp_max', 'seattle.wind']);
    expect((await canvasInk(page, '.instrument-plot canvas')).inked).toBeGreaterThan(1000);
    await screenshot(page, 'instrument-plot-aligned');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the M4 answer of the API, shows values on hover, zooms by dragging, pans, resets, and exports the visible range as CSV', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/instruments/plot?names=seattle.temp_max', { view: 'instrument-plot' });
    reportPaint('instrument-plot', paintMs);
    const info = await apiJson<Info>('/v1/instruments/seattle.temp_max');
    const first = await plotState(page);
    expect(first.fetches).toBe(1);
    expect([first.from, first.to]).toEqual([info.first, String(BigInt(info.last!) + 1n)]);
    expect(first.buckets).toBeGreaterThan(500);
    await expectDrawnIsApi(first);
    expect((await canvasInk(page, '.instrument-plot canvas')).inked).toBeGreaterThan(1000);

    const over = (await page.locator('.instrument-plot .u-over').boundingBox())!;
    const y = over.y + over.height / 2;
    await page.mouse.move(over.x + over.width / 2, y);
    const value = page.locator('.u-legend .u-series').nth(1).locator('.u-value');
    await expect.poll(() => value.textContent()).toMatch(/^-?\d/);
    expect(await page.locator('.u-legend .u-series').nth(0).locator('.u-value').textContent()).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await screenshot(page, 'instrument-plot-hover');

    // Drag over the second quarter of the plot: the view reads that range again.
    await page.mouse.move(over.x + over.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.5, y, { steps: 8 });
    await page.mouse.up();
    const zoomed = await waitFetches(page, 2);
    const span = BigInt(first.to) - BigInt(first.from);
    expect(BigInt(zoomed.from)).toBeGreaterThan(BigInt(first.from) + span / 5n);
    expect(BigInt(zoomed.to)).toBeLessThan(BigInt(first.from) + (span * 11n) / 20n);
    await expectDrawnIsApi(zoomed);
    expect(await page.evaluate<string>('location.hash')).toBe(`#/instruments/plot?names=seattle.temp_max&from=${zoomed.from}&to=${zoomed.to}`);
    await screenshot(page, 'instrument-plot-zoomed');

    // Pan right a quarter of the range with the button, then back with the arrow key.
    await page.click('.plot-controls button.move-right');
    const panned = await waitFetches(page, 3);
    const quarter = (BigInt(zoomed.to) - BigInt(zoomed.from)) / 4n;
    expect([BigInt(panned.from), BigInt(panned.to)]).toEqual([BigInt(zoomed.from) + quarter, BigInt(zoomed.to) + quarter]);
    await page.focus('.instrument-plot');
    await page.keyboard.press('ArrowLeft');
    const back = await waitFetches(page, 4);
    expect(BigInt(back.from)).toBeLessThan(BigInt(panned.from));
    await expectDrawnIsApi(back);

    // Export: the downloaded CSV is GET …/points for the visible range.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.export-csv')]);
    const csv = readFileSync(await download.path(), 'utf8');
    const api = await fixture().app.inject({ url: `/v1/instruments/seattle.temp_max/points?gte=${back.from}&lt=${back.to}&format=csv` });
    expect(csv).toBe(api.body);
    expect(csv.split('\n').length).toBeGreaterThan(10);
    expect(download.suggestedFilename()).toBe(`seattle.temp_max_${back.from}_${back.to}.csv`);

    // A reopened hash shows that very range; reset goes back to the whole series.
    await page.click('.plot-controls button.move-reset');
    const reset = await waitFetches(page, 5);
    expect([reset.from, reset.to]).toEqual([first.from, first.to]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it(`draws a ${BIG_POINTS.toLocaleString('en-US')}-point series from its M4 answer`, async () => {
    const { page, errors, paintMs } = await openView(fixture(), `/instruments/plot?names=${BIG}`, { view: 'instrument-plot' });
    reportPaint('instrument-plot-10M', paintMs);
    const info = await apiJson<Info>(`/v1/instruments/${BIG}`);
    expect(info.points).toBe(BIG_POINTS);
    const state = await plotState(page);
    await expectDrawnIsApi(state);
    const drawn = state.answers[BIG]!.times.length;
    expect(drawn).toBeGreaterThan(state.buckets);
    expect(drawn).toBeLessThanOrEqual(4 * state.buckets);
    expect((await canvasInk(page, '.instrument-plot canvas')).inked).toBeGreaterThan(1000);
    await screenshot(page, 'instrument-plot-10M');
    // Again from the list (a hash change, the console already loaded).
    await goView(page, '/instruments', 'instruments');
    reportPaint('instrument-plot-10M-hashchange', await goView(page, `/instruments/plot?names=${BIG}`, 'instrument-plot'));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pages through a keyed column, with a bar chart of its values', async () => {
    const { page, errors, paintMs } = await openView(fixture(), `/instruments/keys/${KEYED}`, { view: 'instrument-keys' });
    reportPaint('instrument-keys', paintMs);
    const rows = (): Promise<string[][]> => tableRows(page, 'table.instrument-keys tbody tr');
    const api = await apiJson<{ keys: string[]; values: number[] }>(`/v1/instruments/${KEYED}/points`);
    const expected = api.keys.map((k, i) => [k, String(api.values[i])]);
    expect(await rows()).toEqual(expected.slice(0, 50));
    expect((await canvasInk(page, '.instrument-bars canvas')).inked).toBeGreaterThan(500);
    await screenshot(page, 'instrument-keys');
    await page.click('.pager a.next');
    await page.waitForSelector('body[data-ready="instrument-keys"]');
    await expect.poll(rows).toEqual(expected.slice(50, 100));
    await page.click('.pager a.next');
    await page.waitForSelector('body[data-ready="instrument-keys"]');
    await expect.poll(rows).toEqual(expected.slice(100));
    expect(await page.locator('.pager a.next').count()).toBe(0);
    await page.click('.pager a.prev');
    await expect.poll(rows).toEqual(expected.slice(50, 100));
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('console instruments, server with tokens', () => {
  const opened = useConsoleServer(async (store) => {
    const series = vegaSeries().find((s) => s.name === 'seattle-weather.csv:wind')!;
    await (await store.instrument('seattle.wind', { type: 'float64', index: 'time' })).append(series.times, series.values);
  }, { tokens: true });
  beforeAll(() => {
    fixture = opened;
    token = TOKENS.read;
  });

  it('plots and exports with a read token', async () => {
    const { page, errors } = await openView(fixture(), '/instruments/plot?names=seattle.wind', { token: TOKENS.read, view: 'instrument-plot' });
    const state = await plotState(page);
    await expectDrawnIsApi(state);
    expect((await canvasInk(page, '.instrument-plot canvas')).inked).toBeGreaterThan(1000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.export-csv')]);
    const api = await fixture().app.inject({ url: `/v1/instruments/seattle.wind/points?gte=${state.from}&lt=${state.to}&format=csv`, headers: { authorization: `Bearer ${TOKENS.read}` } });
    expect(api.statusCode).toBe(200);
    expect(readFileSync(await download.path(), 'utf8')).toBe(api.body);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the server\'s AUTH_FORBIDDEN to a metrics token', async () => {
    const { page } = await openView(fixture(), '/instruments', { token: TOKENS.metrics });
    expect(await page.getAttribute('body', 'data-error')).toBe('AUTH_FORBIDDEN');
    expect(await page.textContent('#view .error')).toContain('AUTH_FORBIDDEN');
    await page.close();
  });
});
