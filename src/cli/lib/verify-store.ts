/** `keepr verify`: checks every stored block's bytes and integrity hash, and names the bad ones. */
import { Block } from '../../block/index.js';
import { storeItems, type Store } from '../../keepr/index.js';

/** A block that failed its check. */
export interface BadBlock {
  readonly source: string;
  readonly key: string;
  /** Why: the decoder's reason (`hash mismatch`, a layout rule...). */
  readonly reason: string;
}

/** What {@link verifyStore} found. */
export interface VerifyReport {
  readonly sources: number;
  readonly blocks: number;
  readonly bytes: number;
  readonly bad: readonly BadBlock[];
}

/** Options of {@link verifyStore}. */
export interface VerifyOptions {
  /** Only these sources (each must exist). */
  readonly sources?: readonly string[];
  /** Called after each block with the running counts. */
  readonly onBlock?: (blocks: number, bytes: number) => void;
}

/**
 * Decodes every block of the store from one snapshot with full validation (layout and SHA-256
 * integrity hash) and reports each one that fails, without stopping at the first.
 */
export async function verifyStore(store: Store, options: VerifyOptions = {}): Promise<VerifyReport> {
  let sources = 0;
  let blocks = 0;
  let bytes = 0;
  const bad: BadBlock[] = [];
  for await (const item of storeItems(store, options.sources === undefined ? { namespaces: false } : { sources: options.sources })) {
    if (item.kind === 'source') sources++;
    if (item.kind !== 'bytes') continue;
    blocks++;
    bytes += item.bytes.length;
    try {
      Block.decode(item.bytes);
    } catch (err) {
      const details = (err as { details?: { reason?: unknown } }).details;
      const reason = typeof details?.reason === 'string' ? details.reason : err instanceof Error ? err.message : String(err);
      bad.push({ source: item.source, key: item.key, reason });
    }
    options.onBlock?.(blocks, bytes);
  }
  return { sources, blocks, bytes, bad };
}
