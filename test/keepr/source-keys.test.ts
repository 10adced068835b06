import { describe, expect, it, onTestFinished } from 'vitest';
import { Block } from '../../src/block/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { decodeDump, dumpStore, encodeDump, loadDump, type DumpRecord } from '../../src/keepr/index.js';
import { open } from '../../src/store/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { STORE_ENGINES, freshStore } from './store-factory.js';
import { sourceKeyCases } from './source-key-cases.js';

for (const engine of STORE_ENGINES) sourceKeyCases(engine, () => freshStore(engine));

describe('binary keys, embedded only', () => {
  it('the block cache holds one entry per key, whether named by string or bytes', async () => {
    const store = await open({ engine: memoryEngine(), cache: { maxEntries: 100 } });
    onTestFinished(() => store.close());
    const src = await store.source('s');
    await src.put('a', Block.from(1));
    expect(src.getSync(Uint8Array.of(0x61))?.toJS()).toBe(1);
    expect((await src.get('a'))?.toJS()).toBe(1);
    // A write under the bytes must not leave the string's cached block behind.
    await src.put(Uint8Array.of(0x61), Block.from(2));
    expect(src.getSync('a')?.toJS()).toBe(2);
    await src.put(Uint8Array.of(0xff), Block.from(3));
    expect(src.getSync(Uint8Array.of(0xff))?.toJS()).toBe(3);
    await src.delete(Uint8Array.of(0xff));
    expect(src.getSync(Uint8Array.of(0xff))).toBeUndefined();
  });

  it('a transient store evicts binary keys from the engine by their bytes', async () => {
    const store = await open({ engine: memoryEngine(), cache: { maxEntries: 2 } });
    onTestFinished(() => store.close());
    const src = await store.source('s');
    for (const key of [Uint8Array.of(0xff, 1), Uint8Array.of(0xff, 2), Uint8Array.of(0xff, 3), Uint8Array.of(0xff, 4)]) await src.put(key, Block.from(key[1]!));
    // The memory engine is transient: what the cache evicts is deleted by its bytes, so two stay.
    const left = (await src.list({ keyEncoding: 'binary' })).items.map((i) => Buffer.from(i.key).toString('hex'));
    expect(left).toHaveLength(2);
    for (const key of left) expect(src.getSync(Buffer.from(key, 'hex'))).toBeDefined();
  });

  it('dump and load carry keys of any bytes', async () => {
    const from = await freshStore('memory');
    const src = await from.source('s');
    await src.write([
      { op: 'put', key: Uint8Array.of(0x00, 0xff), block: Block.from(1) },
      { op: 'put', key: 'a/b', block: Block.from(2) },
      { op: 'put', key: Uint8Array.of(0xc3), block: Block.from(3) },
    ]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of dumpStore(from)) chunks.push(chunk);
    const to = await freshStore('lmdb');
    await loadDump(to, (async function* () {
      yield* chunks;
    })());
    const back = await (await to.source('s', { create: false })).list({ keyEncoding: 'binary' });
    expect(back.items.map((i) => [Buffer.from(i.key).toString('hex'), i.hash])).toEqual([
      ['00ff', Block.from(1).hashHex],
      ['612f62', Block.from(2).hashHex],
      ['c3', Block.from(3).hashHex],
    ]);
  });

  it('a dump with an empty or oversized block key is DUMP_MALFORMED', async () => {
    for (const key of [new Uint8Array(0), new Uint8Array(513)]) {
      const records: DumpRecord[] = [{ kind: 'source', name: 's' }, { kind: 'block', key, block: Block.from(1) }];
      const bytes: Uint8Array[] = [];
      // The encoder writes what it is given; the decoder is the gate.
      for await (const chunk of encodeDump(records)) bytes.push(chunk);
      const read = (async () => {
        for await (const _record of decodeDump((async function* () {
          yield Buffer.concat(bytes);
        })()));
      })();
      expect(await codeOfAsync(read)).toBe('DUMP_MALFORMED');
    }
  });
});
