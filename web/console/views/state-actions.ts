/**
 * What the state view may change: commit a small change set (write role) and run an audit
 * (admin role). Without the role the controls are shown disabled with the reason; a 403 from
 * the server (a token that lost its role) shows as an error panel.
 */
import { allows, api, type Role } from '../lib/api.js';
import { errorPanel, h, replace, table } from '../lib/dom.js';
import { count, shortHash } from '../lib/format.js';
import { link } from '../lib/router.js';
import { statePath } from './state-api.js';

interface AuditReport {
  readonly ok: boolean;
  readonly heights: number;
  readonly records: number;
  readonly problems: readonly { problem: string; height?: number; tree?: string }[];
}

interface CommitResult {
  readonly height: number;
  readonly root: string;
  readonly changes: number;
}

function utf8Base64(text: string): string {
  let raw = '';
  for (const byte of new TextEncoder().encode(text)) raw += String.fromCharCode(byte);
  return btoa(raw);
}

/** The commit panel: rows of put/delete (tree, key, value as UTF-8 text) sealed as one height. */
export function commitPanel(state: string, role: Role | null, signal: AbortSignal, committed: () => void): HTMLElement {
  const can = allows(role, 'write');
  const reason = can ? undefined : `Committing needs a write token (this tab has ${role ?? 'none'}).`;
  const rows = h('tbody', {});
  const result = h('div', { class: 'commit-result', 'aria-live': 'polite' });
  const addRow = (): void => {
    const op = h('select', { name: 'op', disabled: !can }, h('option', { value: 'put' }, 'put'), h('option', { value: 'delete' }, 'delete'));
    const value = h('input', { name: 'value', placeholder: 'value (UTF-8 text)', disabled: !can, size: 30 });
    op.addEventListener('change', () => {
      value.disabled = !can || op.value === 'delete';
    });
    rows.append(
      h(
        'tr',
        {},
        h('td', {}, op),
        h('td', {}, h('input', { name: 'tree', placeholder: 'tree', disabled: !can, size: 12 })),
        h('td', {}, h('input', { name: 'key', placeholder: 'key (UTF-8)', disabled: !can, size: 20 })),
        h('td', {}, value),
      ),
    );
  };
  addRow();
  const submit = h('button', { type: 'submit', id: 'commit-submit', disabled: !can, title: reason }, 'Commit as one height');
  const form = h(
    'form',
    { class: 'commit-form' },
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'op'), h('th', {}, 'tree'), h('th', {}, 'key'), h('th', {}, 'value'))), rows),
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', disabled: !can, onclick: addRow }, 'add a row'), submit, reason === undefined ? null : h('span', { class: 'muted reason' }, reason)),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const changes = [...rows.querySelectorAll('tr')].map((tr) => {
      const get = (name: string): string => (tr.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)?.value ?? '');
      const op = get('op');
      return op === 'delete' ? { op, tree: get('tree'), key: get('key') } : { op, tree: get('tree'), key: get('key'), bytes: utf8Base64(get('value')) };
    });
    replace(result, h('span', { class: 'muted' }, 'committing…'));
    api<CommitResult>(statePath(state, '/commit'), { method: 'POST', json: { changes }, signal }).then(
      (done) => {
        replace(
          result,
          h('p', { class: 'ok', 'data-height': done.height }, 'Committed height ', h('a', { href: link('states', state, 'heights', String(done.height)) }, String(done.height)), ` (${count(done.changes)} changes), root `, h('code', { title: done.root }, shortHash(done.root))),
        );
        committed();
      },
      (err: unknown) => {
        if (!signal.aborted) replace(result, errorPanel(err));
      },
    );
  });
  return h('section', { class: 'panel commit' }, h('h2', {}, 'Commit a change set'), form, result);
}

/** The audit panel: runs `POST …/audit` and shows ok, counts and each problem. */
export function auditPanel(state: string, role: Role | null, signal: AbortSignal): HTMLElement {
  const can = allows(role, 'admin');
  const reason = can ? undefined : `Auditing needs an admin token (this tab has ${role ?? 'none'}).`;
  const result = h('div', { class: 'audit-result', 'aria-live': 'polite' });
  const run = h('button', { type: 'button', id: 'audit-run', disabled: !can, title: reason }, 'Run audit');
  run.addEventListener('click', () => {
    run.disabled = true;
    replace(result, h('span', { class: 'muted' }, 'auditing every record…'));
    api<AuditReport>(statePath(state, '/audit'), { method: 'POST', signal }).then(
      (report) => {
        run.disabled = false;
        const problems = report.problems.map((p) => [p.problem, p.height === undefined ? '' : String(p.height), p.tree ?? '', h('code', {}, JSON.stringify(p))]);
        replace(
          result,
          h('p', { class: report.ok ? 'ok' : 'bad', 'data-audit': report.ok ? 'ok' : 'problems' }, report.ok ? 'ok: every hash recomputes' : `${count(report.problems.length)} problems`, ` — ${count(report.heights)} heights, ${count(report.records)} records read`),
          report.problems.length === 0 ? null : table(['problem', 'height', 'tree', 'details'], problems, { className: 'audit-problems' }),
        );
      },
      (err: unknown) => {
        run.disabled = !can;
        if (!signal.aborted) replace(result, errorPanel(err));
      },
    );
  });
  return h(
    'section',
    { class: 'panel audit' },
    h('h2', {}, 'Audit'),
    h('p', { class: 'muted' }, 'Recomputes every hash of the state and reports tampering; reads every record, so it is slow on big states.'),
    h('div', { class: 'row' }, run, reason === undefined ? null : h('span', { class: 'muted reason' }, reason)),
    result,
  );
}
