/**
 * Reads cells out of the page as text. Scripts go to the page as strings: the tests' TypeScript
 * has no DOM types, so callbacks of `$$eval` would be untyped (and refused by the linter).
 */
import type { Page } from 'playwright-core';

/** The text of each cell of each row matching `rowSelector` (e.g. `table.x tbody tr`). */
export function tableRows(page: Page, rowSelector: string): Promise<string[][]> {
  return page.evaluate<string[][]>(`[...document.querySelectorAll(${JSON.stringify(rowSelector)})].map((tr) => [...tr.children].map((td) => td.textContent ?? ''))`);
}

/** The `attribute` of each element matching `selector` (null where it has none). */
export function attributes(page: Page, selector: string, attribute: string): Promise<(string | null)[]> {
  return page.evaluate<(string | null)[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => el.getAttribute(${JSON.stringify(attribute)}))`);
}
