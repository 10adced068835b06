/** A source's block count and summed block sizes, shared by the CLI's `stat` and the server's source route. */
import type { Source } from './source.js';
import { LIST_MAX_LIMIT } from './source-types.js';

/** What {@link sourceStats} reports. */
export interface SourceStats {
  readonly source: string;
  readonly blocks: number;
  /** Sum of the blocks' byte lengths. */
  readonly byteLength: number;
}

/** Counts a source's blocks and their bytes, one listing page at a time (headers only, no data). */
export async function sourceStats(source: Source): Promise<SourceStats> {
  let blocks = 0;
  let byteLength = 0;
  let cursor: string | undefined;
  do {
    // Keys as bytes: the stat must not stop at a key that is not UTF-8.
    const page = await source.list({ limit: LIST_MAX_LIMIT, keyEncoding: 'binary', ...(cursor === undefined ? {} : { cursor }) });
    blocks += page.items.length;
    for (const item of page.items) byteLength += item.byteLength;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { source: source.name, blocks, byteLength };
}
