import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block, blockToJSON } from '../../src/block/index.js';
import { isTextMime, prettyJSON, shellWord, terminalView } from '../../src/cli/lib/terminal-view.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { MAIN, cleanEnv, ensureBuilt, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** The first bytes of every binary keepr block. */
const MAGIC = Buffer.from('KPBK');
/** Stands in for a terminal on stdout (the pipe of spawnSync is not one). */
const TTY = { env: { KEEPR_FORCE_TTY: '1' } };

const TENSOR = Block.create({ type: 'int32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
const BLOCKS: Record<string, Block> = {
  tensor: TENSOR,
  strings: Block.from(['a', 'b']),
  text: Block.file(Buffer.from('hello\nworld'), 'text/plain; charset=utf-8'),
  json: Block.file(Buffer.from('{"a":1}\n'), 'application/json'),
  binary: Block.file(Buffer.from([0, 1, 2, 0x4b, 0xff, 0x1b]), 'image/png'),
  escapes: Block.file(Buffer.from('red \u001b[31m text'), 'text/plain'),
  latin1: Block.file(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain'),
};

/** A store holding {@link BLOCKS} in source `s`. */
async function store(): Promise<string> {
  const dir = join(makeTmpDir(), 'db');
  const s = await open(dir);
  try {
    const source = await s.source('s');
    await source.transact(Object.entries(BLOCKS).map(([key, block]) => ({ op: 'put' as const, key, block })));
  } finally {
    await s.close();
  }
  return dir;
}

/** Asserts that terminal output holds no binary block bytes. */
function notBinary(out: Buffer, label: string): void {
  expect(out.includes(MAGIC), `${label}: block magic on the terminal`).toBe(false);
  expect(out.includes(0), `${label}: NUL bytes on the terminal`).toBe(false);
}

describe('keepr get on a terminal', () => {
  it('prints the JSON view of a non-file block, not its bytes', async () => {
    const dir = await store();
    for (const key of ['tensor', 'strings']) {
      const out = ok(['get', 's', key, '--dir', dir], TTY);
      notBinary(out, key);
      expect(JSON.parse(out.toString()) as unknown, key).toEqual(blockToJSON(BLOCKS[key]!));
      expect(JSON.parse(out.toString()) as unknown, key).toEqual(JSON.parse(ok(['get', 's', key, '--json', '--dir', dir]).toString()) as unknown);
    }
    expect(ok(['get', 's', 'tensor', '--dir', dir], TTY).toString()).toContain('\n  "data": [[1,2,3],[4,5,6]]\n');
  });

  it('prints the text of text/* and application/json file blocks', async () => {
    const dir = await store();
    expect(ok(['get', 's', 'text', '--dir', dir], TTY).toString()).toBe('hello\nworld\n');
    expect(ok(['get', 's', 'json', '--dir', dir], TTY).toString()).toBe('{"a":1}\n');
  });

  it('prints a summary and how to save other file blocks, and text that would drive the terminal', async () => {
    const dir = await store();
    for (const key of ['binary', 'escapes', 'latin1']) {
      const out = ok(['get', 's', key, '--dir', dir], TTY);
      notBinary(out, key);
      expect(out.includes(0x1b), key).toBe(false);
      const text = out.toString();
      expect(text, key).toMatch(/^file block: [^,]+, \d+ bytes, hash [0-9a-f]{64}\n/);
      expect(text, key).toContain(`keepr get s ${key} --raw > FILE`);
      expect(text, key).toContain(`keepr get s ${key} --raw --output FILE`);
    }
    expect(ok(['get', 's', 'binary', '--dir', dir], TTY).toString()).toContain('file block: image/png, 6 bytes');
  });

  it('still writes bytes on a terminal when asked: --raw, --npy, -o -, -o FILE; --json stays one line', async () => {
    const dir = await store();
    expect(ok(['get', 's', 'binary', '--raw', '--dir', dir], TTY)).toEqual(Buffer.from(BLOCKS['binary']!.data()));
    expect(ok(['get', 's', 'tensor', '-o', '-', '--dir', dir], TTY)).toEqual(Buffer.from(TENSOR.bytes));
    expect(ok(['get', 's', 'tensor', '--npy', '--dir', dir], TTY).subarray(0, 6)).toEqual(Buffer.from('\x93NUMPY', 'latin1'));
    const file = join(makeTmpDir(), 'tensor.block');
    expect(ok(['get', 's', 'tensor', '-o', file, '--dir', dir], TTY).length).toBe(0);
    expect(readFileSync(file)).toEqual(Buffer.from(TENSOR.bytes));
    expect(ok(['get', 's', 'tensor', '--json', '--dir', dir], TTY).toString()).toBe(`${JSON.stringify(blockToJSON(TENSOR))}\n`);
  });

  it('writes the exact block bytes to a pipe, as before', async () => {
    const dir = await store();
    expect(ok(['get', 's', 'tensor', '--dir', dir])).toEqual(Buffer.from(TENSOR.bytes));
    expect(ok(['get', 's', 'text', '--dir', dir])).toEqual(Buffer.from(BLOCKS['text']!.bytes));
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('in a real pseudo-terminal (script -qc), shows the JSON view and never the bytes', async () => {
    const dir = await store();
    const run = (key: string): Buffer => {
      const res = spawnSync('script', ['-qec', `${shellWord(process.execPath)} ${shellWord(MAIN)} get s ${key} --dir ${shellWord(dir)}`, '/dev/null'], { input: '', env: cleanEnv(), timeout: 30_000 });
      expect(res.status, key).toBe(0);
      return Buffer.from(res.stdout.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
    };
    const tensor = run('tensor');
    notBinary(tensor, 'tensor');
    expect(JSON.parse(tensor.toString()) as unknown).toEqual(blockToJSON(TENSOR));
    const binary = run('binary');
    notBinary(binary, 'binary');
    expect(binary.toString()).toContain('--raw > FILE');
  });
});

describe('terminal view helpers', () => {
  it('tells text MIME types, quotes shell words and keeps short arrays on one line', () => {
    expect(['text/plain', 'text/html; charset=utf-8', 'application/json', 'Application/JSON', 'application/geo+json'].every(isTextMime)).toBe(true);
    expect(['image/png', 'application/octet-stream', 'application/jsonl', 'textual/x'].some(isTextMime)).toBe(false);
    expect(shellWord('a/b.txt')).toBe('a/b.txt');
    expect(shellWord("it's here")).toBe(`'it'\\''s here'`);
    const value = { a: [1, 2], b: { c: [[1], [2]] }, d: {}, e: undefined, long: Array.from({ length: 40 }, () => [1, 2, 3]) };
    const text = prettyJSON(value);
    expect(JSON.parse(text) as unknown).toEqual(JSON.parse(JSON.stringify(value)) as unknown);
    expect(text).toContain('"a": [1,2]');
    expect(text).toContain('\n    [1,2,3],\n');
    expect(terminalView(Block.file(new Uint8Array(0), 'text/plain'), 'keepr get s k')).toBe('');
  });
});
