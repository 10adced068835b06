/**
 * Writes test/fixtures/instrument-chunks.json: golden chunks that pin the chunk format
 * (docs/instruments.md "Chunk format") on top of the codec vectors. Run it only when the format
 * changes on purpose: the test suite compares fresh encodings with the committed file.
 */
import { writeFileSync } from 'node:fs';
import { CHUNK_VECTORS, chunkHex } from '../test/instrument/chunk-vectors.js';

const out = CHUNK_VECTORS.map((v) => ({ name: v.name, hex: chunkHex(v) }));
writeFileSync(new URL('../test/fixtures/instrument-chunks.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${out.length} chunk vectors`);
