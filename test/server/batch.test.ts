import { describe, expect, it } from 'vitest';
import { Block, blockToJSON } from '../../src/block/index.js';
import { BATCH_MEDIA_TYPE } from '../../src/server/index.js';
import { decodeBatchAnswer, decodeBatchRequest, encodeBatchAnswer, encodeBatchRequest, type WireOp } from '../../src/wire/batch-wire.js';
import { utf8 } from '../../src/util/bytes.js';
import { codeOf } from '../helpers/error-code.js';
import { serverFixture } from './server-fixture.js';

const JSON_TYPE = 'application/json';

describe('batch route, JSON', () => {
  it('reads and writes in one transaction, blocks as JSON views or base64', async () => {
    const { store, app } = await serverFixture();
    const src = await store.source('s');
    const old = Block.from([1, 2, 3]);
    await src.put('a', old);
    const b64 = Buffer.from(Block.from('text').bytes).toString('base64');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sources/s/batch',
      headers: { 'content-type': JSON_TYPE },
      payload: {
        ops: [
          { op: 'get', key: 'a' },
          { op: 'put', key: 'a', block: { type: 'int32', data: [7] }, ifHash: old.hashHex },
          { op: 'put', key: 'b', blockBase64: b64, mode: 'if-absent' },
          { op: 'get', key: 'missing' },
          { op: 'delete', key: 'missing' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const { results } = res.json<{ results: Record<string, unknown>[] }>();
    expect(results[0]).toEqual({ block: blockToJSON(old) });
    expect(results[1]).toEqual({ hash: Block.create({ type: 'int32', data: [7] }).hashHex });
    expect(results[2]).toEqual({ hash: Block.from('text').hashHex });
    expect(results.slice(3)).toEqual([{ block: null }, { existed: false }]);
    expect((await src.get('a'))?.toJS()).toEqual([7]);
    expect((await src.get('b'))?.toJS()).toBe('text');
  });

  it('answers gets in base64 when asked', async () => {
    const { store, app } = await serverFixture();
    const block = Block.from([-0, 1.5]);
    await (await store.source('s')).put('a', block);
    const res = await app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { 'content-type': JSON_TYPE }, payload: { ops: [{ op: 'get', key: 'a' }], encoding: 'base64' } });
    const back = Block.decode(Buffer.from(res.json<{ results: { block: string }[] }>().results[0]!.block, 'base64'));
    expect(back.equals(block)).toBe(true);
  });

  it('writes nothing when one condition fails, and names the operation', async () => {
    const { store, app } = await serverFixture();
    const src = await store.source('s');
    await src.put('taken', Block.from(0));
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sources/s/batch',
      headers: { 'content-type': JSON_TYPE },
      payload: { ops: [{ op: 'put', key: 'new', block: 1 }, { op: 'put', key: 'taken', block: 2, mode: 'if-absent' }] },
    });
    expect(res.statusCode).toBe(412);
    expect(res.json()).toMatchObject({ code: 'WRITE_KEY_EXISTS', details: { index: 1, key: 'taken' } });
    expect(await src.has('new')).toBe(false);
  });

  it('names the operation of a bad block or key', async () => {
    const { app } = await serverFixture();
    await app.inject({ method: 'PUT', url: '/v1/sources/s' });
    const post = (ops: unknown[]): Promise<{ statusCode: number; json: () => unknown }> =>
      app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { 'content-type': JSON_TYPE }, payload: { ops } });
    expect((await post([{ op: 'get', key: 'ok' }, { op: 'put', key: 'k', block: { type: 'nope', data: 1 } }])).json()).toMatchObject({ code: 'BLOCK_TYPE_UNKNOWN', details: { index: 1 } });
    expect((await post([{ op: 'get', key: 'a//b' }])).json()).toMatchObject({ code: 'NAME_INVALID', details: { index: 0 } });
    expect((await post([{ op: 'put', key: 'k', blockBase64: 'AAAA' }])).json()).toMatchObject({ code: 'BLOCK_MALFORMED', details: { index: 0 } });
  });

  it('needs the source to exist, and reads with only the read role', async () => {
    const { app } = await serverFixture({ tokens: [{ token: 'reader-token-0123456789', role: 'read' }] });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sources/ghost/batch',
      headers: { 'content-type': JSON_TYPE, authorization: 'Bearer reader-token-0123456789' },
      payload: { ops: [{ op: 'get', key: 'a' }] },
    });
    expect(res.json()).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });
});

describe('batch route, binary framing', () => {
  it('round-trips operations and answers in the framing of the request', async () => {
    const { store, app } = await serverFixture();
    const src = await store.source('s');
    const a = Block.from('a');
    await src.put('a', a);
    const ops: WireOp[] = [
      { op: 'get', key: utf8('a') },
      { op: 'put', key: utf8('b'), block: Block.from(2).bytes, mode: 'if-absent' },
      { op: 'delete', key: utf8('a'), ifHash: a.hash },
      { op: 'get', key: utf8('zz') },
    ];
    const res = await app.inject({ method: 'POST', url: '/v1/sources/s/batch', headers: { 'content-type': BATCH_MEDIA_TYPE }, payload: encodeBatchRequest(ops) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(BATCH_MEDIA_TYPE);
    const results = decodeBatchAnswer(res.rawPayload);
    expect(Block.decode(results[0] as Uint8Array).equals(a)).toBe(true);
    expect(results.slice(1)).toEqual([true, true, undefined]);
    expect(await src.has('a')).toBe(false);
  });

  it('encodes and decodes every operation and result exactly', () => {
    const hash = new Uint8Array(32).fill(7);
    const ops: WireOp[] = [
      { op: 'get', key: utf8('k/é') },
      { op: 'put', key: utf8('p'), block: Uint8Array.of(1, 2, 3), mode: 'if-exists', ifHash: hash },
      { op: 'delete', key: Uint8Array.of(0xff, 0) },
    ];
    const back = decodeBatchRequest(encodeBatchRequest(ops), 10);
    expect(back.map((op) => ({ ...op, key: Buffer.from(op.key).toString('hex'), ...('block' in op ? { block: Array.from(op.block) } : {}), ...('ifHash' in op && op.ifHash ? { ifHash: Array.from(op.ifHash) } : {}) }))).toEqual([
      { op: 'get', key: Buffer.from('k/é').toString('hex') },
      { op: 'put', key: '70', block: [1, 2, 3], mode: 'if-exists', ifHash: Array.from(hash) },
      { op: 'delete', key: 'ff00' },
    ]);
    const answers = decodeBatchAnswer(encodeBatchAnswer([true, false, undefined, Uint8Array.of(9)]));
    expect(answers.map((r) => (r instanceof Uint8Array ? Array.from(r) : r))).toEqual([true, false, undefined, [9]]);
  });

  it('rejects bad framing with HTTP_BODY_MALFORMED and too many operations with HTTP_BODY_TOO_LARGE', () => {
    const good = encodeBatchRequest([{ op: 'put', key: utf8('k'), block: Uint8Array.of(1, 2) }]);
    expect(codeOf(() => decodeBatchRequest(good.subarray(0, good.length - 1), 10))).toBe('HTTP_BODY_MALFORMED');
    expect(codeOf(() => decodeBatchRequest(Buffer.concat([good, Buffer.of(0)]), 10))).toBe('HTTP_BODY_MALFORMED');
    expect(codeOf(() => decodeBatchRequest(Buffer.from('nope'), 10))).toBe('HTTP_BODY_MALFORMED');
    const badOp = Buffer.from(good);
    badOp[8] = 9;
    expect(codeOf(() => decodeBatchRequest(badOp, 10))).toBe('HTTP_BODY_MALFORMED');
    expect(codeOf(() => decodeBatchRequest(good, 0))).toBe('HTTP_BODY_TOO_LARGE');
  });
});
