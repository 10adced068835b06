/** The console shell in a real browser: it loads with no errors, lists sources, and asks for a token when the server wants one. */
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { Store } from '../../src/store/index.js';
import { openView, reportPaint, screenshot, TOKENS, useConsoleServer } from './console-harness.js';

async function seed(store: Store): Promise<void> {
  const docs = await store.source('docs');
  await docs.put('readme.txt', Block.file(new TextEncoder().encode('hello'), 'text/plain'));
  await docs.put('n', Block.from(new Float64Array([1, 2, 3])));
}

describe('console shell, open server', () => {
  const fixture = useConsoleServer(seed);

  it('lists the sources with their block counts, with no console errors', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/sources', { view: 'sources' });
    reportPaint('sources', paintMs);
    // A page script as text: the tests' TypeScript has no DOM types (eslint flags untyped callbacks).
    const rows = await page.evaluate<string[][]>(`[...document.querySelectorAll('table.sources tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent))`);
    expect(rows).toContainEqual(['docs', '2', expect.stringMatching(/B$/)]);
    expect(await page.textContent('#token-button')).toBe('open server');
    await screenshot(page, 'sources');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('console shell, server with tokens', () => {
  const fixture = useConsoleServer(seed, { tokens: true });

  it('asks for a token, and shows the role of the token it was given', async () => {
    const { page } = await openView(fixture(), '/sources');
    expect(await page.isVisible('#token-dialog')).toBe(true);
    expect(await page.textContent('#token-reason')).toContain('AUTH_REQUIRED');
    await page.fill('#token-input', TOKENS.read);
    await page.click('#token-form button[value="save"]');
    await page.waitForSelector('body[data-ready="sources"]');
    expect(await page.textContent('#token-button')).toBe('token: read');
    await page.close();
  });
});
