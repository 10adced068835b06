// Binary keys of a Source, shared by the embedded engines (test/keepr/source-keys.test.ts) and
// the HTTP client (test/client/source-keys.test.ts): one bytewise keyspace where string keys
// are their UTF-8, listings in memcmp order paged by cursor, and KEY_NOT_UTF8 instead of a
// lossy decoding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { StoreApi } from '../../src/client/api.js';
import { compareBytes } from '../../src/util/bytes.js';
import { codeOfAsync } from '../helpers/error-code.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytesOf = (key: string | Uint8Array): Uint8Array => (typeof key === 'string' ? new Uint8Array(Buffer.from(key, 'utf8')) : key);

/** String keys under the naming rules, and binary keys of any bytes (short, so they collide and share prefixes). */
const keyArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.stringMatching(/^[a-c0-9é][a-c0-9é]{0,3}$/),
  fc.uint8Array({ minLength: 1, maxLength: 4, min: 0x5f, max: 0x63 }),
  fc.uint8Array({ minLength: 1, maxLength: 4 }),
);

/** Runs the binary key cases on stores from `fresh`. */
export function sourceKeyCases(label: string, fresh: () => Promise<StoreApi>, runs = 25): void {
  describe(`binary keys on ${label}`, () => {
    it('mixed string and binary keys list in memcmp order, page by page, and round-trip', async () => {
      const store = await fresh();
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(keyArb, fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), async (puts, limit, reverse) => {
          const src = await store.source(`s${round++}`);
          const model = new Map<string, { bytes: Uint8Array; value: number }>();
          await src.write(puts.map(([key, value]) => ({ op: 'put' as const, key, block: Block.from(value) })));
          for (const [key, value] of puts) model.set(hex(bytesOf(key)), { bytes: bytesOf(key), value });
          const expected = [...model.values()].sort((a, b) => compareBytes(a.bytes, b.bytes));
          if (reverse) expected.reverse();
          // Pages of `limit`, continued by cursor, list every key once, in order.
          const listed: Uint8Array[] = [];
          let cursor: string | undefined;
          do {
            const page = await src.list({ keyEncoding: 'binary', limit, reverse, ...(cursor === undefined ? {} : { cursor }) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            listed.push(...page.items.map((item) => item.key));
            cursor = page.cursor;
          } while (cursor !== undefined);
          expect(listed.map(hex)).toEqual(expected.map((e) => hex(e.bytes)));
          const scanned: [string, unknown][] = [];
          for await (const [key, block] of src.entries({ keyEncoding: 'binary', reverse })) scanned.push([hex(key), block.toJS()]);
          expect(scanned).toEqual(expected.map((e) => [hex(e.bytes), e.value]));
          // Every key reads back by its bytes.
          const blocks = await src.getMany(expected.map((e) => e.bytes));
          expect(blocks.map((b) => b?.toJS())).toEqual(expected.map((e) => e.value));
        }),
        { numRuns: runs },
      );
    });

    it('a string key and its UTF-8 bytes are the same key', async () => {
      const src = await (await fresh()).source('s');
      await src.put('a', Block.from(1));
      expect((await src.get(Uint8Array.of(0x61)))?.toJS()).toBe(1);
      await src.put(Buffer.from('ключ'), Block.from(2));
      expect((await src.get('ключ'))?.toJS()).toBe(2);
      expect(await src.has(Uint8Array.of(0x61))).toBe(true);
      expect(await src.delete(Uint8Array.of(0x61))).toBe(true);
      expect(await src.get('a')).toBeUndefined();
      expect((await src.list()).items.map((i) => i.key)).toEqual(['ключ']);
    });

    it('bounds and prefixes are bytes too, and string and binary bounds mix', async () => {
      const src = await (await fresh()).source('s');
      const keys = [Uint8Array.of(0x00), Uint8Array.of(0x61, 0x00), Uint8Array.of(0x61, 0xff), Uint8Array.of(0x62), Uint8Array.of(0xff, 0xff)];
      await src.write([...keys.map((key, i) => ({ op: 'put' as const, key, block: Block.from(i) })), { op: 'put', key: 'a', block: Block.from(9) }]);
      const listed = async (options: Parameters<typeof src.list>[0]): Promise<string[]> => (await src.list({ ...options, keyEncoding: 'binary' })).items.map((i) => hex(i.key));
      expect(await listed({ prefix: Uint8Array.of(0x61) })).toEqual(['61', '6100', '61ff']);
      expect(await listed({ prefix: 'a' })).toEqual(['61', '6100', '61ff']);
      expect(await listed({ gt: 'a', lt: Uint8Array.of(0xff) })).toEqual(['6100', '61ff', '62']);
      expect(await listed({ gte: Uint8Array.of(0x61, 0xff), reverse: true })).toEqual(['ffff', '62', '61ff']);
      const page = await src.list({ prefix: Uint8Array.of(0x61), limit: 1, keyEncoding: 'binary' });
      expect(await listed({ prefix: Uint8Array.of(0x61), cursor: page.cursor! })).toEqual(['6100', '61ff']);
    });

    it('batches, transactions and conditions take binary keys', async () => {
      const src = await (await fresh()).source('s');
      const key = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
      expect(await src.batch().put(key, Block.from(1)).put('x', Block.from(2)).write()).toEqual([true, true]);
      expect(await codeOfAsync(src.put(key, Block.from(3), { mode: 'if-absent' }))).toBe('WRITE_KEY_EXISTS');
      const [got, existed] = await src.transact([{ op: 'get', key }, { op: 'delete', key }]);
      expect([(got as Block).toJS(), existed]).toEqual([1, true]);
      expect(await src.has(key)).toBe(false);
    });

    it('a key that is not UTF-8 is KEY_NOT_UTF8 when asked for as a string, never decoded lossily', async () => {
      const src = await (await fresh()).source('s');
      await src.put(Uint8Array.of(0xff, 0xfe), Block.from(1));
      await src.put('ok', Block.from(2));
      expect(await codeOfAsync(src.list())).toBe('KEY_NOT_UTF8');
      expect(await codeOfAsync((async () => {
        for await (const _entry of src.entries());
      })())).toBe('KEY_NOT_UTF8');
      // Listings that skip it still work with strings.
      expect((await src.list({ prefix: 'o' })).items.map((i) => i.key)).toEqual(['ok']);
      expect((await src.list({ keyEncoding: 'binary' })).items.map((i) => hex(i.key))).toEqual(['6f6b', 'fffe']);
    });

    it('rejects binary keys of 0 or more than 512 bytes with KEY_INVALID, bad options with ARGUMENT_INVALID', async () => {
      const src = await (await fresh()).source('s');
      expect(await codeOfAsync(src.put(new Uint8Array(0), Block.from(1)))).toBe('KEY_INVALID');
      expect(await codeOfAsync(src.put(new Uint8Array(513), Block.from(1)))).toBe('KEY_INVALID');
      expect(await codeOfAsync(src.get(new Uint8Array(513)))).toBe('KEY_INVALID');
      await src.put(new Uint8Array(512).fill(0xff), Block.from(1));
      expect((await src.get(new Uint8Array(512).fill(0xff)))?.toJS()).toBe(1);
      expect(await codeOfAsync(src.list({ keyEncoding: 'hex' as 'binary' }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(src.list({ gt: new Uint8Array(513) }))).toBe('ARGUMENT_INVALID');
    });
  });
}
