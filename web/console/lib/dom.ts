/** A tiny element builder: the console has no framework, and builds its DOM with `h`. */

/** Attributes of {@link h}: strings become attributes, functions become listeners (`on…`). */
export type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** A child of {@link h}: text, an element, or nothing. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

function append(parent: Element | DocumentFragment, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (typeof child === 'string') parent.append(child);
  else if (typeof child === 'number') parent.append(String(child));
  else if (child instanceof Node) parent.append(child);
  else for (const c of child) append(parent, c);
}

/** `h('a', { href }, 'text')`: an element with attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) append(el, child);
  return el;
}

/** Replaces everything in `el` with `children`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  for (const child of children) append(el, child);
}

/** A table from a header row and body rows (cells are children; `num` columns align right). */
export function table(head: readonly string[], rows: readonly (readonly Child[])[], options: { num?: readonly number[]; className?: string } = {}): HTMLTableElement {
  const num = new Set(options.num ?? []);
  return h(
    'table',
    { class: options.className },
    h('thead', {}, h('tr', {}, head.map((name, i) => h('th', { class: num.has(i) ? 'num' : undefined }, name)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell, i) => h('td', { class: num.has(i) ? 'num' : undefined }, cell))))),
  );
}

/** An error panel for a failed load (the code first, as the API names it). */
export function errorPanel(err: unknown): HTMLElement {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return h('div', { class: 'error', role: 'alert' }, code === undefined ? '' : h('code', {}, code), code === undefined ? '' : ': ', message);
}
