// Moving a store between engines (the migration path off one machine): LMDB → PostgreSQL → LMDB,
// verified block for block and root for root.
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { copyStore } from '../../src/keepr/index.js';
import { auditState } from '../../src/state/index.js';
import type { Store } from '../../src/store/index.js';
import { storeTarget } from '../helpers/store-targets.js';

/** Every source with its [key hex, block hash] pairs, binary keys included. */
async function blocks(store: Store): Promise<Record<string, [string, string][]>> {
  const out: Record<string, [string, string][]> = {};
  for (const name of await store.sources()) {
    const items: [string, string][] = [];
    for await (const [key, block] of (await store.source(name)).entries({ keyEncoding: 'binary' })) items.push([Buffer.from(key).toString('hex'), block.hashHex]);
    out[name] = items;
  }
  return out;
}

/** Root of every height of state `name`. */
async function roots(store: Store, name: string): Promise<string[]> {
  const state = await store.state(name);
  const out: string[] = [];
  for await (const height of state.heights()) out.push(Buffer.from(await state.at(height.height).root()).toString('hex'));
  return out;
}

describe('copying a store between engines', () => {
  it('moves sources and versioned state from LMDB to PostgreSQL and back, unchanged', async () => {
    const lmdb = await storeTarget('lmdb').open();
    const docs = await lmdb.source('docs');
    await docs.put('a/1', Block.from([[1.5, null], [3, 4]]));
    await docs.put(Uint8Array.of(0, 0xff, 7), Block.from('binary key'));
    await docs.put('big', Block.from(new Float64Array(300_000).map((_, i) => Math.sin(i))));
    await lmdb.source('empty');
    const chain = await lmdb.state('chain');
    for (let h = 0; h < 4; h++) {
      for (let i = 0; i < 20; i++) await chain.put(i % 2 === 0 ? 'accounts' : 'code', `k${(h * 7 + i) % 25}`, Uint8Array.of(h, i));
      await chain.delete('accounts', `k${h}`);
      await chain.commit();
    }

    const postgres = await storeTarget('postgres').open();
    expect(await copyStore(lmdb, postgres)).toMatchObject({ sources: 2, blocks: 3 });
    expect(await blocks(postgres)).toEqual(await blocks(lmdb));
    expect(await roots(postgres, 'chain')).toEqual(await roots(lmdb, 'chain'));
    expect((await auditState((await postgres.state('chain')).context)).ok).toBe(true);

    const back = await storeTarget('lmdb').open();
    await copyStore(postgres, back);
    expect(await blocks(back)).toEqual(await blocks(lmdb));
    expect(await roots(back, 'chain')).toEqual(await roots(lmdb, 'chain'));
    // The copy is a working store: it commits on from the same height.
    const moved = await back.state('chain');
    await moved.put('accounts', 'new', Uint8Array.of(1));
    expect((await moved.commit()).height).toBe(4);
  }, 60_000);
});
