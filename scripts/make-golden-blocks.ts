/**
 * Writes test/fixtures/blocks.json: the golden vectors that pin the block format. Run it only
 * when the format changes on purpose (and bump the format version then): the test suite
 * compares freshly encoded blocks with the committed file.
 */
import { writeFileSync } from 'node:fs';
import { Block, blockInitFromJSON, type BlockJSON } from '../src/block/index.js';

type Input = Omit<BlockJSON, 'hash' | 'shape'> & { shape?: number[] };

const cases: { name: string; input: Input }[] = [
  { name: 'float64 scalar', input: { type: 'float64', shape: [], data: 3.141592653589793 } },
  { name: 'int32 vector with NA', input: { type: 'int32', data: [1, -2, null] } },
  { name: 'float64 matrix with NA and NaN', input: { type: 'float64', data: [[1.5, null, 'NaN'], [-0.25, 'Infinity', 1e300]] } },
  { name: 'bool with NA', input: { type: 'bool', data: [true, false, null] } },
  { name: 'time vector', input: { type: 'time', data: ['2024-02-29T12:00:00.000001Z', '1970-01-01T00:00:00.000000Z', null] } },
  { name: 'uint8 image 2x2x3', input: { type: 'uint8', data: [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [16, 32, 48]]] } },
  { name: 'strings with empty and NA', input: { type: 'string', data: ['', null, 'héllo', '日本'] } },
  { name: 'unordered factor', input: { type: 'factor', levels: ['red', 'green'], data: ['green', 'red', null, 'green'] } },
  { name: 'ordered factor', input: { type: 'factor', levels: ['low', 'mid', 'high'], ordered: true, data: ['high', 'low'] } },
  {
    name: 'html file with url and language',
    input: {
      type: 'bytes',
      data: Buffer.from('<!doctype html><p>keepr</p>\n').toString('base64'),
      attributes: { mime: 'text/html; charset=utf-8', url: '/index.html', language: 'en' },
    },
  },
  {
    name: 'tuple as a data frame',
    input: {
      type: 'tuple',
      items: [
        { name: 'x', block: { type: 'float64', shape: [2], data: [0.5, 2] } },
        { name: 'label', block: { type: 'string', shape: [2], data: ['a', 'b'] } },
      ],
    },
  },
  { name: 'empty int16 with user attribute', input: { type: 'int16', shape: [0], data: [], attributes: { 1000: 'note' } } },
  { name: 'uint64 and int64 extremes', input: { type: 'uint64', data: ['18446744073709551615', '0'] } },
  { name: 'int8 rank 6', input: { type: 'int8', shape: [1, 2, 1, 1, 2, 1], data: [-127, 0, 127, null] } },
  { name: 'float32 with NA', input: { type: 'float32', data: [0.5, null, -1] } },
];

const vectors = cases.map(({ name, input }) => {
  const block = Block.create(blockInitFromJSON(input));
  return { name, input, hex: Buffer.from(block.bytes).toString('hex'), hash: block.hashHex };
});
writeFileSync(new URL('../test/fixtures/blocks.json', import.meta.url), JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${vectors.length} golden blocks`);
