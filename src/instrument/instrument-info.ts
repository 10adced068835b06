/** The facts `info()` reports, shared by both index kinds. */
import type { ChunkedColumn } from './chunked-column.js';
import type { InstrumentInfo } from './instrument-types.js';

/** Counts and bytes from the head record, first and last index entry from `ends`. */
export async function columnInfo<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array>(
  column: ChunkedColumn<A, E>,
  name: string,
  ends: () => Promise<[string | null, string | null]>,
): Promise<InstrumentInfo> {
  return column.consistent(async () => {
    const counts = await column.counts();
    const [first, last] = await ends();
    return { name, type: column.type, index: column.ops.kind, points: counts.points, chunks: counts.chunks, bytes: counts.bytes, first, last };
  });
}
