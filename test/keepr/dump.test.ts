import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { isKeeprError } from '../../src/errors.js';
import { keyLabel, copyStore, decodeDump, dumpStore, encodeDump, loadDump, storeRecords, verifyDump, type DumpRecord } from '../../src/keepr/index.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open, type Store } from '../../src/store/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** A short label per record, for comparing record sequences. */
function label(r: DumpRecord): string {
  if (r.kind === 'source') return `S:${r.name}`;
  if (r.kind === 'namespace') return `N:${r.name}`;
  if (r.kind === 'entry') return `R:${Buffer.from(r.key).toString('hex')}`;
  return keyLabel(r.key);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A stream that hands out `bytes` in chunks of `size` (to cross every record boundary). */
async function* chunked(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function memoryStore(): Promise<Store> {
  return open({ engine: memoryEngine() });
}

async function filled(): Promise<Store> {
  const store = await memoryStore();
  const nums = await store.source('nums');
  await nums.put('a/1', Block.from([[1.5, null], [3, 4]]));
  await nums.put('a/2', Block.create({ type: 'int64', data: [1n, -2n] }));
  await nums.put('ключ', Block.from('text'));
  const files = await store.source('files');
  await files.put('index.html', Block.file(Buffer.from('<h1>hi</h1>'), 'text/html', { url: '/index.html' }));
  await files.put('t', Block.tuple({ x: Block.from([1, 2]), y: Block.create({ type: 'factor', data: ['lo', 'hi'], levels: ['lo', 'hi'], ordered: true }) }));
  await store.source('empty');
  return store;
}

/** Every source with its [key, hash] pairs. */
async function contents(store: Store): Promise<Record<string, [string, string][]>> {
  const out: Record<string, [string, string][]> = {};
  for (const name of await store.sources()) {
    const items: [string, string][] = [];
    for await (const [key, block] of (await store.source(name)).entries()) items.push([key, block.hashHex]);
    out[name] = items;
  }
  return out;
}

describe('dump format', () => {
  it('lays out header, records and trailer as documented', async () => {
    const block = Block.from(7);
    const bytes = await collect(encodeDump([{ kind: 'source', name: 's' }, { kind: 'block', key: 'k', block }]));
    const body = Buffer.concat([
      Buffer.from('4b50444d0d0a1a0a' + '01000000' + '00000000', 'hex'), // magic, version 1, flags 0
      Buffer.from('53' + '0100', 'hex'), Buffer.from('s'), // 'S', name length 1, "s"
      Buffer.from('42' + '0100', 'hex'), Buffer.from('k'), // 'B', key length 1, "k"
      Buffer.from([block.byteLength, 0, 0, 0]), block.bytes, // u32 length, the block
      Buffer.from('45' + '01000000' + '0100000000000000', 'hex'), // 'E', 1 source, 1 block
      Buffer.from([block.byteLength, 0, 0, 0, 0, 0, 0, 0]), // u64 block bytes
      Buffer.from('00000000' + '0000000000000000' + '0000000000000000', 'hex'), // no namespaces, entries, entry bytes
    ]);
    expect(bytes).toEqual(Buffer.concat([body, createHash('sha256').update(body).digest()]));
  });

  it('round-trips a store through a dump, byte for byte, in any chunking', async () => {
    const source = await filled();
    const dump = await collect(dumpStore(source));
    expect(await verifyDump(chunked(dump))).toEqual({ sources: 3, blocks: 5, blockBytes: expect.any(Number) as number, namespaces: 0, entries: 0, entryBytes: 0 });

    const target = await memoryStore();
    const summary = await loadDump(target, chunked(dump, 3), { batchBlocks: 2 });
    expect(summary.sources).toBe(3);
    expect(summary.blocks).toBe(5);
    expect(await contents(target)).toEqual(await contents(source));
    expect(await target.sources()).toEqual(['empty', 'files', 'nums']);
    // Canonical: the same content always dumps to the same bytes.
    expect(await collect(dumpStore(target))).toEqual(dump);
    await Promise.all([source.close(), target.close()]);
  });

  it('dumps only the sources asked for, and names a missing one', async () => {
    const store = await filled();
    const records: DumpRecord[] = [];
    for await (const r of decodeDump(chunked(await collect(dumpStore(store, { sources: ['nums'] }))))) records.push(r);
    expect(records.map(label)).toEqual(['S:nums', 'a/1', 'a/2', 'ключ']);
    expect(await codeOfAsync(collect(dumpStore(store, { sources: ['ghost'] })))).toBe('SOURCE_NOT_FOUND');
    await store.close();
  });

  it('detects every truncation and every damaged byte', async () => {
    const store = await filled();
    const dump = await collect(dumpStore(store));
    await store.close();
    for (let n = 0; n < dump.length; n++) {
      const code = await codeOfAsync(verifyDump(chunked(dump.subarray(0, n), 64)));
      if (code !== 'DUMP_TRUNCATED') expect.fail(`prefix of ${n} bytes: ${String(code)}`);
    }
    for (let at = 0; at < dump.length; at++) {
      const bad = Buffer.from(dump);
      bad[at]! ^= 0x01;
      const code = await codeOfAsync(verifyDump(chunked(bad, 64)));
      if (code !== 'DUMP_MALFORMED' && code !== 'DUMP_TRUNCATED') expect.fail(`flip at byte ${at}: ${String(code)}`);
    }
    expect(await codeOfAsync(verifyDump(chunked(Buffer.concat([dump, Buffer.from([0])]))))).toBe('DUMP_MALFORMED');
    expect(await codeOfAsync(verifyDump(chunked(Buffer.from('{"not":1}'))))).toBe('DUMP_TRUNCATED');
    expect(await codeOfAsync(verifyDump(chunked(Buffer.from('this is not a keepr dump at all'))))).toBe('DUMP_MALFORMED');
  }, 20_000);

  it('refuses records out of order, a block before a source and a bad name', async () => {
    const b = Block.from(1);
    const cases: DumpRecord[][] = [
      [{ kind: 'block', key: 'k', block: b }],
      [{ kind: 'source', name: 'b' }, { kind: 'source', name: 'a' }],
      [{ kind: 'source', name: 'a' }, { kind: 'block', key: 'k', block: b }, { kind: 'block', key: 'k', block: b }],
    ];
    for (const records of cases) expect(await codeOfAsync(collect(encodeDump(records)))).toBe('DUMP_MALFORMED');
  });

  it('loads the batches before the damage and nothing after it', async () => {
    const source = await filled();
    const dump = await collect(dumpStore(source, { sources: ['nums'] }));
    await source.close();
    const target = await memoryStore();
    // Damage the last block (its final byte is inside the attribute-free data): the first two land.
    const lastBlockEnd = dump.length - 32 - 41;
    const bad = Buffer.from(dump);
    bad[lastBlockEnd - 1]! ^= 0xff;
    const err = await loadDump(target, chunked(bad), { batchBlocks: 1 }).catch((e: unknown) => e);
    expect(isKeeprError(err, 'DUMP_MALFORMED')).toBe(true);
    expect((await contents(target))['nums']!.map(([k]) => k)).toEqual(['a/1', 'a/2']);
    // Cut before the trailer: every record arrived, but the last batch is not written.
    const other = await memoryStore();
    expect(await codeOfAsync(loadDump(other, chunked(dump.subarray(0, dump.length - 10))))).toBe('DUMP_TRUNCATED');
    expect(await other.sources()).toEqual(['nums']);
    expect((await contents(other))['nums']).toEqual([]);
    await Promise.all([target.close(), other.close()]);
  });

  it('dumps one consistent snapshot while writes go on (LMDB)', async () => {
    const dir = join(makeTmpDir(), 'db');
    const store = await open(dir);
    const s = await store.source('s');
    for (let i = 0; i < 50; i++) await s.put(`k/${String(i).padStart(3, '0')}`, Block.from(i));
    const records = storeRecords(store)[Symbol.asyncIterator]();
    const first = await records.next(); // source 's': the snapshot is taken
    expect(first.value).toEqual({ kind: 'source', name: 's' });
    await s.put('k/999', Block.from(999));
    await s.delete('k/000');
    await store.source('later');
    const rest: DumpRecord[] = [first.value as DumpRecord];
    for (let step = await records.next(); step.done !== true; step = await records.next()) rest.push(step.value);
    const keys: string[] = [];
    for await (const r of decodeDump(encodeDump(rest))) keys.push(label(r));
    expect(keys).toHaveLength(51);
    expect(keys[0]).toBe('S:s');
    expect(keys[1]).toBe('k/000');
    expect(keys).not.toContain('k/999');
    await store.close();
  });

  it('carries other engine namespaces (versioned states) as raw entries, after the sources', async () => {
    const source = await filled();
    await source.engine.createNamespace('state:prices');
    await source.engine.write([
      { op: 'put', namespace: 'state:prices', key: Uint8Array.of(0), value: Buffer.from('meta') },
      { op: 'put', namespace: 'state:prices', key: Uint8Array.of(1, 2), value: new Uint8Array(0) },
    ]);
    await source.engine.createNamespace('other');
    const dump = await collect(dumpStore(source));
    const records: string[] = [];
    for await (const r of decodeDump(chunked(dump))) records.push(label(r));
    expect(records.slice(-5)).toEqual(['ключ', 'N:other', 'N:state:prices', 'R:00', 'R:0102']);
    const target = await memoryStore();
    expect(await loadDump(target, chunked(dump))).toMatchObject({ sources: 3, namespaces: 2, entries: 2, entryBytes: 4 });
    expect(Buffer.from((await target.engine.get('state:prices', Uint8Array.of(0)))!).toString()).toBe('meta');
    expect(await target.engine.hasNamespace('other')).toBe(true);
    expect(await collect(dumpStore(target))).toEqual(dump);
    // Asked for sources only, a dump leaves the other namespaces out.
    const only: string[] = [];
    for await (const r of decodeDump(dumpStore(source, { sources: ['empty'] }))) only.push(label(r));
    expect(only).toEqual(['S:empty']);
    await Promise.all([source.close(), target.close()]);
  });

  it('refuses misplaced namespace records', async () => {
    const entry: DumpRecord = { kind: 'entry', key: Uint8Array.of(1), value: Uint8Array.of(2) };
    const cases: DumpRecord[][] = [
      [entry],
      [{ kind: 'namespace', name: 'src:sneaky' }],
      [{ kind: 'namespace', name: 'bad name' }],
      [{ kind: 'namespace', name: 'n' }, { kind: 'source', name: 's' }],
      [{ kind: 'namespace', name: 'n' }, entry, entry],
      [{ kind: 'source', name: 's' }, entry],
    ];
    for (const records of cases) expect(await codeOfAsync(collect(encodeDump(records)))).toBe('DUMP_MALFORMED');
  });

  it('copies a store, refusing a corrupt block with STORE_CORRUPT', async () => {
    const from = await filled();
    const to = await memoryStore();
    expect(await copyStore(from, to)).toMatchObject({ sources: 3, blocks: 5 });
    expect(await contents(to)).toEqual(await contents(from));
    const bad = Buffer.from(Block.from([1, 2, 3]).bytes);
    bad[bad.length - 1]! ^= 1;
    await from.engine.put('src:nums', Buffer.from('zz'), bad);
    const err = await copyStore(from, await memoryStore()).catch((e: unknown) => e);
    expect(isKeeprError(err, 'STORE_CORRUPT')).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({ source: 'nums', key: 'zz' });
    await Promise.all([from.close(), to.close()]);
  });
});
