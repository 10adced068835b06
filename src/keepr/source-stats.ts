/** A source's block count and bytes, shared by the CLI's `stat` and the server's source route. */
import { LIST_MAX_LIMIT, type Source } from './source.js';

/** What {@link sourceStats} reports. */
export interface SourceStats {
  readonly source: string;
  readonly blocks: number;
  readonly bytes: number;
}

/** Counts a source's blocks and their bytes, one listing page at a time (headers only, no data). */
export async function sourceStats(source: Source): Promise<SourceStats> {
  let blocks = 0;
  let bytes = 0;
  let cursor: string | undefined;
  do {
    const page = await source.list({ limit: LIST_MAX_LIMIT, ...(cursor === undefined ? {} : { cursor }) });
    blocks += page.items.length;
    for (const item of page.items) bytes += item.byteLength;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { source: source.name, blocks, bytes };
}
