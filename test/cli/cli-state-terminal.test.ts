// `keepr state get` on a terminal shows a readable view (as `keepr get` does, with the same
// code): the JSON view of block values, text or a hex dump of raw bytes; binary only to a pipe,
// with -o - or -o FILE, or --raw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block, blockToJSON } from '../../src/block/index.js';
import { terminalBytesView } from '../../src/cli/lib/terminal-view.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

const TTY = { env: { KEEPR_FORCE_TTY: '1' } };
const TENSOR = Block.create({ type: 'int32', shape: [2, 2], data: [1, 2, 3, 4] });
const BINARY = Uint8Array.of(0, 1, 0x41, 0x1b, 0xff, 0x4b, 0x50, 0x42, 0x4b, 0x0a, 0x7e, 0x7f, 0x20, 0x61, 0x62, 0x63, 0x64, 0x65);
const PNG = Block.file(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 1), 'image/png');

async function stateStore(): Promise<string> {
  const dir = join(makeTmpDir(), 'db');
  const store = await open(dir);
  try {
    const state = await store.state('s');
    await state.apply([
      { op: 'put', tree: 't', key: 'tensor', value: TENSOR },
      { op: 'put', tree: 't', key: 'text', value: new TextEncoder().encode('hello\nworld') },
      { op: 'put', tree: 't', key: 'binary', value: BINARY },
      { op: 'put', tree: 't', key: 'png', value: PNG },
    ]);
  } finally {
    await store.close();
  }
  return dir;
}

describe('keepr state get on a terminal', () => {
  it('shows the JSON view of a block, the text of UTF-8 bytes, a hex dump of other bytes', async () => {
    const dir = await stateStore();
    const tensor = ok(['state', 'get', 's', 't', 'tensor', '--dir', dir], TTY);
    expect(JSON.parse(tensor.toString()) as unknown).toEqual(blockToJSON(TENSOR));
    expect(ok(['state', 'get', 's', 't', 'text', '--dir', dir], TTY).toString()).toBe('hello\nworld\n');
    const dump = ok(['state', 'get', 's', 't', 'binary', '--dir', dir], TTY);
    expect(dump.includes(0)).toBe(false);
    expect(dump.includes(0x1b)).toBe(false);
    expect(dump.toString()).toBe(
      '00000000  00 01 41 1b ff 4b 50 42 4b 0a 7e 7f 20 61 62 63  |..A..KPBK.~. abc|\n' +
        '00000010  64 65                                            |de|\n' +
        '18 bytes (its content is not UTF-8 text); write them with: keepr state get s t binary -H 0 -o FILE  (or: keepr state get s t binary -H 0 -o -)\n',
    );
    const png = ok(['state', 'get', 's', 't', 'png', '--dir', dir], TTY).toString();
    expect(png).toMatch(/^file block: image\/png, 6 bytes, hash [0-9a-f]{64}\n/);
    expect(png).toContain('keepr state get s t png -H 0 --raw > FILE');
  });

  it('writes the bytes to a pipe, with -o - or -o FILE, and the content with --raw', async () => {
    const dir = await stateStore();
    expect(ok(['state', 'get', 's', 't', 'binary', '--dir', dir])).toEqual(Buffer.from(BINARY));
    expect(ok(['state', 'get', 's', 't', 'tensor', '--dir', dir])).toEqual(Buffer.from(TENSOR.bytes));
    expect(ok(['state', 'get', 's', 't', 'binary', '-o', '-', '--dir', dir], TTY)).toEqual(Buffer.from(BINARY));
    expect(ok(['state', 'get', 's', 't', 'png', '--raw', '--dir', dir], TTY)).toEqual(Buffer.from(PNG.data()));
    const file = join(makeTmpDir(), 'value');
    expect(ok(['state', 'get', 's', 't', 'tensor', '-o', file, '--dir', dir], TTY).length).toBe(0);
    expect(readFileSync(file)).toEqual(Buffer.from(TENSOR.bytes));
  });

  it('dumps at most 4 KiB and says how many bytes it left out', () => {
    const view = terminalBytesView(new Uint8Array(5000).fill(0xff), 'keepr state get s t k');
    expect(view.split('\n')).toHaveLength(256 + 3);
    expect(view).toContain('… 904 more bytes\n5000 bytes');
    expect(terminalBytesView(new Uint8Array(0), 'x')).toBe('');
  });
});
