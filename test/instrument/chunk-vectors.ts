/** The inputs of the golden chunk vectors (scripts/make-chunk-vectors.ts writes their bytes). */
import { encodeChunk } from '../../src/instrument/chunk.js';
import type { InstrumentIndex, InstrumentType, InstrumentValues } from '../../src/instrument/instrument-types.js';

/** One golden chunk: what goes in. */
export interface ChunkVector {
  readonly name: string;
  readonly type: InstrumentType;
  readonly kind: InstrumentIndex;
  readonly index: BigInt64Array | Uint8Array[];
  readonly values: InstrumentValues;
}

const NA_F64 = new Float64Array(BigUint64Array.of(0x7ff00000000007a2n).buffer)[0]!;
const minutes = (n: number, from: bigint): BigInt64Array => BigInt64Array.from({ length: n }, (_, i) => from + BigInt(i) * 60_000_000n);

/** Every golden chunk. */
export const CHUNK_VECTORS: readonly ChunkVector[] = [
  { name: 'float64 series with NA', type: 'float64', kind: 'time', index: minutes(6, 1_700_000_000_000_000n), values: Float64Array.from([21.5, 21.75, NA_F64, 22, 21.25, 20.5]) },
  { name: 'float64 series before 1970', type: 'float64', kind: 'time', index: BigInt64Array.of(-2_840_140_800_000_000n, -2_808_604_800_000_000n), values: Float64Array.of(-0.17, -0.09) },
  { name: 'int32 series', type: 'int32', kind: 'time', index: minutes(4, 0n), values: Int32Array.of(3, -0x80000000, 5, 7) },
  { name: 'string series', type: 'string', kind: 'time', index: minutes(3, 1n), values: ['rain', null, 'rain'] },
  { name: 'int32 keyed column', type: 'int32', kind: 'key', index: ['Ames', 'Boone', 'Cedar Falls'].map((k) => new TextEncoder().encode(k)), values: Int32Array.of(66_000, 12_000, 40_000) },
];

/** The chunk bytes of a vector, as hex. */
export function chunkHex(v: ChunkVector): string {
  return Buffer.from(encodeChunk(v.type, v.kind, v.index, v.values)).toString('hex');
}
