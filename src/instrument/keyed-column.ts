/** A keyed column instrument: values at unique keys ordered bytewise, stored in chunks. */
import { boundBytes, keyOut, keyEncodingOption, prefixBytes } from '../keepr/keys.js';
import { compareBytes, prefixUpperBound } from '../util/bytes.js';
import type { ChunkedColumn, IndexRange } from './chunked-column.js';
import { indexRange, readColumn } from './column-read.js';
import { KEY_INDEX, keysIn, sortOrder } from './instrument-index.js';
import { columnInfo } from './instrument-info.js';
import type {
  InstrumentInfo,
  InstrumentKey,
  InstrumentType,
  InstrumentValuesInput,
  InstrumentValuesMap,
  InstrumentWriteReport,
  KeyRange,
  KeyedColumnApi,
  KeyedRows,
} from './instrument-types.js';
import { pickValues, valuesIn } from './instrument-values.js';

/** A key range's bounds (a prefix folded in), checked, as bytes. */
export function keyRange(range: Omit<KeyRange, 'keyEncoding'>): IndexRange<Uint8Array> {
  const r = indexRange(range, (b, name) => boundBytes(b, name), (x, y) => compareBytes(x, y));
  if (range.prefix === undefined) return r;
  const prefix = prefixBytes(range.prefix);
  return merge(r, prefix, prefixUpperBound(prefix));
}

function merge(r: IndexRange<Uint8Array>, prefix: Uint8Array, upper: Uint8Array | undefined): IndexRange<Uint8Array> {
  const lower = r.lower === undefined || KEY_INDEX.compare(r.lower.e, prefix) < 0 ? { e: prefix, inclusive: true } : r.lower;
  const up = upper === undefined ? r.upper : r.upper === undefined || KEY_INDEX.compare(r.upper.e, upper) >= 0 ? { e: upper, inclusive: false } : r.upper;
  return { ...r, lower, upper: up };
}

/** A keyed column over its chunked column. */
export class KeyedColumn<T extends InstrumentType = InstrumentType> implements KeyedColumnApi<T> {
  readonly index = 'key' as const;

  constructor(
    readonly column: ChunkedColumn<Uint8Array[], Uint8Array>,
    readonly name: string,
    readonly type: T,
  ) {}

  /** Writes values at keys (equal keys: the last given wins), atomically. */
  async put(keys: readonly InstrumentKey[], values: InstrumentValuesInput): Promise<InstrumentWriteReport> {
    const k = keysIn(keys);
    const v = valuesIn(this.type, values, k.length);
    if (k.length === 0) return { points: 0, chunks: 0 };
    const order = sortOrder(KEY_INDEX, k);
    if (order === undefined) return this.column.write(k, v);
    return this.column.write(KEY_INDEX.pick(k, order), pickValues(this.type, v, order));
  }

  /** Rows in a key range, forward or reverse, up to a limit. */
  async read(range: KeyRange = {}): Promise<KeyedRows<T>> {
    const encoding = keyEncodingOption(range.keyEncoding ?? 'utf8');
    const r = keyRange(range);
    const rows = await this.column.consistent(() => readColumn(this.column, r));
    const keys = encoding === 'binary' ? rows.index : rows.index.map((k) => keyOut(k, 'utf8'));
    return { keys: keys, values: rows.values as InstrumentValuesMap[T] };
  }

  /** Deletes the rows in a key range; returns how many. */
  async delete(range: Omit<KeyRange, 'reverse' | 'limit' | 'keyEncoding'>): Promise<number> {
    const r = keyRange(range);
    return this.column.delete({ lower: r.lower, upper: r.upper });
  }

  /** Counts, bytes and the first and last key (base64url). */
  async info(): Promise<InstrumentInfo> {
    return columnInfo(this.column, this.name, async () => {
      let first: string | null = null;
      let last: string | null = null;
      for await (const c of this.column.chunksOver({})) {
        first = Buffer.from(KEY_INDEX.fromChunkKey(c.key)).toString('base64url');
        break;
      }
      for await (const c of this.column.chunksOver({}, true)) {
        const keys = this.column.columns(c).index;
        last = Buffer.from(keys[keys.length - 1]!).toString('base64url');
        break;
      }
      return [first, last];
    });
  }
}
