import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { Store } from '../../src/store/index.js';
import { serverFixture } from './server-fixture.js';
import { all } from '../helpers/collect.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const COMMIT = '/v1/states/chain/commit';
const ok = { op: 'put', tree: 't', key: 'k', bytes: 'AQ==' };
const post = (body: unknown, url = COMMIT): InjectOptions => ({ method: 'POST', url, headers: JSON_TYPE, payload: typeof body === 'string' ? body : JSON.stringify(body) });

/** Requests that must each fail with a 4xx and the given code, writing nothing. */
const BAD: readonly (readonly [string, InjectOptions, string])[] = [
  ['commit: JSON syntax error', post('{"changes": ['), 'HTTP_BODY_MALFORMED'],
  ['commit: not UTF-8', { method: 'POST', url: COMMIT, headers: JSON_TYPE, payload: Buffer.from([0x7b, 0xff, 0x7d]) }, 'HTTP_BODY_MALFORMED'],
  ['commit: empty body', { method: 'POST', url: COMMIT, headers: JSON_TYPE }, 'HTTP_BODY_MALFORMED'],
  ['commit: not JSON', { method: 'POST', url: COMMIT, headers: { 'content-type': 'text/plain' }, payload: '{}' }, 'HTTP_CONTENT_TYPE_UNSUPPORTED'],
  ['commit: an array', post([ok]), 'ARGUMENT_INVALID'],
  ['commit: no changes', post({}), 'ARGUMENT_INVALID'],
  ['commit: unknown field', post({ changes: [], force: true }), 'ARGUMENT_INVALID'],
  ['commit: bad op', post({ changes: [{ ...ok, op: 'upsert' }] }), 'ARGUMENT_INVALID'],
  ['commit: change not an object', post({ changes: [ok, 7] }), 'ARGUMENT_INVALID'],
  ['commit: unknown change field', post({ changes: [{ ...ok, mode: 'always' }] }), 'ARGUMENT_INVALID'],
  ['commit: bad tree name', post({ changes: [{ ...ok, tree: '.hidden' }] }), 'NAME_INVALID'],
  ['commit: missing tree', post({ changes: [{ op: 'delete', key: 'k' }] }), 'NAME_INVALID'],
  ['commit: empty key', post({ changes: [{ ...ok, key: '' }] }), 'STATE_KEY_INVALID'],
  ['commit: numeric key', post({ changes: [{ ...ok, key: 5 }] }), 'STATE_KEY_INVALID'],
  ['commit: over-long key', post({ changes: [{ ...ok, key: 'k'.repeat(501) }] }), 'STATE_KEY_INVALID'],
  ['commit: odd hex key', post({ changes: [{ ...ok, key: 'abc' }], keyEncoding: 'hex' }), 'STATE_KEY_INVALID'],
  ['commit: padded base64url key', post({ changes: [{ ...ok, key: 'AQ==' }], keyEncoding: 'base64url' }), 'STATE_KEY_INVALID'],
  ['commit: unknown key encoding', post({ changes: [ok], keyEncoding: 'latin1' }), 'ARGUMENT_INVALID'],
  ['commit: put without a value', post({ changes: [{ op: 'put', tree: 't', key: 'k' }] }), 'ARGUMENT_INVALID'],
  ['commit: two values', post({ changes: [{ ...ok, block: 1 }] }), 'ARGUMENT_INVALID'],
  ['commit: delete with a value', post({ changes: [{ ...ok, op: 'delete' }] }), 'ARGUMENT_INVALID'],
  ['commit: bytes not base64', post({ changes: [{ ...ok, bytes: 'not base64!' }] }), 'ARGUMENT_INVALID'],
  ['commit: bad JSON block', post({ changes: [{ op: 'put', tree: 't', key: 'k', block: { type: 'float128', data: 1 } }] }), 'BLOCK_TYPE_UNKNOWN'],
  ['commit: bad binary block', post({ changes: [{ op: 'put', tree: 't', key: 'k', blockBase64: 'AAAA' }] }), 'BLOCK_MALFORMED'],
  ['commit: negative height', post({ changes: [ok], height: -1 }), 'STATE_HEIGHT_INVALID'],
  ['commit: fractional height', post({ changes: [ok], height: 0.5 }), 'STATE_HEIGHT_INVALID'],
  ['commit: text height', post({ changes: [ok], height: '1' }), 'STATE_HEIGHT_INVALID'],
  ['commit: height beyond the next', post({ changes: [ok], height: 3 }), 'STATE_HEIGHT_INVALID'],
  ['commit: too many changes', post({ changes: [ok, ok, ok, ok, ok] }), 'HTTP_BODY_TOO_LARGE'],
  ['commit: value over maxBlockBytes', post({ changes: [{ ...ok, bytes: Buffer.alloc(600).toString('base64') }] }), 'BLOCK_TOO_LARGE'],
  ['commit: missing state', post({ changes: [ok] }, '/v1/states/nothing/commit'), 'STATE_NOT_FOUND'],
  ['commit: bad state name', post({ changes: [ok] }, '/v1/states/no%20pe/commit'), 'NAME_INVALID'],
  ['prune: neither option', post({}, '/v1/states/chain/prune'), 'ARGUMENT_INVALID'],
  ['prune: both options', post({ keepLast: 1, from: 0 }, '/v1/states/chain/prune'), 'ARGUMENT_INVALID'],
  ['prune: keepLast 0', post({ keepLast: 0 }, '/v1/states/chain/prune'), 'ARGUMENT_INVALID'],
  ['prune: from beyond latest', post({ from: 9 }, '/v1/states/chain/prune'), 'STATE_HEIGHT_INVALID'],
  ['prune: from as text', post({ from: 'x' }, '/v1/states/chain/prune'), 'STATE_HEIGHT_INVALID'],
  ['read: bad tree name', { method: 'GET', url: '/v1/states/chain/heights/0/trees/-t/keys/k' }, 'NAME_INVALID'],
  ['read: empty key', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/keys/' }, 'STATE_KEY_INVALID'],
  ['read: bad hex key', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/keys/zz?keyEncoding=hex' }, 'STATE_KEY_INVALID'],
  ['read: non-UTF-8 escape', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/keys/%FF' }, 'HTTP_REQUEST_INVALID'],
  ['read: unknown key encoding', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/keys/k?keyEncoding=latin1' }, 'HTTP_REQUEST_INVALID'],
  ['read: proof=maybe', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/keys/k?proof=maybe' }, 'HTTP_REQUEST_INVALID'],
  ['range: bad bound', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/entries?gte=' }, 'STATE_KEY_INVALID'],
  ['range: limit 0', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/entries?limit=0' }, 'HTTP_REQUEST_INVALID'],
  ['heights: negative gte', { method: 'GET', url: '/v1/states/chain/heights?gte=-1' }, 'HTTP_REQUEST_INVALID'],
  ['heights: foreign cursor', { method: 'GET', url: '/v1/states/chain/heights?cursor=k1.YQ' }, 'CURSOR_INVALID'],
  ['range: foreign cursor', { method: 'GET', url: '/v1/states/chain/heights/0/trees/t/entries?cursor=h1.0' }, 'CURSOR_INVALID'],
  ['wrong method on commit', { method: 'GET', url: COMMIT }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['wrong method on a key', { method: 'PUT', url: '/v1/states/chain/heights/0/trees/t/keys/k', payload: 'x' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['wrong method on heights', { method: 'POST', url: '/v1/states/chain/heights' }, 'HTTP_METHOD_NOT_ALLOWED'],
  ['wrong method on states', { method: 'DELETE', url: '/v1/states' }, 'HTTP_METHOD_NOT_ALLOWED'],
];

/** A server (small limits) with state `chain` at height 0, and what must not change. */
async function fixture(): Promise<{ store: Store; app: FastifyInstance; snapshot: () => Promise<unknown> }> {
  const { store, app } = await serverFixture({ maxBatchOps: 4, maxBlockBytes: 512 });
  const state = await store.state('chain');
  await state.apply([{ op: 'put', tree: 't', key: 'k', value: Block.from('v') }]);
  const snapshot = async (): Promise<unknown> => {
    await state.refresh();
    return { states: await store.states(), latest: state.latest, prunedBefore: state.prunedBefore, heights: await all(state.heights()) };
  };
  return { store, app, snapshot };
}

describe('bad state requests', () => {
  it(`fail with a 4xx and their code, change nothing, and leave the server serving (${BAD.length} cases)`, async () => {
    const { app, snapshot } = await fixture();
    const before = await snapshot();
    for (const [what, request, code] of BAD) {
      const res = await app.inject(request);
      expect.soft(res.statusCode, what).toBeGreaterThanOrEqual(400);
      expect.soft(res.statusCode, what).toBeLessThan(500);
      expect.soft(res.json<{ code: string }>().code, what).toBe(code);
    }
    expect(await snapshot()).toEqual(before);
    expect((await app.inject({ method: 'GET', url: '/v1/states/chain/heights/0/trees/t/keys/k' })).json()).toMatchObject({ found: true });
    expect((await app.inject({ method: 'POST', url: '/v1/states/chain/audit' })).json()).toMatchObject({ ok: true });
  });

  it('random, truncated and mutated commit bodies never fail with a 5xx and never half-commit', async () => {
    const { store, app } = await fixture();
    const state = await store.state('chain');
    const change = fc.record(
      {
        op: fc.constantFrom('put', 'delete', 'get', 7),
        tree: fc.constantFrom('t', 'u', '', '-x', 3),
        key: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(''), fc.integer()),
        bytes: fc.oneof(fc.base64String({ maxLength: 12 }), fc.string({ maxLength: 4 })),
        block: fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant({ type: 'int8', data: [1] })),
      },
      { requiredKeys: [] },
    );
    const body = fc.record({ changes: fc.oneof(fc.array(change, { maxLength: 5 }), fc.anything()), height: fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }) }, { requiredKeys: [] });
    // Well-formed sets ride along so valid commits interleave with the bad ones (random bodies are rarely valid).
    const valid = fc.array(fc.record({ op: fc.constant('put'), tree: fc.constantFrom('t', 'u'), key: fc.stringMatching(/^[a-z]{1,8}$/), bytes: fc.base64String({ minLength: 4, maxLength: 12 }) }), { minLength: 1, maxLength: 3 });
    const payload = fc.oneof(
      valid.map((changes) => Buffer.from(JSON.stringify({ changes }))),
      body.map((b) => Buffer.from(JSON.stringify(b))),
      fc.tuple(body, fc.nat()).map(([b, cut]) => {
        const text = Buffer.from(JSON.stringify(b));
        return text.subarray(0, cut % (text.length + 1));
      }),
      fc.tuple(body, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, byte]) => {
        const text = Buffer.from(JSON.stringify(b));
        if (text.length > 0) text[at % text.length] = byte;
        return text;
      }),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    let committed = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (bytes) => {
        const latest = state.latest;
        const res = await app.inject({ method: 'POST', url: COMMIT, headers: JSON_TYPE, payload: bytes });
        expect(res.statusCode).toBeLessThan(500);
        await state.refresh();
        if (res.statusCode === 200) {
          committed++;
          const { height } = res.json<{ height: number }>();
          expect(height).toBeLessThanOrEqual((latest ?? -1) + 1);
          expect(state.latest).toBe(Math.max(latest ?? -1, height));
        } else {
          expect(typeof res.json<{ code: unknown }>().code).toBe('string');
          expect(state.latest).toBe(latest);
        }
      }),
      { numRuns: 300 },
    );
    // Valid sets did get through, and every height is whole.
    expect(committed).toBeGreaterThan(0);
    expect((await app.inject({ method: 'POST', url: '/v1/states/chain/audit' })).json()).toMatchObject({ ok: true, problems: [] });
  });
});
