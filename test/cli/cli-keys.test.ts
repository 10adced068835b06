// `--key-encoding utf8|hex|base64url` on get, put, rm and ls: binary keys from the command line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

describe('keepr --key-encoding', () => {
  it('puts, gets, lists and removes blocks under binary keys', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const file = join(tmp, 'v.json');
    writeFileSync(file, JSON.stringify({ type: 'int32', data: [7] }));
    const put = JSON.parse(ok(['put', 's', '00ff', file, '--from', 'json', '--key-encoding', 'hex', '--json', '--dir', dir]).toString()) as { key: string };
    expect(put.key).toBe('00ff');
    ok(['put', 's', 'a', file, '--from', 'json', '--dir', dir]);
    // The same block by its base64url key, and "a" by its hex bytes.
    expect(Block.decode(ok(['get', 's', Buffer.of(0x00, 0xff).toString('base64url'), '--key-encoding', 'base64url', '--dir', dir])).toJS()).toEqual([7]);
    expect(Block.decode(ok(['get', 's', '61', '--key-encoding', 'hex', '--dir', dir])).toJS()).toEqual([7]);
    expect(ok(['ls', 's', '--key-encoding', 'hex', '--dir', dir]).toString()).toBe('00ff\n61\n');
    const page = JSON.parse(ok(['ls', 's', '--key-encoding', 'base64url', '--limit', '1', '--json', '--dir', dir]).toString()) as { items: { key: string }[]; cursor: string };
    expect(page.items.map((i) => i.key)).toEqual(['AP8']);
    expect(ok(['ls', 's', '--key-encoding', 'hex', '--prefix', '00', '--dir', dir]).toString()).toBe('00ff\n');
    // Listed as utf8, a key that is not UTF-8 is an error with a hint, never mangled.
    const res = fails(['ls', 's', '--dir', dir], 1, 'KEY_NOT_UTF8');
    expect(res.stderr).toContain('hex');
    ok(['rm', 's', '00ff', '--key-encoding', 'hex', '--dir', dir]);
    expect(ok(['ls', 's', '--dir', dir]).toString()).toBe('a\n');
    const store = await open(dir);
    try {
      expect(await (await store.source('s')).has(Uint8Array.of(0x00, 0xff))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('refuses key text that is not its encoding (KEY_INVALID) and unknown encodings', () => {
    const dir = join(makeTmpDir(), 'db');
    ok(['put', 's', 'k', '--from', 'json', '--dir', dir], { input: '1' });
    fails(['get', 's', 'xyz', '--key-encoding', 'hex', '--dir', dir], 1, 'KEY_INVALID');
    fails(['rm', 's', 'a=', '--key-encoding', 'base64url', '--dir', dir], 1, 'KEY_INVALID');
    fails(['put', 's', '', '--key-encoding', 'hex', '--from', 'json', '--dir', dir], 1, 'KEY_INVALID', { input: '1' });
    fails(['ls', 's', '--key-encoding', 'hex', '--prefix', 'q', '--dir', dir], 1, 'KEY_INVALID');
    expect(ok(['get', 's', '6b', '--key-encoding', 'hex', '--json', '--dir', dir]).toString()).toContain('"data":1');
  });
});
