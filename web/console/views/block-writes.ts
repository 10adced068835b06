/**
 * The console's block writes: upload a file, put a JSON document, delete a block. They need a
 * token whose role allows `write`; without one the controls are shown disabled with the reason,
 * and a refusal by the server (403 `AUTH_FORBIDDEN`) is shown as an error panel.
 */
import { allows, api, call, type Role } from '../lib/api.js';
import { blockLink, blockPath, keyLabel, keyOfText, type KeyRef } from '../lib/block-keys.js';
import { errorPanel, h, replace } from '../lib/dom.js';
import { bytes, shortHash } from '../lib/format.js';
import { link } from '../lib/router.js';

/** The answer of a block `PUT`. */
interface PutAnswer {
  readonly key: string;
  readonly hash: string;
  readonly type: string;
  readonly byteLength: number;
}

/** Why writes are off for `role`, or undefined when they are allowed. */
export function writeRefusal(role: Role | null): string | undefined {
  if (allows(role, 'write')) return undefined;
  return `Writing needs a token with the write or admin role; this tab has ${role === null ? 'no token' : `a ${role} token`}.`;
}

function stored(source: string, answer: PutAnswer): HTMLElement {
  const key = keyOfText(answer.key);
  return h(
    'p',
    { class: 'ok write-result', role: 'status' },
    'Stored ',
    h('a', { href: blockLink(source, key) }, answer.key),
    `: ${answer.type}, ${bytes(answer.byteLength)}, hash `,
    h('code', { title: answer.hash }, shortHash(answer.hash)),
    '.',
  );
}

/**
 * Runs a write, shows its result (or its failure as an error panel) in `status`, and calls
 * `refresh` after a success so the view shows the new state.
 */
async function runWrite(status: HTMLElement, write: () => Promise<Node>, refresh: () => Promise<void>): Promise<void> {
  replace(status, h('span', { class: 'muted' }, 'Writing…'));
  try {
    const result = await write();
    await refresh();
    replace(status, result);
  } catch (err) {
    replace(status, errorPanel(err));
  }
}

/** Upload and JSON forms for `source`; `refresh` reloads the view's list after a write. */
export function writePanel(source: string, role: Role | null, refresh: () => Promise<void>): HTMLElement {
  const refusal = writeRefusal(role);
  const status = h('div', { class: 'write-status', 'aria-live': 'polite' });
  const file = h('input', { type: 'file', name: 'file', 'aria-label': 'file to upload' });
  const fileKey = h('input', { type: 'text', name: 'key', placeholder: 'key (default: the file name)', size: 32, 'aria-label': 'key of the upload' });
  const upload = h(
    'form',
    {
      class: 'upload-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const chosen = file.files?.[0];
        if (chosen === undefined) {
          replace(status, errorPanel(new Error('Choose a file first.')));
          return;
        }
        const key = fileKey.value.trim() === '' ? chosen.name : fileKey.value.trim();
        void runWrite(
          status,
          async () => {
            const answer = await api<PutAnswer>(blockPath(source, keyOfText(key)), { method: 'PUT', body: chosen, contentType: chosen.type === '' ? 'application/octet-stream' : chosen.type });
            return stored(source, answer);
          },
          refresh,
        );
      },
    },
    h('h3', {}, 'Upload a file'),
    h('div', { class: 'row' }, file, fileKey, h('button', { type: 'submit' }, 'Upload')),
    h('p', { class: 'muted hint' }, 'Stored as a file block with the MIME type the browser gives the file.'),
  );
  const docKey = h('input', { type: 'text', name: 'doc-key', placeholder: 'key, e.g. people/ana.json', size: 32, required: true, 'aria-label': 'key of the JSON document' });
  const doc = h('textarea', { name: 'json', rows: 6, cols: 60, placeholder: '{"name": "ana"}', spellcheck: 'false', 'aria-label': 'JSON document' });
  const json = h(
    'form',
    {
      class: 'json-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const text = doc.value;
        try {
          JSON.parse(text);
        } catch (err) {
          replace(status, errorPanel(new Error(`Not JSON: ${err instanceof Error ? err.message : String(err)}`)));
          return;
        }
        const key = docKey.value.trim();
        void runWrite(
          status,
          async () => stored(source, await api<PutAnswer>(blockPath(source, keyOfText(key)), { method: 'PUT', body: text, contentType: 'application/json' })),
          refresh,
        );
      },
    },
    h('h3', {}, 'Put a JSON document'),
    h('div', { class: 'row' }, docKey),
    doc,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Put JSON')),
    h('p', { class: 'muted hint' }, 'Stored as the API stores JSON documents: a file block of type application/json holding the text as typed.'),
  );
  return h(
    'section',
    { class: 'panel writes' },
    h('h2', {}, 'Write'),
    refusal === undefined ? null : h('p', { class: 'muted write-refusal' }, refusal),
    h('fieldset', { disabled: refusal !== undefined, title: refusal }, upload, json),
    status,
  );
}

/** The delete control of a block view: a button, then a confirm step, then back to the source. */
export function deletePanel(source: string, key: KeyRef, hash: string, role: Role | null): HTMLElement {
  const refusal = writeRefusal(role);
  const status = h('div', { class: 'write-status', 'aria-live': 'polite' });
  const confirm = h(
    'div',
    { class: 'row confirm-delete', hidden: true },
    `Delete ${keyLabel(key)} for good?`,
    h('button', {
      type: 'button',
      class: 'danger confirm',
      onclick: () => {
        replace(status, h('span', { class: 'muted' }, 'Deleting…'));
        // If-Match: delete only the block shown, not one written since.
        call(blockPath(source, key), { method: 'DELETE', headers: { 'if-match': `"${hash}"` } }).then(
          () => {
            location.hash = `${link('sources', source)}?deleted=${encodeURIComponent(keyLabel(key))}`;
          },
          (err: unknown) => {
            replace(status, errorPanel(err));
          },
        );
      },
    }, 'Delete'),
    h('button', {
      type: 'button',
      class: 'secondary cancel',
      onclick: () => {
        confirm.hidden = true;
      },
    }, 'Cancel'),
  );
  return h(
    'section',
    { class: 'panel writes' },
    h('h2', {}, 'Delete'),
    refusal === undefined ? null : h('p', { class: 'muted write-refusal' }, refusal),
    h('button', {
      type: 'button',
      class: 'danger delete',
      disabled: refusal !== undefined,
      title: refusal,
      onclick: () => {
        confirm.hidden = false;
      },
    }, 'Delete…'),
    confirm,
    status,
  );
}
