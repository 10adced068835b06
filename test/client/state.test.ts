import { describe, expect, it } from 'vitest';
import { Block, connect, decodeProof, verifyProof, type StateValue, type StoreApi } from '../../src/client/index.js';
import type { TokenConfig } from '../../src/server/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { freshStore } from '../keepr/store-factory.js';
import { liveClient, liveServer } from './live-server.js';
import { all } from '../helpers/collect.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const show = (value: StateValue | undefined): unknown => (value === undefined ? null : value instanceof Block ? { block: value.hashHex } : { bytes: hex(value) });
const BIN = Uint8Array.of(0xff, 0x00, 0x2f);

/** The same calls on an embedded store or a client, written down so the two can be compared. */
async function transcript(store: StoreApi): Promise<unknown[]> {
  const out: unknown[] = [];
  const state = await store.state('chain');
  out.push([state.name, state.latest, state.prunedBefore, state.treeNames]);
  const first = await state.apply([
    { op: 'put', tree: 'accounts', key: 'alice', value: Block.from([10n]) },
    { op: 'put', tree: 'accounts', key: BIN, value: Uint8Array.of(1, 2, 3) },
    { op: 'put', tree: 'apps', key: 'relay/1', value: Block.from('relay') },
    { op: 'put', tree: 'apps', key: 'relay/2', value: new Uint8Array(0) },
  ]);
  const second = await state.apply([{ op: 'delete', tree: 'accounts', key: 'alice' }, { op: 'put', tree: 'apps', key: 'relay/1', value: Uint8Array.of(9) }]);
  const again = await state.apply([{ op: 'delete', tree: 'accounts', key: 'alice' }, { op: 'put', tree: 'apps', key: 'relay/1', value: Uint8Array.of(9) }], { height: 1 });
  for (const r of [first, second, again]) out.push([r.height, hex(r.root), r.rootHex, r.trees, r.changes]);
  out.push(await codeOfAsync(state.apply([{ op: 'put', tree: 'apps', key: 'x', value: Uint8Array.of(1) }], { height: 0 })));
  await state.refresh();
  out.push([state.latest, state.treeNames], await all(state.heights()), await all(state.heights({ lte: 1, reverse: true, limit: 1 })));
  for (const height of [0, 1]) {
    const view = state.at(height);
    out.push(view.height, hex(await view.root()), [...(await view.trees())].map(([n, r]) => [n, hex(r)]));
    for (const [tree, key] of [['accounts', 'alice'], ['accounts', BIN], ['apps', 'relay/1'], ['apps', 'relay/2'], ['apps', 'none'], ['nowhere', 'k']] as const) {
      const value = await view.get(tree, key);
      out.push(show(value), hex(await view.prove(tree, key)), (await view.proof(tree, key)).bucket.length);
    }
    for (const options of [{}, { reverse: true }, { prefix: 'relay/' }, { gte: 'relay/2' }, { lt: 'relay/2' }, { limit: 1 }, { prefix: '' }, { lt: '' }, { gt: 'relay/1' }, { lte: 'relay/1' }, { gt: 'relay/1', gte: 'relay/2', reverse: true }]) {
      out.push((await all(view.range('apps', options))).map(({ key: k, value: v }) => [hex(k), show(v)]));
    }
    out.push((await all(view.range('accounts'))).map(({ key: k, value: v }) => [hex(k), show(v)]));
  }
  out.push(await codeOfAsync(state.at(5).root()), await codeOfAsync(async () => state.at(-1)), await codeOfAsync(state.at(9).get('apps', 'relay/1')));
  out.push(await store.states(), await store.hasState('chain'), await store.hasState('other'));
  out.push(await codeOfAsync(store.state('other', { create: false })));
  out.push(await store.dropState('chain'), await store.dropState('chain'), await store.states());
  return out;
}

describe.each(['lmdb', 'postgres'] as const)('versioned state through the client (%s)', (engine) => {
  it('gives the same answers as the embedded state, call for call', async () => {
    const embedded = await transcript(await freshStore('lmdb'));
    const { client } = await liveClient({}, undefined, engine);
    const remote = await transcript(client);
    expect(remote).toEqual(embedded);
  });

  it('fetches proofs that verify against a trusted root, and fail for a tampered value or proof', async () => {
    const { client } = await liveClient({}, undefined, engine);
    const state = await client.state('chain');
    const { root } = await state.apply([{ op: 'put', tree: 'accounts', key: 'alice', value: Block.from([10n]) }, { op: 'put', tree: 'accounts', key: 'bob', value: Uint8Array.of(7) }]);
    const view = state.at(0);
    const { value, proof, root: claimed } = await view.getWithProof('accounts', 'alice');
    expect(hex(claimed)).toBe(hex(root));
    expect(verifyProof(root, 'accounts', 'alice', value, proof)).toBe(true);
    expect(verifyProof(root, 'accounts', 'alice', Block.from([11n]), proof)).toBe(false);
    expect(verifyProof(root, 'accounts', 'bob', value, proof)).toBe(false);
    // Any flipped bit in the proof is caught (or the proof no longer decodes).
    for (let i = 0; i < proof.length; i++) {
      const bad = Uint8Array.from(proof);
      bad[i]! ^= 0x01;
      let verified: boolean;
      try {
        verified = verifyProof(root, 'accounts', 'alice', value, bad);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('STATE_PROOF_MALFORMED');
        verified = false;
      }
      expect.soft(verified, `byte ${i}`).toBe(false);
    }
    const absent = await view.getWithProof('accounts', 'carol');
    expect(absent.value).toBeUndefined();
    expect(verifyProof(root, 'accounts', 'carol', undefined, absent.proof)).toBe(true);
    expect(decodeProof(absent.proof).tree).toBe('accounts');
  });

  it('prunes and audits, with the codes of the embedded state', async () => {
    const { client, store } = await liveClient({}, undefined, engine);
    const state = await client.state('chain');
    for (let h = 0; h < 4; h++) await state.apply([{ op: 'put', tree: 't', key: 'k', value: Uint8Array.of(h) }]);
    const audit = await state.audit();
    expect([audit.ok, audit.heights, audit.problems, audit.records > 0]).toEqual([true, 4, [], true]);
    const pruned = await state.prune({ keepLast: 2 });
    expect([pruned.prunedBefore, pruned.deleted > 0]).toEqual([2, true]);
    expect(state.prunedBefore).toBe(2);
    expect(await codeOfAsync(state.at(1).get('t', 'k'))).toBe('STATE_HEIGHT_PRUNED');
    expect(await codeOfAsync(state.at(7).get('t', 'k'))).toBe('STATE_HEIGHT_UNKNOWN');
    expect(await state.at(2).get('t', 'k')).toEqual(Uint8Array.of(2));
    expect(await codeOfAsync(state.prune({ from: 9 }))).toBe('STATE_HEIGHT_INVALID');
    // The embedded methods agree with what the server did.
    const embedded = await store.state('chain');
    expect(embedded.prunedBefore).toBe(2);
    expect((await embedded.audit()).ok).toBe(true);
    expect(await embedded.prune({ keepLast: 1 })).toMatchObject({ prunedBefore: 3 });
    await state.refresh();
    expect([state.latest, state.prunedBefore]).toEqual([3, 3]);
  });

  it('checks arguments before any request, with the embedded codes', async () => {
    const { client } = await liveClient({}, undefined, engine);
    const state = await client.state('chain');
    const cases: [string, () => Promise<unknown>, string][] = [
      ['changes not an array', () => state.apply('nope' as never), 'ARGUMENT_INVALID'],
      ['bad op', () => state.apply([{ op: 'get', tree: 't', key: 'k' } as never]), 'ARGUMENT_INVALID'],
      ['bad tree', () => state.apply([{ op: 'delete', tree: '', key: 'k' }]), 'NAME_INVALID'],
      ['empty key', () => state.apply([{ op: 'delete', tree: 't', key: '' }]), 'STATE_KEY_INVALID'],
      ['long key', () => state.apply([{ op: 'delete', tree: 't', key: new Uint8Array(501) }]), 'STATE_KEY_INVALID'],
      ['no value', () => state.apply([{ op: 'put', tree: 't', key: 'k' } as never]), 'ARGUMENT_INVALID'],
      ['bad value', () => state.apply([{ op: 'put', tree: 't', key: 'k', value: 'text' as never }]), 'ARGUMENT_INVALID'],
      ['bad height', () => state.apply([], { height: 1.5 }), 'STATE_HEIGHT_INVALID'],
      ['height too far', () => state.apply([], { height: 4 }), 'STATE_HEIGHT_INVALID'],
      ['bad heights limit', () => all(state.heights({ limit: -1 })), 'ARGUMENT_INVALID'],
      ['bad range limit', () => all(state.at(0).range('t', { limit: 0.5 })), 'ARGUMENT_INVALID'],
      ['bad state name', () => client.state('no pe'), 'NAME_INVALID'],
      ['missing state', () => client.state('other', { create: false }), 'STATE_NOT_FOUND'],
    ];
    for (const [what, call, code] of cases) expect.soft(await codeOfAsync(call), what).toBe(code);
    await state.refresh();
    expect(state.latest).toBeUndefined();
    expect(await client.states()).toEqual(['chain']);
  });

  it('lands concurrent commits of two clients on consecutive heights', async () => {
    const { url } = await liveServer({}, engine);
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    try {
      const [sa, sb] = [await a.state('chain'), await b.state('chain')];
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? sa : sb).apply([{ op: 'put', tree: 't', key: `k${i}`, value: Uint8Array.of(i) }])));
      expect(results.map((r) => r.height).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await all(sa.at(9).range('t'))).toHaveLength(10);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('needs read to read, write to commit and admin to create, prune, audit and drop', async () => {
    const TOKENS: readonly TokenConfig[] = [
      { token: 'read-token-0000000000', role: 'read' },
      { token: 'write-token-000000000', role: 'write' },
      { token: 'admin-token-000000000', role: 'admin' },
    ];
    const { url } = await liveServer({ tokens: TOKENS }, engine);
    const [reader, writer, admin] = await Promise.all(TOKENS.map((t) => connect(url, { token: t.token })));
    try {
      expect(await codeOfAsync(writer!.state('chain'))).toBe('AUTH_FORBIDDEN');
      await admin!.state('chain');
      const ws = await writer!.state('chain');
      const rs = await reader!.state('chain', { create: false });
      await ws.apply([{ op: 'put', tree: 't', key: 'k', value: Uint8Array.of(1) }]);
      expect(await codeOfAsync(rs.apply([{ op: 'put', tree: 't', key: 'k', value: Uint8Array.of(2) }]))).toBe('AUTH_FORBIDDEN');
      expect(await rs.at(0).get('t', 'k')).toEqual(Uint8Array.of(1));
      expect(await codeOfAsync(ws.prune({ keepLast: 1 }))).toBe('AUTH_FORBIDDEN');
      expect(await codeOfAsync(ws.audit())).toBe('AUTH_FORBIDDEN');
      expect(await codeOfAsync(writer!.dropState('chain'))).toBe('AUTH_FORBIDDEN');
      expect(await admin!.dropState('chain')).toBe(true);
      expect(await codeOfAsync(rs.at(0).get('t', 'k'))).toBe('STATE_NOT_FOUND');
    } finally {
      for (const c of [reader, writer, admin]) await c!.close();
    }
  });
});
