import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block, decodeNpy, encodeNpy, readNpyHeader, type BlockInit } from '../../src/block/index.js';
import { isKeeprError } from '../../src/errors.js';
import { codeOf } from '../helpers/error-code.js';
import { tensorInitArb } from './arbitraries.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * Golden files written by hand from the format description in numpy.lib.format: magic
 * `\x93NUMPY`, version, little-endian HEADER_LEN, the dict padded with spaces to a multiple of
 * 64 bytes ending in `\n`, then the data.
 */
const GOLDEN = {
  // np.save of np.array([1, 2, -3], dtype='<i4'): 10 + 118 = 128 header bytes ('v' = 0x76 = 118).
  int32: Buffer.concat([
    hex('93 4e 55 4d 50 59  01 00  76 00'),
    ascii(`{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }${' '.repeat(60)}\n`),
    hex('01000000 02000000 fdffffff'),
  ]),
  // A 2x2 bool matrix [[True, False], [False, True]]; 10 + 54 + 63 spaces + 1 = 128.
  bool: Buffer.concat([
    hex('93 4e 55 4d 50 59  01 00  76 00'),
    ascii(`{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }${' '.repeat(58)}\n`),
    hex('01 00 00 01'),
  ]),
  // Version 2.0 (u32 HEADER_LEN), big-endian float64, Fortran order, shape (2, 3): the matrix
  // [[1, 2, 3], [4, 5, 6]] stored column by column: 1 4 2 5 3 6.
  fortranBigEndian: Buffer.concat([
    hex('93 4e 55 4d 50 59  02 00  74 00 00 00'),
    ascii(`{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }${' '.repeat(57)}\n`),
    hex('3ff0000000000000 4010000000000000 4000000000000000 4014000000000000 4008000000000000 4018000000000000'),
  ]),
  // Version 3.0 (UTF-8 header), unicode strings '<U2' of ['hé', 'x'] (NUL-padded UCS-4).
  unicode: Buffer.concat([
    hex('93 4e 55 4d 50 59  03 00  74 00 00 00'),
    ascii(`{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }${' '.repeat(58)}\n`),
    hex('68000000 e9000000  78000000 00000000'),
  ]),
};

describe('.npy golden files', () => {
  it('have the lengths the format prescribes (data aligned to 64 bytes)', () => {
    for (const [name, bytes] of Object.entries(GOLDEN)) {
      const header = readNpyHeader(bytes);
      expect(header.dataOffset % 64, name).toBe(0);
    }
  });

  it('reads little-endian int32 and bool files', () => {
    const ints = decodeNpy(GOLDEN.int32);
    expect(ints.type).toBe('int32');
    expect(ints.shape).toEqual([3]);
    expect(ints.toJS()).toEqual([1, 2, -3]);
    const bools = decodeNpy(GOLDEN.bool);
    expect(bools.type).toBe('bool');
    expect(bools.toJS()).toEqual([[true, false], [false, true]]);
  });

  it('writes exactly the bytes NumPy writes', () => {
    expect(Buffer.from(encodeNpy(Block.create({ type: 'int32', data: [1, 2, -3] })))).toEqual(GOLDEN.int32);
    expect(Buffer.from(encodeNpy(Block.create({ type: 'bool', shape: [2, 2], data: [true, false, false, true] })))).toEqual(GOLDEN.bool);
  });

  it('swaps big-endian data and transposes Fortran order to row-major', () => {
    const header = readNpyHeader(GOLDEN.fortranBigEndian);
    expect(header).toMatchObject({ version: '2.0', descr: '>f8', fortranOrder: true, shape: [2, 3] });
    const block = decodeNpy(GOLDEN.fortranBigEndian);
    expect(block.type).toBe('float64');
    expect(block.toJS()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('reads version 3.0 headers and unicode strings', () => {
    const block = decodeNpy(GOLDEN.unicode);
    expect(block.type).toBe('string');
    expect(block.toJS()).toEqual(['hé', 'x']);
    expect(Buffer.from(encodeNpy(block)).subarray(128)).toEqual(GOLDEN.unicode.subarray(128));
  });
});

/** A .npy file built from a header dict and little-endian data (for dtypes keepr never writes). */
function npy(dict: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const pad = 64 - ((prefix + dict.length + 1) % 64);
  const header = Buffer.alloc(prefix);
  hex('934e554d5059').copy(header);
  header[6] = major;
  if (major === 1) header.writeUInt16LE(dict.length + pad + 1, 8);
  else header.writeUInt32LE(dict.length + pad + 1, 8);
  return Buffer.concat([header, ascii(`${dict}${' '.repeat(pad)}\n`), data]);
}

const dictOf = (descr: string, shape: string, fortran = 'False'): string => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
const i64le = (...values: bigint[]): Buffer => Buffer.from(new BigInt64Array(values).buffer);

describe('.npy dtypes', () => {
  it('maps every integer and float width, in both byte orders', () => {
    const cases: [string, string, number[]][] = [
      ['|i1', 'int8', [-5, 7]],
      ['<i2', 'int16', [-300, 300]],
      ['>i2', 'int16', [-300, 300]],
      ['>i4', 'int32', [-70000, 70000]],
      ['|u1', 'uint8', [0, 255]],
      ['<u2', 'uint16', [0, 65535]],
      ['>u4', 'uint32', [1, 4294967295]],
      ['<f4', 'float32', [1.5, -2.25]],
      ['>f4', 'float32', [1.5, -2.25]],
    ];
    for (const [descr, type, values] of cases) {
      const size = Number(descr.slice(2));
      const data = Buffer.alloc(size * values.length);
      values.forEach((v, i) => {
        const be = descr.startsWith('>');
        if (descr[1] === 'f') {
          if (be) data.writeFloatBE(v, 4 * i);
          else data.writeFloatLE(v, 4 * i);
        } else if (descr[1] === 'i') {
          if (be) data.writeIntBE(v, size * i, size);
          else data.writeIntLE(v, size * i, size);
        } else if (be) {
          data.writeUIntBE(v, size * i, size);
        } else {
          data.writeUIntLE(v, size * i, size);
        }
      });
      const block = decodeNpy(npy(dictOf(descr, '(2,)'), data));
      expect.soft(block.type, descr).toBe(type);
      expect.soft(block.toJS(), descr).toEqual(values);
    }
    const be64 = Buffer.alloc(16);
    be64.writeBigInt64BE(-(2n ** 40n), 0);
    be64.writeBigUInt64BE(2n ** 63n, 8);
    expect(decodeNpy(npy(dictOf('>i8', '(1,)'), be64.subarray(0, 8))).toJS()).toEqual([-(2n ** 40n)]);
    expect(decodeNpy(npy(dictOf('>u8', '(1,)'), be64.subarray(8))).toJS()).toEqual([2n ** 63n]);
  });

  it('widens float16 to float32', () => {
    const block = decodeNpy(npy(dictOf('<f2', '(4,)'), hex('003c 00c1 007c 0100')));
    expect(block.type).toBe('float32');
    expect(block.toJS()).toEqual([1, -2.5, Infinity, 2 ** -24]);
  });

  it('reads non-zero bool bytes as true', () => {
    expect(decodeNpy(npy(dictOf('|b1', '(3,)'), hex('00 02 ff'))).toJS()).toEqual([false, true, true]);
  });

  it('converts datetime64 of every unit to microseconds, NaT to NA, sub-microseconds by floor', () => {
    const nat = -(2n ** 63n);
    const t = (descr: string, ...ticks: bigint[]): unknown => decodeNpy(npy(dictOf(descr, `(${ticks.length},)`), i64le(...ticks))).toJS();
    expect(t('<M8[us]', 1n, nat)).toEqual([1n, null]);
    expect(t('<M8[ns]', 1500n, -1500n, nat)).toEqual([1n, -2n, null]);
    expect(t('<M8[s]', 86400n)).toEqual([86_400_000_000n]);
    expect(t('<M8[10ms]', 3n)).toEqual([30_000n]);
    expect(t('<M8[D]', 19783n)).toEqual([BigInt(Date.UTC(2024, 2, 1)) * 1000n]);
    expect(t('<M8[Y]', 54n, -1n)).toEqual([BigInt(Date.UTC(2024, 0, 1)) * 1000n, BigInt(Date.UTC(1969, 0, 1)) * 1000n]);
    expect(t('<M8[M]', -1n, 1n)).toEqual([BigInt(Date.UTC(1969, 11, 1)) * 1000n, BigInt(Date.UTC(1970, 1, 1)) * 1000n]);
    const be = Buffer.alloc(8);
    be.writeBigInt64BE(7n);
    expect(decodeNpy(npy(dictOf('>M8[ms]', '(1,)'), be)).toJS()).toEqual([7000n]);
    expect(decodeNpy(npy(dictOf('<M8[us]', '()'), i64le(5n))).type).toBe('time');
    expect(codeOf(() => decodeNpy(npy(dictOf('<M8[D]', '(1,)'), i64le(2n ** 62n))))).toBe('NPY_UNSUPPORTED');
    expect(Buffer.from(encodeNpy(Block.create({ type: 'time', data: [1n, null] })))).toEqual(Buffer.from(npy(dictOf('<M8[us]', '(2,)'), i64le(1n, nat))));
  });

  it('transposes Fortran order for any rank', () => {
    // shape (2, 3, 2) in column-major order: element (i, j, k) sits at i + 2j + 6k.
    const c = Array.from({ length: 12 }, (_, n) => n);
    const f = new Int32Array(12);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) f[i + 2 * j + 6 * k] = c[i * 6 + j * 2 + k]!;
    const block = decodeNpy(npy(dictOf('<i4', '(2, 3, 2)', 'True'), new Uint8Array(f.buffer)));
    expect([...(block.values() as Int32Array)]).toEqual(c);
  });

  it('accepts Python 2 long integers, double quotes and old 16-byte alignment', () => {
    const dict = `{"descr": "<i2", "fortran_order": False, "shape": (2L, 1L)}`;
    const header = Buffer.alloc(10);
    hex('934e554d5059').copy(header);
    header[6] = 1;
    const text = `${dict}${' '.repeat(16 - ((10 + dict.length + 1) % 16))}\n`;
    header.writeUInt16LE(text.length, 8);
    expect(decodeNpy(Buffer.concat([header, ascii(text), hex('0100 0200')])).toJS()).toEqual([[1], [2]]);
  });

  it('rejects dtypes and shapes keepr cannot hold with NPY_UNSUPPORTED', () => {
    const cases: [string, string, number][] = [
      ['<c16', '(1,)', 16],
      ['|O', '(1,)', 8],
      ['|S3', '(1,)', 3],
      ['<m8[s]', '(1,)', 8],
      ['<M8', '(1,)', 8],
      ['=f8', '(1,)', 8],
      ['<f8', '(1, 1, 1, 1, 1, 1, 1)', 8],
      ['<f8', '(0, 100000)', 0],
    ];
    for (const [descr, shape, bytes] of cases) {
      expect.soft(codeOf(() => decodeNpy(npy(dictOf(descr, shape), new Uint8Array(bytes)))), `${descr} ${shape}`).toBe('NPY_UNSUPPORTED');
    }
    const structured = `{'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (1,), }`;
    expect(codeOf(() => decodeNpy(npy(structured, new Uint8Array(12))))).toBe('NPY_UNSUPPORTED');
    expect(codeOf(() => encodeNpy(Block.create({ type: 'bool', data: [true, null] })))).toBe('NPY_UNSUPPORTED');
    expect(codeOf(() => encodeNpy(Block.create({ type: 'string', data: ['a', null] })))).toBe('NPY_UNSUPPORTED');
    expect(codeOf(() => encodeNpy(Block.tuple({ a: Block.from(1) })))).toBe('NPY_UNSUPPORTED');
  });

  it('rejects malformed files with NPY_MALFORMED', () => {
    const good = GOLDEN.int32;
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['bad magic', Buffer.concat([ascii('xNUMPY'), good.subarray(6)])],
      ['version 4.0', Buffer.concat([good.subarray(0, 6), hex('0400'), good.subarray(8)])],
      ['truncated header', good.subarray(0, 60)],
      ['truncated data', good.subarray(0, good.length - 1)],
      ['trailing data', Buffer.concat([good, hex('00')])],
      ['missing key', npy(`{'descr': '<i4', 'shape': (3,), }`, new Uint8Array(12))],
      ['extra key', npy(`{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'x': 1, }`, new Uint8Array(12))],
      ['repeated key', npy(`{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (3,), }`, new Uint8Array(12))],
      ['negative dim', npy(dictOf('<i4', '(-3,)'), new Uint8Array(12))],
      ['fortran not bool', npy(dictOf('<i4', '(3,)', '0'), new Uint8Array(12))],
      ['not a dict', npy(`('<i4', False, (3,))`, new Uint8Array(12))],
      ['unterminated', npy(`{'descr': '<i4`, new Uint8Array(12))],
      ['deep nesting', npy(`{'descr': ${'['.repeat(40)}`, new Uint8Array(0))],
      ['bad code point', npy(dictOf('<U1', '(1,)'), hex('00d80000'))],
      ['non-ASCII v1 header', npy(`{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'é': 1}`, new Uint8Array(12))],
    ];
    for (const [name, bytes] of cases) expect.soft(codeOf(() => decodeNpy(bytes)), name).toBe('NPY_MALFORMED');
  });
});

/** Blocks whose every cell has a .npy form (no tuples, no bool or string NA, no trailing NUL). */
const npyableArb = tensorInitArb
  .filter((init) => init.type !== 'tuple')
  .map((init): BlockInit => ({ ...init, attributes: undefined }))
  .filter((init) => {
    const cells = Array.from(init.data as ArrayLike<unknown>);
    if (init.type === 'bool' || init.type === 'string' || init.type === 'factor') if (cells.includes(null)) return false;
    return !cells.some((c) => typeof c === 'string' && c.endsWith('\0'));
  });

describe('.npy round trips and robustness', () => {
  it('reads back what it writes (factors as their labels, bytes as uint8)', () => {
    fc.assert(
      fc.property(npyableArb, (init) => {
        const block = Block.create(init);
        const back = decodeNpy(encodeNpy(block));
        expect(back.shape).toEqual(block.shape);
        if (block.type === 'factor') expect(back.strings()).toEqual(block.strings());
        else if (block.type === 'bytes') expect(Buffer.from(back.data())).toEqual(Buffer.from(block.data()));
        else expect(Buffer.from(back.bytes)).toEqual(Buffer.from(block.bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('never crashes on truncated, mutated or random input: a block or an NPY_* code', () => {
    const valid = npyableArb.map((init) => encodeNpy(Block.create(init)));
    const damaged = fc.oneof(
      valid.chain((bytes) => fc.nat({ max: bytes.length }).map((n) => bytes.subarray(0, n))),
      valid.chain((bytes) =>
        fc.array(fc.tuple(fc.nat({ max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
          const copy = new Uint8Array(bytes);
          for (const [at, value] of edits) copy[at] = value;
          return copy;
        }),
      ),
      fc.uint8Array({ maxLength: 200 }).map((tail) => Buffer.concat([hex('934e554d5059'), tail])),
      fc.string({ maxLength: 80 }).map((dict) => npy(dict, new Uint8Array(8))),
    );
    fc.assert(
      fc.property(damaged, (bytes) => {
        try {
          decodeNpy(bytes);
        } catch (err) {
          if (!isKeeprError(err) || (err.code !== 'NPY_MALFORMED' && err.code !== 'NPY_UNSUPPORTED')) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
