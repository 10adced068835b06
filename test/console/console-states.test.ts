/**
 * The versioned-state views in a real browser: list, timeline, a height's changed keys, a key
 * read at an old height with its proof checked by verifyProof in the page (and rejected once
 * tampered with), audit (admin only) and commit (write only, refused by the server for read).
 */
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { Store } from '../../src/store/index.js';
import { attributes, canvasInk, goView, openView, reportPaint, screenshot, tableRows, TOKENS, useConsoleServer, type ConsoleFixture } from './console-harness.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const pad = (i: number): string => String(i).padStart(3, '0');

/** `chain`: two trees, 300 keys at height 0, then five heights of puts, changes and deletes. */
async function seed(store: Store): Promise<void> {
  const state = await store.state('chain');
  await state.apply([
    ...Array.from({ length: 200 }, (_, i) => ({ op: 'put' as const, tree: 'accounts', key: `acct/${pad(i)}`, value: text(`balance ${i} at 0`) })),
    ...Array.from({ length: 100 }, (_, i) => ({ op: 'put' as const, tree: 'apps', key: `app/${pad(i)}`, value: Block.from(`app ${i}`) })),
  ]);
  for (let height = 1; height <= 5; height++) {
    await state.apply([
      ...Array.from({ length: height * 4 }, (_, i) => ({ op: 'put' as const, tree: 'accounts', key: `acct/${pad(i)}`, value: text(`balance ${i} at ${height}`) })),
      { op: 'delete', tree: 'apps', key: `app/${pad(height)}` },
      { op: 'put', tree: 'apps', key: `new/${height}`, value: Uint8Array.of(0, 255, height) },
    ]);
  }
}

const auth = (role: keyof typeof TOKENS): Record<string, string> => ({ authorization: `Bearer ${TOKENS[role]}` });

async function apiGet<T>(fixture: ConsoleFixture, url: string): Promise<T> {
  const res = await fixture.app.inject({ method: 'GET', url, headers: auth('admin') });
  expect(res.statusCode, url).toBe(200);
  return res.json<T>();
}

interface Summary {
  latest: number;
  prunedBefore: number;
  root: string;
  trees: Record<string, string>;
}

describe('console: versioned states', () => {
  const fixture = useConsoleServer(seed, { tokens: true });

  it('lists the states with latest height, first readable height and root', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/states', { token: TOKENS.read, view: 'states' });
    reportPaint('states', paintMs);
    const s = await apiGet<Summary>(fixture(), '/v1/states/chain');
    const rows = await tableRows(page, 'table.states tbody tr');
    expect(rows).toEqual([['chain', String(s.latest), String(s.prunedBefore), '2', `${s.root.slice(0, 12)}…`]]);
    await screenshot(page, 'states');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the timeline of heights with the change counts of the API, and a table of them', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/states/chain', { token: TOKENS.read, view: 'state' });
    reportPaint('state', paintMs);
    const { items } = await apiGet<{ items: { height: number; root: string; changes: number }[] }>(fixture(), '/v1/states/chain/heights?reverse=true');
    expect(items.map((x) => x.changes)).toEqual([22, 18, 14, 10, 6, 300]);
    const rows = (await tableRows(page, 'table.heights tbody tr')).map(([height, , changes]) => [height, changes]);
    expect(rows).toEqual(items.map((x) => [String(x.height), String(x.changes)]));
    expect(await attributes(page, 'table.heights tbody td code', 'title')).toEqual(items.map((x) => x.root));
    expect(await page.textContent('[data-figure="latest height"] .figure')).toBe('5');
    const ink = await canvasInk(page, '#state-timeline');
    expect(ink.width).toBeGreaterThan(0);
    expect(ink.inked).toBeGreaterThan(100);
    await screenshot(page, 'state-timeline');
    // The table's row links open a height.
    await page.click('table.heights a:text-is("2")');
    await page.waitForSelector('body[data-ready="state-height"]');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a height with its tree roots and the keys it changed', async () => {
    const { page, errors, paintMs } = await openView(fixture(), '/states/chain/heights/3', { token: TOKENS.read, view: 'state-height' });
    reportPaint('state-height', paintMs);
    const record = await apiGet<{ root: string; changes: number; trees: Record<string, string> }>(fixture(), '/v1/states/chain/heights/3');
    expect(await page.textContent('code.state-root')).toBe(record.root);
    const roots = (await tableRows(page, 'table.tree-roots tbody tr')).map(([tree, root]) => [tree, root]);
    expect(roots).toEqual(Object.entries(record.trees));
    const changed = (await tableRows(page, 'table.changed-keys tbody tr')).map(([tree, key, change]) => [tree, key, change]);
    expect(changed).toHaveLength(record.changes);
    expect(changed).toContainEqual(['apps', 'app/003', 'deleted']);
    expect(changed).toContainEqual(['apps', 'new/3', 'put']);
    expect(changed).toContainEqual(['accounts', 'acct/011', 'changed']);
    await screenshot(page, 'state-height');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reads a key at an old height, and the inspector accepts its proof and rejects it tampered with', async () => {
    const hash = '/states/chain/key?height=0&tree=accounts&key=acct%2F002&keyEncoding=utf8';
    const { page, errors, paintMs } = await openView(fixture(), hash, { token: TOKENS.read, view: 'state-key' });
    reportPaint('state-key', paintMs);
    const read = await apiGet<{ bytes: string }>(fixture(), '/v1/states/chain/heights/0/trees/accounts/keys/acct%2F002');
    expect(Buffer.from(read.bytes, 'base64').toString()).toBe('balance 2 at 0');
    expect(await page.getAttribute('#key-found', 'data-found')).toBe('true');
    expect(await page.textContent('#value-text')).toBe('balance 2 at 0');
    expect(await page.textContent('#value-hex')).toBe(Buffer.from('balance 2 at 0').toString('hex'));
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('valid');
    expect(await tableRows(page, 'table.proof-levels tbody tr')).toHaveLength(17);
    const root = (await apiGet<{ root: string }>(fixture(), '/v1/states/chain/heights/0')).root;
    expect(await page.inputValue('#proof-root')).toBe(root);
    await screenshot(page, 'state-proof');

    await page.click('#proof-tamper');
    expect(['invalid', 'malformed']).toContain(await page.getAttribute('#proof-verdict', 'data-verdict'));
    await screenshot(page, 'state-proof-tampered');
    // Flipping the version byte cannot decode: the code of decodeProof is shown.
    await page.click('#proof-reset');
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('valid');
    await page.fill('#tamper-at', '0');
    await page.click('#proof-tamper');
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('malformed');
    expect(await page.textContent('#proof-verdict')).toContain('STATE_PROOF_MALFORMED');
    // A pasted proof of the same key at the latest height does not prove the old value.
    const latest = await apiGet<{ proof: string }>(fixture(), '/v1/states/chain/heights/latest/trees/accounts/keys/acct%2F002?proof=true');
    await page.fill('#proof-text', latest.proof);
    await page.click('#proof-verify');
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('invalid');

    // An absent key: found false, and an exclusion proof that verifies.
    await goView(page, '#/states/chain/key?height=4&tree=apps&key=app%2F003', 'state-key');
    expect(await page.getAttribute('#key-found', 'data-found')).toBe('false');
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('valid');
    // A block value: its JSON view, and its proof verifies against the block's bytes.
    await goView(page, '#/states/chain/key?height=5&tree=apps&key=app%2F042', 'state-key');
    expect(JSON.parse((await page.textContent('#value-block'))!)).toMatchObject({ type: 'string', data: 'app 42' });
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('valid');
    // A binary key, by hex.
    await goView(page, `#/states/chain/key?height=5&tree=apps&key=${Buffer.from('new/2').toString('hex')}&keyEncoding=hex`, 'state-key');
    expect(await page.textContent('#value-hex')).toBe('00ff02');
    expect(await page.getAttribute('#proof-verdict', 'data-verdict')).toBe('valid');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs an audit with an admin token, and shows it disabled for a read token', async () => {
    const admin = await openView(fixture(), '/states/chain', { token: TOKENS.admin, view: 'state' });
    await admin.page.click('#audit-run');
    await admin.page.waitForSelector('[data-audit]');
    const report = (await fixture().app.inject({ method: 'POST', url: '/v1/states/chain/audit', headers: auth('admin') })).json<{ ok: boolean; heights: number; records: number }>();
    expect(report.ok).toBe(true);
    expect(await admin.page.getAttribute('[data-audit]', 'data-audit')).toBe('ok');
    expect(await admin.page.textContent('[data-audit]')).toContain(`${report.heights} heights, ${report.records.toLocaleString('en-US')} records`);
    await screenshot(admin.page, 'state-audit');
    expect(admin.errors).toEqual([]);
    await admin.page.close();

    const read = await openView(fixture(), '/states/chain', { token: TOKENS.read, view: 'state' });
    expect(await read.page.isDisabled('#audit-run')).toBe(true);
    expect(await read.page.textContent('.audit .reason')).toContain('admin');
    expect(read.errors).toEqual([]);
    await read.page.close();
  });

  it('commits a change set with a write token; a read token has the controls disabled and the server refuses it', async () => {
    const before = await apiGet<Summary>(fixture(), '/v1/states/chain');
    const read = await openView(fixture(), '/states/chain', { token: TOKENS.read, view: 'state' });
    expect(await read.page.isDisabled('#commit-submit')).toBe(true);
    expect(await read.page.isDisabled('.commit-form input[name="key"]')).toBe(true);
    expect(await read.page.textContent('.commit .reason')).toContain('write');
    // Forced: enable the form in the page and submit; the server answers 403, shown as an error.
    await read.page.evaluate(`document.querySelectorAll('.commit-form [disabled]').forEach((el) => { el.disabled = false; })`);
    await read.page.fill('.commit-form input[name="tree"]', 'accounts');
    await read.page.fill('.commit-form input[name="key"]', 'intruder');
    await read.page.fill('.commit-form input[name="value"]', 'x');
    await read.page.click('#commit-submit');
    await read.page.waitForSelector('.commit-result .error');
    expect(await read.page.textContent('.commit-result .error')).toContain('AUTH_FORBIDDEN');
    expect((await apiGet<Summary>(fixture(), '/v1/states/chain')).latest).toBe(before.latest);
    // The 403 is shown in the view; the page logs it as a failed resource load, nothing else.
    expect(read.errors.filter((e) => !e.includes('403'))).toEqual([]);
    await read.page.close();

    const write = await openView(fixture(), '/states/chain', { token: TOKENS.write, view: 'state' });
    await write.page.fill('.commit-form input[name="tree"]', 'accounts');
    await write.page.fill('.commit-form input[name="key"]', 'acct/new');
    await write.page.fill('.commit-form input[name="value"]', 'opened from the console');
    await write.page.click('.commit-form button:text-is("add a row")');
    await write.page.selectOption('.commit-form tbody tr:nth-child(2) select', 'delete');
    await write.page.fill('.commit-form tbody tr:nth-child(2) input[name="tree"]', 'accounts');
    await write.page.fill('.commit-form tbody tr:nth-child(2) input[name="key"]', 'acct/199');
    await write.page.click('#commit-submit');
    await write.page.waitForSelector('.commit-result [data-height]');
    const after = await apiGet<Summary>(fixture(), '/v1/states/chain');
    expect(after.latest).toBe(before.latest + 1);
    expect(await write.page.getAttribute('.commit-result [data-height]', 'data-height')).toBe(String(after.latest));
    expect(await write.page.textContent('.commit-result')).toContain('2 changes');
    const value = await apiGet<{ bytes: string }>(fixture(), `/v1/states/chain/heights/${after.latest}/trees/accounts/keys/acct%2Fnew`);
    expect(Buffer.from(value.bytes, 'base64').toString()).toBe('opened from the console');
    expect((await apiGet<{ found: boolean }>(fixture(), `/v1/states/chain/heights/${after.latest}/trees/accounts/keys/acct%2F199`)).found).toBe(false);
    // The timeline is drawn again with the new height on top.
    await write.page.waitForSelector(`table.heights a:text-is("${after.latest}")`);
    expect(await write.page.textContent('[data-figure="latest height"] .figure')).toBe(String(after.latest));
    await screenshot(write.page, 'state-commit');
    expect(write.errors).toEqual([]);
    await write.page.close();
  });
});
