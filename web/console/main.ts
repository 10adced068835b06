/**
 * The console's entry: nav, token dialog and hash routing. Each view renders into `#view` and
 * calls `ready()` once its figures are on screen; that marks `keepr:ready:<view>` (time to first
 * paint, read by the browser tests) and sets `data-ready` on `<body>`.
 */
import { ApiError, setToken, whoami, type Role } from './lib/api.js';
import { errorPanel, h, replace } from './lib/dom.js';
import { match } from './lib/router.js';
import { ROUTES } from './routes.js';

declare global {
  interface Window {
    /** Time to first paint of the views shown so far, in ms from navigation start. */
    keeprPaints?: { view: string; ms: number }[];
  }
}

const view = document.getElementById('view')!;
const dialog = document.getElementById('token-dialog') as HTMLDialogElement;
const tokenInput = document.getElementById('token-input') as HTMLInputElement;
const tokenButton = document.getElementById('token-button') as HTMLButtonElement;
let role: Role | null = null;
let current: AbortController | undefined;

async function loadRole(): Promise<void> {
  try {
    const who = await whoami();
    role = who.role;
    tokenButton.textContent = who.auth ? (role === null ? 'no token' : `token: ${role}`) : 'open server';
    tokenButton.title = who.auth ? 'Set or forget the access token of this tab' : 'This server has no tokens: every request may do anything';
  } catch (err) {
    role = null;
    tokenButton.textContent = 'token';
    console.warn('keepr console: whoami failed', err);
  }
}

function askToken(reason?: string): void {
  if (dialog.open) return;
  document.getElementById('token-reason')!.textContent = reason ?? 'A bearer token for this server. It is kept in this tab’s session storage only.';
  tokenInput.value = '';
  dialog.showModal();
}

async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  delete document.body.dataset['ready'];
  delete document.body.dataset['error'];
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = hash.split('?', 2);
  const found = match(ROUTES, path === '/' ? ROUTES[0]!.path : path);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    if (found !== undefined && a.dataset['section'] === found.route.section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  replace(view);
  const name = found?.route.name ?? 'not-found';
  const ready = (): void => {
    if (controller.signal.aborted) return;
    requestAnimationFrame(() => {
      if (controller.signal.aborted) return;
      const ms = performance.now();
      performance.mark(`keepr:ready:${name}`);
      (window.keeprPaints ??= []).push({ view: name, ms });
      document.body.dataset['ready'] = name;
    });
  };
  if (found === undefined) {
    replace(view, h('h1', {}, 'Not found'), h('p', {}, 'The console has no view at ', h('code', {}, hash), '.'));
    ready();
    return;
  }
  document.title = `keepr · ${found.route.section}`;
  try {
    await found.route.render({ root: view, params: found.params, query: new URLSearchParams(search), signal: controller.signal, role, ready });
  } catch (err) {
    if (controller.signal.aborted) return;
    view.append(errorPanel(err));
    if (err instanceof ApiError && err.status === 401) askToken(`${err.code}: ${err.message}`);
    document.body.dataset['error'] = err instanceof ApiError ? err.code : 'ERROR';
    ready();
  }
}

tokenButton.addEventListener('click', () => {
  askToken();
});
dialog.addEventListener('close', () => {
  if (dialog.returnValue === 'save') setToken(tokenInput.value.trim());
  else if (dialog.returnValue === 'clear') setToken(undefined);
  else return;
  // The view drawn under the old token is stale from here on: withdraw its ready mark (and any
  // paint still queued for it) before the role is fetched, so no one reads the old view as new.
  current?.abort();
  delete document.body.dataset['ready'];
  delete document.body.dataset['error'];
  void loadRole().then(render);
});
window.addEventListener('keepr:unauthorized', (event) => {
  const err = (event as CustomEvent<ApiError>).detail;
  askToken(`${err.code}: ${err.message}`);
});
window.addEventListener('hashchange', () => {
  void render();
});
void loadRole().then(render);
