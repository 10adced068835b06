/**
 * Browser tests of the web console: a real server on loopback over a fresh LMDB store that a
 * test seeds, the console built from web/console into a temp folder and installed as blocks,
 * and headless Chromium (Debian's `chromium`, driven by playwright-core). Every page records
 * console errors and uncaught exceptions, so a test can assert there were none.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildServer, installConsole, type TokenConfig } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { openStore } from '../helpers/open-store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Screenshots go here (not committed: test/artifacts/ is ignored). */
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');

/** Where the browser is: `KEEPR_CHROMIUM`, else Debian's chromium. */
export const CHROMIUM = process.env['KEEPR_CHROMIUM'] ?? '/usr/bin/chromium';

/** Tokens of the console test servers (one per role). */
export const TOKENS = {
  read: 'read-token-0123456789abcdef',
  write: 'write-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
  metrics: 'metrics-token-0123456789abcdef',
} as const;

/** A running console server and browser for one test file. */
export interface ConsoleFixture {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly browser: Browser;
}

/** What {@link openView} gives: the page, its console errors so far, and the view's time to first paint. */
export interface OpenedView {
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page (grows while the page lives). */
  readonly errors: string[];
  /** ms from navigation start until the view called ready() and the next frame was drawn. */
  readonly paintMs: number;
}

/** Options of {@link useConsoleServer}. */
export interface ConsoleServerOptions {
  /** Check tokens ({@link TOKENS}); default false: an open loopback server. */
  readonly tokens?: boolean;
}

/**
 * Starts, for the current test file, a server over a fresh store filled by `seed`, with the
 * console installed, and a headless Chromium; both stop after the file. Call at top level.
 */
export function useConsoleServer(seed: (store: Store) => Promise<void>, options: ConsoleServerOptions = {}): () => ConsoleFixture {
  let fixture: ConsoleFixture | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`the console tests need Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set KEEPR_CHROMIUM`);
    dir = mkdtempSync(join(tmpdir(), 'keepr-console-'));
    const built = join(dir, 'console');
    const { buildConsole } = (await import(join(ROOT, 'scripts', 'build-console.mjs'))) as { buildConsole: (root: string, out: string) => Promise<number> };
    if ((await buildConsole(ROOT, built)) !== 0) throw new Error('the console does not build');
    const store = await openStore(join(dir, 'store'));
    await seed(store);
    await installConsole(store, built);
    const tokens: TokenConfig[] = options.tokens === true ? Object.entries(TOKENS).map(([role, token]) => ({ role: role as TokenConfig['role'], token })) : [];
    const app = buildServer(store, { tokens });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    fixture = { url, store, app, browser };
  }, 120_000);
  afterAll(async () => {
    await fixture?.browser.close();
    await fixture?.app.close();
    await fixture?.store.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (fixture === undefined) throw new Error('the console server is not up (beforeAll failed?)');
    return fixture;
  };
}

/** Options of {@link openView}. */
export interface OpenViewOptions {
  /** A token put into session storage before the console loads. */
  readonly token?: string;
  /** Viewport (default 1280×800). */
  readonly width?: number;
  readonly height?: number;
  /** Wait for this `data-ready` view name (default: any). */
  readonly view?: string;
}

/**
 * Opens `/console/#<hash>` in a fresh browser context and waits until the view is ready
 * (`body[data-ready]`): the view has fetched its figures, drawn them and a frame has passed.
 */
export async function openView(fixture: ConsoleFixture, hash: string, options: OpenViewOptions = {}): Promise<OpenedView> {
  const context = await fixture.browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  if (options.token !== undefined) {
    // Scripts run in the page, so they are text here (the test's TypeScript has no DOM types).
    await context.addInitScript(`sessionStorage.setItem('keepr.console.token', ${JSON.stringify(options.token)})`);
  }
  const page = await context.newPage();
  // A page closed by the test takes its context along; one closed with the browser needs nothing.
  page.on('close', () => {
    context.close().catch(() => undefined);
  });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  await page.goto(`${fixture.url}/console/#${hash.startsWith('/') ? hash : `/${hash}`}`);
  const selector = options.view === undefined ? 'body[data-ready]' : `body[data-ready="${options.view}"]`;
  await page.waitForSelector(selector, { timeout: 20_000 });
  const paintMs = await page.evaluate<number>('window.keeprPaints?.at(-1)?.ms ?? NaN');
  return { page, errors, paintMs };
}

/** Navigates an open console to `hash` and waits for the view `view` to be ready; returns ms from the click to ready. */
export async function goView(page: Page, hash: string, view: string): Promise<number> {
  const started = Date.now();
  await page.evaluate(`delete document.body.dataset.ready; location.hash = ${JSON.stringify(hash.startsWith('#') ? hash : `#${hash}`)}`);
  await page.waitForSelector(`body[data-ready="${view}"]`, { timeout: 20_000 });
  return Date.now() - started;
}

/** Saves a screenshot of the page as test/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * How many pixels of the canvas differ from its top-left pixel (a blank or one-colour canvas
 * gives 0), and its size. Reads the first canvas matching `selector`.
 */
export async function canvasInk(page: Page, selector = 'canvas'): Promise<{ width: number; height: number; inked: number }> {
  const script = `(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    if (canvas === null) throw new Error('no canvas matches ' + ${JSON.stringify(selector)});
    const ctx = canvas.getContext('2d');
    if (ctx === null) return { width: canvas.width, height: canvas.height, inked: 0 };
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 4; i < data.length; i += 4) {
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) inked++;
    }
    return { width: canvas.width, height: canvas.height, inked };
  })()`;
  return page.evaluate<{ width: number; height: number; inked: number }>(script);
}

/** The text of every cell of the table rows matching `selector` (e.g. `table.sources tbody tr`). */
export async function tableRows(page: Page, selector: string): Promise<string[][]> {
  return page.evaluate<string[][]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((tr) => [...tr.children].map((td) => td.textContent ?? ''))`);
}

/** The `attribute` of each element matching `selector` (null where it has none). */
export function attributes(page: Page, selector: string, attribute: string): Promise<(string | null)[]> {
  return page.evaluate<(string | null)[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => el.getAttribute(${JSON.stringify(attribute)}))`);
}

/** Paint times measured by the tests of this run, printed by each file (the closing note collects them). */
export function reportPaint(view: string, ms: number): void {
  console.log(`console paint: ${view} ${ms.toFixed(0)} ms`);
}
