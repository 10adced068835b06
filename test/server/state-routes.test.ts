import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { onTestFinished, describe, expect, it } from 'vitest';
import { Block, blockInitFromJSON } from '../../src/block/index.js';
import { open, type Store } from '../../src/store/index.js';
import { buildServer } from '../../src/server/index.js';
import { fromBase64Url } from '../../src/wire/state-wire.js';
import { verifyProof } from '../../src/state/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { serverFixture } from './server-fixture.js';
import { all } from '../helpers/collect.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const bytesOf = (text: string): string => Buffer.from(text).toString('base64');

function commit(app: FastifyInstance, body: unknown, state = 'chain'): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/v1/states/${state}/commit`, headers: JSON_TYPE, payload: JSON.stringify(body) });
}

async function get(app: FastifyInstance, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

/** A server with the state `chain` holding two heights. */
async function chainServer(): Promise<{ store: Store; app: FastifyInstance; roots: string[] }> {
  const { store, app } = await serverFixture();
  expect((await app.inject({ method: 'PUT', url: '/v1/states/chain' })).statusCode).toBe(201);
  const first = await commit(app, {
    changes: [
      { op: 'put', tree: 'accounts', key: 'alice', block: { type: 'int64', data: ['10'] } },
      { op: 'put', tree: 'accounts', key: 'bob', bytes: bytesOf('b0') },
      { op: 'put', tree: 'apps', key: 'relay/1?x', blockBase64: Buffer.from(Block.from('r').bytes).toString('base64') },
    ],
  });
  expect(first.statusCode).toBe(200);
  const second = await commit(app, { changes: [{ op: 'put', tree: 'accounts', key: 'bob', bytes: bytesOf('b1') }, { op: 'delete', tree: 'accounts', key: 'alice' }] });
  expect(second.statusCode).toBe(200);
  return { store, app, roots: [first.json<{ root: string }>().root, second.json<{ root: string }>().root] };
}

describe('states over HTTP', () => {
  it('lists, creates (201, then 200), describes and drops states', async () => {
    const { app, store } = await serverFixture();
    expect((await get(app, '/v1/states')).body).toEqual({ states: [] });
    const created = await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/v1/states/chain');
    expect(created.json()).toEqual({ state: 'chain', latest: null, prunedBefore: 0, root: null, trees: {} });
    expect((await app.inject({ method: 'PUT', url: '/v1/states/chain' })).statusCode).toBe(200);
    expect((await get(app, '/v1/states')).body).toEqual({ states: ['chain'] });
    expect(await store.hasState('chain')).toBe(true);
    expect((await app.inject({ method: 'DELETE', url: '/v1/states/chain' })).statusCode).toBe(204);
    const again = await app.inject({ method: 'DELETE', url: '/v1/states/chain' });
    expect([again.statusCode, again.json<{ code: string }>().code]).toEqual([404, 'STATE_NOT_FOUND']);
    expect((await get(app, '/v1/states/chain')).body['code']).toBe('STATE_NOT_FOUND');
    expect((await get(app, '/v1/states/bad%20name')).body['code']).toBe('NAME_INVALID');
    expect(await store.hasState('chain')).toBe(false);
  });

  it('commits change sets whose roots are the embedded roots, and describes heights', async () => {
    const { app, store, roots } = await chainServer();
    const state = await store.state('chain');
    expect(Buffer.from(await state.at(0).root()).toString('hex')).toBe(roots[0]);
    expect(Buffer.from(await state.at(1).root()).toString('hex')).toBe(roots[1]);
    expect(((await state.at(0).get('accounts', 'alice')) as Block).toJS()).toEqual([10n]);
    const summary = (await get(app, '/v1/states/chain')).body;
    expect(summary).toMatchObject({ state: 'chain', latest: 1, prunedBefore: 0, root: roots[1] });
    expect(Object.keys(summary['trees'] as object).sort()).toEqual(['accounts', 'apps']);
    const h0 = (await get(app, '/v1/states/chain/heights/0')).body;
    expect(h0).toMatchObject({ height: 0, root: roots[0], changes: 3 });
    expect((await get(app, '/v1/states/chain/heights/latest')).body).toMatchObject({ height: 1, root: roots[1], changes: 2 });
    const trees = await state.at(1).trees();
    expect((await get(app, '/v1/states/chain/heights/1')).body['trees']).toEqual(Object.fromEntries([...trees].map(([n, r]) => [n, Buffer.from(r).toString('hex')])));
  });

  it('lists heights in pages, either way', async () => {
    const { app } = await serverFixture();
    await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    for (let h = 0; h < 5; h++) expect((await commit(app, { changes: [{ op: 'put', tree: 't', key: 'k', bytes: bytesOf(String(h)) }] })).json()).toMatchObject({ height: h });
    const page = async (query: string): Promise<[number[], string | null]> => {
      const body = (await get(app, `/v1/states/chain/heights${query}`)).body as unknown as { items: { height: number; root: string }[]; cursor: string | null };
      return [body.items.map((h) => h.height), body.cursor];
    };
    expect(await page('')).toEqual([[0, 1, 2, 3, 4], null]);
    expect(await page('?limit=2')).toEqual([[0, 1], 'h1.1']);
    expect(await page('?limit=2&cursor=h1.1')).toEqual([[2, 3], 'h1.3']);
    expect(await page('?gte=2&limit=2')).toEqual([[2, 3], 'h1.3']);
    expect(await page('?gte=4&limit=2')).toEqual([[4], null]);
    expect(await page('?gt=0&lt=3')).toEqual([[1, 2], null]);
    expect(await page('?reverse=true&limit=3')).toEqual([[4, 3, 2], 'h1.2']);
    expect(await page('?reverse=true&limit=3&cursor=h1.2')).toEqual([[1, 0], null]);
    expect(await page('?reverse=true&lte=1')).toEqual([[1, 0], null]);
    // A cursor of another kind of listing, or one no listing issues, is refused.
    for (const cursor of ['k1.YQ', 'h1.01', 'h1.', 'h1.-1', 'x']) {
      const answer = await app.inject({ method: 'GET', url: `/v1/states/chain/heights?cursor=${encodeURIComponent(cursor)}` });
      expect([answer.statusCode, answer.json<{ code: string }>().code]).toEqual([400, 'CURSOR_INVALID']);
    }
  });

  it('reads keys at a height: bytes, blocks in either encoding, binary keys, absent keys', async () => {
    const { app } = await chainServer();
    const key = async (url: string): Promise<Record<string, unknown>> => (await get(app, `/v1/states/chain/heights/${url}`)).body;
    expect(await key('0/trees/accounts/keys/bob')).toMatchObject({ height: 0, tree: 'accounts', found: true, bytes: bytesOf('b0') });
    expect(await key('latest/trees/accounts/keys/bob')).toMatchObject({ height: 1, found: true, bytes: bytesOf('b1') });
    const alice = await key('0/trees/accounts/keys/alice');
    expect(Block.create(blockInitFromJSON(alice['block'])).toJS()).toEqual([10n]);
    const asBase64 = await key('0/trees/accounts/keys/alice?encoding=base64');
    expect(Block.decode(Buffer.from(asBase64['blockBase64'] as string, 'base64')).toJS()).toEqual([10n]);
    // Deleted at height 1, still there at 0; absent keys and trees are 200 found: false with no
    // value, never 404 STATE_KEY_NOT_FOUND (that code is the CLI's, docs/errors.md).
    for (const url of ['1/trees/accounts/keys/alice', '0/trees/accounts/keys/nobody', '1/trees/nowhere/keys/alice']) {
      expect((await get(app, `/v1/states/chain/heights/${url}`)).status).toBe(200);
    }
    const gone = await key('1/trees/accounts/keys/alice');
    expect(Object.keys(gone).sort()).toEqual(['found', 'height', 'root', 'tree']);
    expect(gone).toMatchObject({ height: 1, tree: 'accounts', found: false });
    expect(await key('1/trees/nowhere/keys/alice')).toMatchObject({ found: false });
    // A key with / and ? is one percent-encoded path; the same key in hex and base64url.
    expect(await key(`0/trees/apps/keys/${encodeURIComponent('relay/1?x')}`)).toMatchObject({ found: true });
    expect(await key(`0/trees/apps/keys/${Buffer.from('relay/1?x').toString('hex')}?keyEncoding=hex`)).toMatchObject({ found: true });
    expect(await key(`0/trees/apps/keys/${Buffer.from('relay/1?x').toString('base64url')}?keyEncoding=base64url`)).toMatchObject({ found: true });
  });

  it('serves proofs that verify against the committed root, and fail for another value', async () => {
    const { app, roots } = await chainServer();
    const root0 = Buffer.from(roots[0]!, 'hex');
    const answer = (await get(app, '/v1/states/chain/heights/0/trees/accounts/keys/bob?proof=true')).body;
    expect(answer['root']).toBe(roots[0]);
    const proof = fromBase64Url(answer['proof'] as string)!;
    expect(verifyProof(root0, 'accounts', 'bob', Buffer.from('b0'), proof)).toBe(true);
    expect(verifyProof(root0, 'accounts', 'bob', Buffer.from('b1'), proof)).toBe(false);
    expect(verifyProof(root0, 'accounts', 'bob', undefined, proof)).toBe(false);
    expect(verifyProof(Buffer.from(roots[1]!, 'hex'), 'accounts', 'bob', Buffer.from('b0'), proof)).toBe(false);
    // A block value is proven over its canonical bytes.
    const alice = (await get(app, '/v1/states/chain/heights/0/trees/accounts/keys/alice?proof=true&encoding=base64')).body;
    const block = Block.decode(Buffer.from(alice['blockBase64'] as string, 'base64'));
    expect(verifyProof(root0, 'accounts', 'alice', block, fromBase64Url(alice['proof'] as string)!)).toBe(true);
    expect(verifyProof(root0, 'accounts', 'alice', Block.from([11n]), fromBase64Url(alice['proof'] as string)!)).toBe(false);
    // An absent key comes back with an exclusion proof.
    const gone = (await get(app, '/v1/states/chain/heights/1/trees/accounts/keys/alice?proof=true')).body;
    expect(gone['found']).toBe(false);
    expect(verifyProof(Buffer.from(roots[1]!, 'hex'), 'accounts', 'alice', undefined, fromBase64Url(gone['proof'] as string)!)).toBe(true);
    expect(verifyProof(Buffer.from(roots[1]!, 'hex'), 'accounts', 'alice', block, fromBase64Url(gone['proof'] as string)!)).toBe(false);
  });

  it('ranges a tree at a height in pages, with bounds, reverse and binary keys', async () => {
    const { app, store } = await serverFixture();
    await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    const keys = ['a', 'a/1', 'a/2', 'b', 'c\u0000', 'c'];
    const changes = keys.map((k, i) => ({ op: 'put', tree: 't', key: Buffer.from(k).toString('hex'), bytes: bytesOf(String(i)) }));
    changes.push({ op: 'put', tree: 't', key: 'ff00', bytes: bytesOf('bin') });
    expect((await commit(app, { changes, keyEncoding: 'hex' })).statusCode).toBe(200);
    const entries = async (query: string): Promise<{ keys: string[]; more: boolean }> => {
      const body = (await get(app, `/v1/states/chain/heights/0/trees/t/entries${query}`)).body as unknown as { items: { key?: string; keyHex?: string }[]; cursor: string | null };
      return { keys: body.items.map((e) => e.key ?? `hex:${e.keyHex!}`), more: body.cursor !== null };
    };
    expect(await entries('')).toEqual({ keys: ['a', 'a/1', 'a/2', 'b', 'c', 'c\u0000', 'hex:ff00'], more: false });
    expect(await entries('?prefix=a%2F')).toEqual({ keys: ['a/1', 'a/2'], more: false });
    expect(await entries('?prefix=a&gte=a%2F2')).toEqual({ keys: ['a/2'], more: false });
    expect(await entries('?gte=a%2F1&lt=c')).toEqual({ keys: ['a/1', 'a/2', 'b'], more: false });
    expect(await entries('?prefix=a&lt=z')).toEqual({ keys: ['a', 'a/1', 'a/2'], more: false });
    expect(await entries('?gt=a&lte=b')).toEqual({ keys: ['a/1', 'a/2', 'b'], more: false });
    expect(await entries('?reverse=true&limit=2')).toEqual({ keys: ['hex:ff00', 'c\u0000'], more: true });
    expect(await entries('?keyEncoding=hex&prefix=ff')).toEqual({ keys: ['ff00'], more: false });
    // The cursor is k1. + base64url of the last key's bytes, binary keys too.
    const last = (await get(app, '/v1/states/chain/heights/0/trees/t/entries?reverse=true&limit=1')).body as unknown as { cursor: string };
    expect(last.cursor).toBe(`k1.${Buffer.from([0xff, 0]).toString('base64url')}`);
    expect(await entries(`?reverse=true&limit=1&cursor=${last.cursor}`)).toEqual({ keys: ['c\u0000'], more: true });
    for (const cursor of ['h1.3', 'k1.', 'k1.YQ=', 'k1.YR', 'nope']) {
      const answer = await app.inject({ method: 'GET', url: `/v1/states/chain/heights/0/trees/t/entries?cursor=${encodeURIComponent(cursor)}` });
      expect([cursor, answer.statusCode, answer.json<{ code: string }>().code]).toEqual([cursor, 400, 'CURSOR_INVALID']);
    }
    // Paging with the cursor walks every key once, either way, with the bounds still applying, matching the embedded range.
    const state = await store.state('chain');
    for (const reverse of [false, true]) {
      for (const bounds of ['', '&gte=YQ&lt=Yw']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (;;) {
          const query = `?keyEncoding=base64url&limit=2&reverse=${reverse}${bounds}${cursor === null ? '' : `&cursor=${cursor}`}`;
          const body = (await get(app, `/v1/states/chain/heights/0/trees/t/entries${query}`)).body as unknown as { items: { key: string }[]; cursor: string | null };
          seen.push(...body.items.map((e) => e.key));
          if (body.cursor === null) break;
          cursor = body.cursor;
        }
        const range = bounds === '' ? { reverse } : { reverse, gte: 'a', lt: 'c' };
        const embedded = (await all(state.at(0).range('t', range))).map(({ key: k }) => Buffer.from(k).toString('base64url'));
        expect(seen).toEqual(embedded);
      }
    }
  });

  it('re-applies a committed height idempotently and refuses a different change set', async () => {
    const { app, roots } = await chainServer();
    const same = await commit(app, { height: 1, changes: [{ op: 'put', tree: 'accounts', key: 'bob', bytes: bytesOf('b1') }, { op: 'delete', tree: 'accounts', key: 'alice' }] });
    expect([same.statusCode, same.json<{ height: number; root: string }>().root]).toEqual([200, roots[1]]);
    const other = await commit(app, { height: 1, changes: [{ op: 'put', tree: 'accounts', key: 'bob', bytes: bytesOf('b2') }] });
    expect([other.statusCode, other.json<{ code: string }>().code]).toEqual([409, 'STATE_HEIGHT_EXISTS']);
    const skipping = await commit(app, { height: 5, changes: [] });
    expect([skipping.statusCode, skipping.json<{ code: string }>().code]).toEqual([400, 'STATE_HEIGHT_INVALID']);
    expect((await get(app, '/v1/states/chain')).body).toMatchObject({ latest: 1, root: roots[1] });
  });

  it('maps unknown, pruned and invalid heights to 404, 410 and 400', async () => {
    const { app } = await chainServer();
    const code = async (url: string): Promise<[number, string]> => {
      const res = await app.inject({ method: 'GET', url });
      return [res.statusCode, res.json<{ code: string }>().code];
    };
    expect(await code('/v1/states/chain/heights/7')).toEqual([404, 'STATE_HEIGHT_UNKNOWN']);
    expect(await code('/v1/states/chain/heights/7/trees/accounts/keys/bob')).toEqual([404, 'STATE_HEIGHT_UNKNOWN']);
    expect(await code('/v1/states/chain/heights/01')).toEqual([400, 'STATE_HEIGHT_INVALID']);
    expect(await code('/v1/states/chain/heights/-1/trees/t/entries')).toEqual([400, 'STATE_HEIGHT_INVALID']);
    expect(await code('/v1/states/chain/heights/99999999999')).toEqual([400, 'STATE_HEIGHT_INVALID']);
    const pruned = await app.inject({ method: 'POST', url: '/v1/states/chain/prune', headers: JSON_TYPE, payload: '{"keepLast":1}' });
    expect(pruned.json()).toMatchObject({ prunedBefore: 1 });
    expect(pruned.json<{ deleted: number }>().deleted).toBeGreaterThan(0);
    expect(await code('/v1/states/chain/heights/0')).toEqual([410, 'STATE_HEIGHT_PRUNED']);
    expect(await code('/v1/states/chain/heights/0/trees/accounts/keys/bob?proof=true')).toEqual([410, 'STATE_HEIGHT_PRUNED']);
    expect((await get(app, '/v1/states/chain')).body).toMatchObject({ latest: 1, prunedBefore: 1 });
    expect((await get(app, '/v1/states/chain/heights/1/trees/accounts/keys/bob')).body).toMatchObject({ found: true });
    await app.inject({ method: 'PUT', url: '/v1/states/empty' });
    expect(await code('/v1/states/empty/heights/latest')).toEqual([404, 'STATE_HEIGHT_UNKNOWN']);
    expect(await code('/v1/states/missing/heights/0')).toEqual([404, 'STATE_NOT_FOUND']);
  });

  it('audits a state, naming the key of a changed value', async () => {
    const { app, store } = await chainServer();
    const res = await app.inject({ method: 'POST', url: '/v1/states/chain/audit' });
    expect(res.json()).toMatchObject({ ok: true, heights: 2, problems: [] });
    expect(res.json<{ records: number }>().records).toBeGreaterThan(0);
    // One byte of bob's value at height 1 changed: the report names bob as the suspect.
    const ns = 'state:chain';
    const bob = [...store.engine.rangeSync(ns, { prefix: Uint8Array.of(0x45) })].find((e) => e.value.length > 1 && Buffer.from(e.value).toString().endsWith('b1'))!;
    const bad = new Uint8Array(bob.value);
    bad[bad.length - 1]! ^= 1;
    await store.engine.put(ns, bob.key, bad);
    const tampered = (await app.inject({ method: 'POST', url: '/v1/states/chain/audit' })).json<{ ok: boolean; problems: { height?: number; suspects?: { key?: string }[] }[] }>();
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.some((p) => p.height === 1 && (p.suspects ?? []).some((x) => x.key === Buffer.from('bob').toString('hex')))).toBe(true);
  });

  it('seals concurrent commits on consecutive heights', async () => {
    const { app, store } = await serverFixture();
    await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => commit(app, { changes: [{ op: 'put', tree: 't', key: `k${i}`, bytes: bytesOf(String(i)) }] })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: 8 }, () => 200));
    expect(answers.map((a) => a.json<{ height: number }>().height).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const state = await store.state('chain');
    expect(await all(state.at(7).range('t'))).toHaveLength(8);
  });

  it('answers with heights another process committed, and commits after them', async () => {
    const dir = makeTmpDir();
    const store = await open(dir);
    const app = buildServer(store);
    onTestFinished(async () => {
      await app.close();
      await store.close();
    });
    await app.inject({ method: 'PUT', url: '/v1/states/chain' });
    expect((await commit(app, { changes: [{ op: 'put', tree: 't', key: 'a', bytes: bytesOf('1') }] })).statusCode).toBe(200);
    const other = await open(dir);
    try {
      await (await other.state('chain')).apply([{ op: 'put', tree: 't', key: 'b', value: Buffer.from('2') }]);
      expect((await get(app, '/v1/states/chain')).body).toMatchObject({ latest: 1 });
      expect((await get(app, '/v1/states/chain/heights/latest/trees/t/keys/b')).body).toMatchObject({ height: 1, found: true });
      expect((await commit(app, { changes: [{ op: 'put', tree: 't', key: 'c', bytes: bytesOf('3') }] })).json()).toMatchObject({ height: 2 });
      // Interleaved with another writer, HTTP commits without a height still all land (retried on top of it).
      const theirs = await other.state('chain');
      const mine = Promise.all(Array.from({ length: 20 }, (_, i) => commit(app, { changes: [{ op: 'put', tree: 'h', key: `k${i}`, bytes: bytesOf('x') }] })));
      for (let i = 0; i < 20; i++) {
        // The other writer has no retry of its own: it refreshes and tries again.
        for (;;) {
          try {
            await theirs.apply([{ op: 'put', tree: 'o', key: `k${i}`, value: Uint8Array.of(i) }]);
            // A turn of the event loop between its commits, as a real writer has (how many HTTP
            // commits win a race is up to the scheduler; the test asserts on what landed).
            await new Promise<void>((resolve) => setImmediate(resolve));
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== 'STATE_HEIGHT_EXISTS') throw err;
            await theirs.refresh();
          }
        }
      }
      const answers = await mine;
      // Under a writer that never pauses a commit may still lose every retry: then it is a 409 and wrote nothing.
      const landed = answers.map((a) => a.statusCode === 200);
      for (const a of answers) if (a.statusCode !== 200) expect(a.json<{ code: string }>().code).toBe('STATE_HEIGHT_EXISTS');
      expect(landed.filter(Boolean).length).toBeGreaterThan(10);
      await theirs.refresh();
      const latest = 2 + 20 + landed.filter(Boolean).length;
      expect(theirs.latest).toBe(latest);
      expect((await all(theirs.heights())).map((h) => h.height)).toEqual(Array.from({ length: latest + 1 }, (_, h) => h));
      const keys = (await all(theirs.at(latest).range('h'))).map(({ key: k }) => Buffer.from(k).toString());
      expect(keys.sort()).toEqual(landed.flatMap((ok, i) => (ok ? [`k${i}`] : [])).sort());
      expect(await all(theirs.at(latest).range('o'))).toHaveLength(20);
      expect((await theirs.audit()).ok).toBe(true);
    } finally {
      await other.close();
    }
  });
});
