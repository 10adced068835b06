// One test body run against the embedded store and a client: state listings page the same way
// (items, cursors), key encodings and prune / audit take the same options and give the same shapes.
import { describe, expect, it } from 'vitest';
import { Block, type StateValue, type StoreApi } from '../../src/client/index.js';
import { all } from '../helpers/collect.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { freshStore } from '../keepr/store-factory.js';
import { liveClient } from './live-server.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const show = (value: StateValue): unknown => (value instanceof Block ? { block: value.hashHex } : { bytes: hex(value) });
const showKey = (key: Uint8Array | string): unknown => (typeof key === 'string' ? key : { hex: hex(key) });

async function transcript(store: StoreApi): Promise<unknown[]> {
  const out: unknown[] = [];
  const state = await store.state('pages');
  const keys = ['a', 'a/1', 'a/2', 'b', 'c'];
  await state.apply(keys.map((key, i) => ({ op: 'put' as const, tree: 't', key, value: i % 2 === 0 ? Uint8Array.of(i) : Block.from([BigInt(i)]) })));
  await state.apply([{ op: 'put', tree: 'bin', key: Uint8Array.of(0xff, 0), value: Uint8Array.of(1) }, { op: 'put', tree: 'bin', key: 'z', value: Uint8Array.of(2) }]);
  for (let h = 2; h < 6; h++) await state.apply([{ op: 'put', tree: 't', key: 'a', value: Uint8Array.of(h) }]);
  const view = state.at(1);
  // Pages: every option, the cursor walking a whole range once, either way.
  for (const options of [{ limit: 2 }, { limit: 2, reverse: true }, { prefix: 'a', limit: 2 }, { gt: 'a', lte: 'b', limit: 1 }, { keyEncoding: 'utf8' as const, limit: 3 }]) {
    const page = await view.list('t', options);
    out.push([page.items.map((e) => [showKey(e.key), show(e.value)]), page.cursor ?? null]);
  }
  for (const reverse of [false, true]) {
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: { key: string }[]; cursor?: string } = await view.list('t', { limit: 2, reverse, gte: 'a/1', keyEncoding: 'utf8', ...(cursor === undefined ? {} : { cursor }) });
      seen.push(page.items.map((e) => e.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
    out.push(seen);
  }
  // Full scans are async iterators with the range options; keys as strings on request.
  out.push((await all(view.range('t', { keyEncoding: 'utf8', reverse: true, limit: 4 }))).map((e) => e.key));
  out.push((await all(view.range('bin'))).map((e) => showKey(e.key)));
  out.push(await codeOfAsync(all(view.range('bin', { keyEncoding: 'utf8' }))));
  out.push(await codeOfAsync(view.list('bin', { keyEncoding: 'utf8' })));
  out.push((await view.list('bin', { keyEncoding: 'utf8', gt: Uint8Array.of(0xff, 0) })).items.map((e) => e.key));
  out.push(await codeOfAsync(view.list('t', { cursor: 'h1.2' })), await codeOfAsync(view.list('t', { cursor: 'k1.' })), await codeOfAsync(view.list('t', { limit: 0 })));
  out.push(await codeOfAsync(all(view.range('t', { keyEncoding: 'latin1' as never }))));
  // Heights: bounds, pages, cursors.
  const heights = await state.listHeights({ limit: 2 });
  out.push(heights.items.map((h) => h.height), heights.cursor ?? null);
  const next = await state.listHeights({ limit: 3, cursor: heights.cursor! });
  out.push(next.items.map((h) => h.height), next.cursor ?? null);
  out.push((await state.listHeights({ reverse: true, gt: 1, lte: 4 })).items.map((h) => h.height));
  out.push((await all(state.heights({ reverse: true, limit: 3 }))).map((h) => h.height));
  out.push(await codeOfAsync(state.listHeights({ cursor: 'k1.YQ' })), await codeOfAsync(all(state.heights({ gte: -1 }))));
  // Prune and audit: the same options, errors and result shapes.
  out.push(await state.audit());
  for (const options of [{}, { keepLast: 1, from: 2 }, { keepLast: 0 }, { from: 99 }, { from: 1.5 }]) out.push(await codeOfAsync(state.prune(options as never)));
  const pruned = await state.prune({ from: 2 });
  out.push(Object.keys(pruned).sort(), pruned.prunedBefore, pruned.deleted > 0);
  const kept = await state.prune({ keepLast: 2 });
  out.push(Object.keys(kept).sort(), kept.prunedBefore);
  out.push((await all(state.heights())).map((h) => h.height), await state.audit());
  return out;
}

describe('state listings, key encodings, prune and audit: embedded and remote alike', () => {
  it('give the same answers on both sides', async () => {
    const embedded = await transcript(await freshStore('lmdb'));
    const { client } = await liveClient();
    const remote = await transcript(client);
    expect(remote).toEqual(embedded);
    // And the answers are the right ones (not merely equal).
    expect(embedded.slice(0, 5)).toEqual([
      [[[{ hex: '61' }, { bytes: '00' }], [{ hex: '612f31' }, expect.anything()]], `k1.${Buffer.from('a/1').toString('base64url')}`],
      [[[{ hex: '63' }, { bytes: '04' }], [{ hex: '62' }, expect.anything()]], `k1.${Buffer.from('b').toString('base64url')}`],
      [[[{ hex: '61' }, { bytes: '00' }], [{ hex: '612f31' }, expect.anything()]], `k1.${Buffer.from('a/1').toString('base64url')}`],
      [[[{ hex: '612f31' }, expect.anything()]], `k1.${Buffer.from('a/1').toString('base64url')}`],
      [[['a', { bytes: '00' }], ['a/1', expect.anything()], ['a/2', { bytes: '02' }]], `k1.${Buffer.from('a/2').toString('base64url')}`],
    ]);
    expect(embedded.slice(5, 13)).toEqual([
      [['a/1', 'a/2'], ['b', 'c']],
      [['c', 'b'], ['a/2', 'a/1']],
      ['c', 'b', 'a/2', 'a/1'],
      [{ hex: '7a' }, { hex: 'ff00' }],
      'KEY_NOT_UTF8',
      'KEY_NOT_UTF8',
      [],
      'CURSOR_INVALID',
    ]);
    expect(embedded.slice(13, 26)).toEqual([
      'CURSOR_INVALID',
      'ARGUMENT_INVALID',
      'ARGUMENT_INVALID',
      [0, 1],
      'h1.1',
      [2, 3, 4],
      'h1.4',
      [4, 3, 2],
      [5, 4, 3],
      'CURSOR_INVALID',
      'ARGUMENT_INVALID',
      expect.objectContaining({ ok: true, heights: 6, problems: [] }),
      'ARGUMENT_INVALID',
    ]);
    expect(embedded.slice(26)).toEqual([
      'ARGUMENT_INVALID',
      'ARGUMENT_INVALID',
      'STATE_HEIGHT_INVALID',
      'STATE_HEIGHT_INVALID',
      ['deleted', 'prunedBefore'],
      2,
      true,
      ['deleted', 'prunedBefore'],
      4,
      [4, 5],
      expect.objectContaining({ ok: true, heights: 2, problems: [] }),
    ]);
  });

  it('names the key in hex when a key is not UTF-8', async () => {
    const store = await freshStore('memory');
    const state = await store.state('s');
    await state.apply([{ op: 'put', tree: 't', key: Uint8Array.of(0xc3, 0x28), value: Uint8Array.of(1) }]);
    await state.put('t', Uint8Array.of(0xfe), Uint8Array.of(2));
    let caught: unknown;
    try {
      await all(state.range('t', { keyEncoding: 'utf8' }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'KEY_NOT_UTF8', details: { keyHex: 'c328' } });
    expect((caught as Error).message).toContain('c328');
    expect((caught as Error).message).toContain("keyEncoding 'binary'");
    // The working height lists its uncommitted writes too.
    expect((await state.list('t')).items.map((e) => hex(e.key))).toEqual(['c328', 'fe']);
  });
});
