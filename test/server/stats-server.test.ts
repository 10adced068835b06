/** `/v1/stats` says who has the store open: the engine's reader table and the serving process. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReaderList } from '../../src/engine/lmdb/lmdb-engine.js';
import { KEEPR_VERSION } from '../../src/util/package-version.js';
import { serverFixture } from './server-fixture.js';

interface Stats {
  readonly engine: { readonly extra: Record<string, number>; readonly readers?: { pid: number; thread: string; txnid: number | null }[] };
  readonly server: { pid: number; startedAt: string; uptimeSeconds: number; version: string; node: string; host?: string };
}

describe('/v1/stats: readers and server', () => {
  it('lists this process in the LMDB reader table and names the serving process', async () => {
    const { app } = await serverFixture();
    await app.inject({ method: 'PUT', url: '/v1/sources/s/blocks/k', payload: 'x', headers: { 'content-type': 'text/plain' } });
    const stats = (await app.inject({ method: 'GET', url: '/v1/stats' })).json<Stats>();
    expect(stats.engine.readers?.map((r) => r.pid)).toContain(process.pid);
    expect(stats.engine.readers?.length).toBe(stats.engine.extra['numReaders']);
    expect(stats.server).toMatchObject({ pid: process.pid, version: KEEPR_VERSION, node: process.version });
    expect(typeof stats.server.host).toBe('string');
    expect(Date.parse(stats.server.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(stats.server.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('has no reader table for the memory engine', async () => {
    const { app } = await serverFixture({}, 'memory');
    const stats = (await app.inject({ method: 'GET', url: '/v1/stats' })).json<Stats>();
    expect(stats.engine.readers).toBeUndefined();
    expect(stats.server.pid).toBe(process.pid);
  });
});

describe('parseReaderList', () => {
  it('reads the slots lmdb-js prints, idle ones with a null txnid', () => {
    const text = '    pid     thread     txnid\n     17663 7f6d12662c80 1\n     17664 7f6d12662c81 -\n';
    expect(parseReaderList(text)).toEqual([
      { pid: 17663, thread: '7f6d12662c80', txnid: 1 },
      { pid: 17664, thread: '7f6d12662c81', txnid: null },
    ]);
    expect(parseReaderList('(no active readers)\n')).toEqual([]);
  });

  it('never throws on any text, and every reader it gives has a numeric pid', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const r of parseReaderList(text)) expect(Number.isInteger(r.pid)).toBe(true);
      }),
    );
  });
});
