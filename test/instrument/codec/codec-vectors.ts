// The golden vectors of the instrument codecs: inputs in a JSON form that keeps every bit
// (floats as hex bit patterns, 64-bit integers as decimal strings), shared by the script that
// writes test/fixtures/instrument-codecs.json and the test that checks it.
import type { InstrumentType } from '../../../src/instrument/instrument-types.js';

/** One golden vector. */
export interface CodecVector {
  readonly name: string;
  readonly kind: 'values' | 'times' | 'keys';
  readonly type?: InstrumentType;
  readonly input: readonly (string | number | null)[];
  readonly codec?: string;
  readonly hex: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The column a vector's JSON input stands for. */
export function inputColumn(v: Pick<CodecVector, 'kind' | 'type' | 'input'>): unknown {
  const items = v.input;
  if (v.kind === 'keys') return items.map((k) => Uint8Array.from(Buffer.from(String(k), 'hex')));
  if (v.kind === 'times') return BigInt64Array.from(items, (x) => BigInt(String(x)));
  switch (v.type) {
    case 'float64':
      return new Float64Array(BigUint64Array.from(items, (x) => BigInt(`0x${String(x)}`)).buffer);
    case 'float32':
      return new Float32Array(Uint32Array.from(items, (x) => Number.parseInt(String(x), 16)).buffer);
    case 'int64':
    case 'time':
      return BigInt64Array.from(items, (x) => BigInt(String(x)));
    case 'uint64':
      return BigUint64Array.from(items, (x) => BigInt(String(x)));
    case 'string':
    case 'factor':
      return items.slice();
    case 'int8':
      return Int8Array.from(items as number[]);
    case 'int16':
      return Int16Array.from(items as number[]);
    case 'int32':
      return Int32Array.from(items as number[]);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(items as number[]);
    case 'uint16':
      return Uint16Array.from(items as number[]);
    case 'uint32':
      return Uint32Array.from(items as number[]);
    case undefined:
      throw new Error('values vector without a type');
  }
}

/** The JSON input form of a column. */
export function inputJSON(kind: CodecVector['kind'], type: InstrumentType | undefined, column: unknown): (string | number | null)[] {
  if (kind === 'keys') return (column as Uint8Array[]).map(hex);
  if (type === 'float64') return Array.from(new BigUint64Array((column as Float64Array).slice().buffer), (b) => b.toString(16).padStart(16, '0'));
  if (type === 'float32') return Array.from(new Uint32Array((column as Float32Array).slice().buffer), (b) => b.toString(16).padStart(8, '0'));
  if (Array.isArray(column)) return column as (string | null)[];
  return Array.from(column as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? x.toString() : x));
}
