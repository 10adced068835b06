export { BlockStore, blockCacheFor, type BlockStoreOptions, type SourceOptions, type StoreStats } from './store.js';
export { DEFAULT_CACHE_LIMITS, type CacheOptions, type StoreCacheStats } from './store-cache.js';
export { BlockCache, DEFAULT_CACHE_POLICY, DEFAULT_CACHE_SAMPLES, type BlockCacheOptions, type BlockCacheStats, type CachePolicy, type EvictReason } from './block-cache.js';
export {
  Source,
  LIST_DEFAULT_LIMIT,
  LIST_MAX_LIMIT,
  type DeleteOptions,
  type EntriesOptions,
  type ListOptions,
  type GetSyncOptions,
  type ListPage,
  type ListPageOf,
  type ListedBlock,
  type PutOptions,
  type SourceOp,
  type TransactOp,
  type TransactResult,
  type WriteMode,
} from './source.js';
export { Batch } from './batch.js';
export {
  KEY_TEXT_ENCODINGS,
  assertAnyKey,
  keyBytes,
  keyFromText,
  keyId,
  keyLabel,
  keyOut,
  keyTextEncodingOf,
  keyToText,
  type Key,
  type KeyEncoding,
  type KeyOf,
  type KeyTextEncoding,
} from './keys.js';
export { encodeKeyCursor as encodeCursor } from '../util/cursor.js';
export { sourceStats, type SourceStats } from './source-stats.js';
export { NAME_RULE, MAX_KEY_BYTES, assertKey, assertName } from './names.js';
export { Volatiles, type QueueOptions, type Volatile, type VolatileKind } from './volatiles.js';
export { VolatileMap } from './volatile-map.js';
export { VOLATILE_LIST_DEFAULT_LIMIT, VOLATILE_LIST_MAX_LIMIT, type KeyPage, type VolatileListOptions, type VolatileRangeOptions } from './volatile-range.js';
export { VolatileDeque } from './volatile-deque.js';
export { VolatilePriorityQueue, DEFAULT_QUEUE_CAPACITY, type QueueEntry, type QueuePutResult } from './volatile-priority-queue.js';
export { VolatileTree, type TreeListOptions, type TreeNode } from './volatile-tree.js';
export {
  DUMP_MAGIC,
  DUMP_VERSION,
  LOAD_BATCH_BLOCKS,
  LOAD_BATCH_BYTES,
  copyStore,
  decodeDump,
  dumpStore,
  encodeDump,
  loadDump,
  loadRecords,
  storeItems,
  storeRecords,
  verifyDump,
  type DumpOptions,
  type DumpRecord,
  type DumpSummary,
  type LoadOptions,
  type StoreItemsOptions,
  type StoredItem,
} from './dump.js';
