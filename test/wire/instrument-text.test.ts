import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeeprError } from '../../src/errors.js';
import { INSTRUMENT_TYPES, type InstrumentType } from '../../src/instrument/instrument-types.js';
import { csvCell, csvLine, parseCsv } from '../../src/wire/csv.js';
import { decodeFrame, encodeFrame, valuesBlock } from '../../src/wire/instrument-frame.js';
import { cellJson, cellText, formatTimeIso, isNAAt, parseTimeText, setNA, valuesFromCells, emptyValues } from '../../src/wire/instrument-values.js';
import { codeOf } from '../helpers/error-code.js';

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('CSV', () => {
  it('reads quoting, CRLF, a BOM and a missing final line end; keeps "" apart from an empty field', () => {
    expect(parseCsv('\ufefftime,value\r\n1,"a ""b"",\nc"\n2,\n3,""')).toEqual([
      [{ text: 'time', quoted: false }, { text: 'value', quoted: false }],
      [{ text: '1', quoted: false }, { text: 'a "b",\nc', quoted: true }],
      [{ text: '2', quoted: false }, { text: '', quoted: false }],
      [{ text: '3', quoted: false }, { text: '', quoted: true }],
    ]);
    expect([csvCell({ text: '', quoted: false }), csvCell({ text: 'NA', quoted: false }), csvCell({ text: 'NA', quoted: true }), csvCell({ text: '', quoted: true })]).toEqual([null, null, 'NA', '']);
  });

  it('refuses broken CSV with the code asked for', () => {
    for (const text of ['a,"b\n', 'a,b"c\n', 'a,"b"c\n', 'a\n\nb\n']) expect(codeOf(() => parseCsv(text))).toBe('HTTP_BODY_MALFORMED');
    expect(codeOf(() => parseCsv('"', 'ARGUMENT_INVALID'))).toBe('ARGUMENT_INVALID');
  });

  it('reads back every line it writes (random fields, NA included)', () => {
    const field = fc.option(fc.string({ unit: 'binary' }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const text = rows.map(csvLine).join('');
        expect(parseCsv(text).map((r) => r.map(csvCell))).toEqual(rows);
      }),
    );
  });

  it('fails only with a KeeprError on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ') }), (text) => {
        try {
          parseCsv(text);
        } catch (err) {
          expect(err).toBeInstanceOf(KeeprError);
        }
      }),
    );
  });
});

describe('times as text', () => {
  it('reads µs, dates, date-times with and without zone, and refuses impossible dates', () => {
    expect(parseTimeText('1709251200000000')).toBe(1709251200000000n);
    expect(parseTimeText('2024-03-01')).toBe(1709251200000000n);
    expect(parseTimeText('2024-03-01T00:00:00.000001Z')).toBe(1709251200000001n);
    expect(parseTimeText('2024-03-01 01:00:00+01:00')).toBe(1709251200000000n);
    expect(parseTimeText('0001-01-01')).toBe(-62135596800000000n);
    for (const text of ['2024-02-30', '2024-13-01', '2024-03-01T24:00', 'yesterday', '1.5', '', '-9223372036854775808', '9223372036854775808']) {
      expect(codeOf(() => parseTimeText(text))).toBe('INSTRUMENT_VALUES_INVALID');
    }
  });

  it('ISO text of any time in years 1-9999 reads back as the same µs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n }), (us) => {
        expect(parseTimeText(formatTimeIso(us))).toBe(us);
      }),
    );
  });
});

describe('cells', () => {
  it('every type reads its text form back, NA included', () => {
    const samples: Record<InstrumentType, (string | null)[]> = {
      bool: ['true', 'false', null],
      int8: ['-127', '127', null],
      int16: ['-32767', '5', null],
      int32: ['2147483647', '-2147483647', null],
      int64: ['9223372036854775807', '-9223372036854775807', null],
      uint8: ['0', '255'],
      uint16: ['65535', '1'],
      uint32: ['4294967295', '0'],
      uint64: ['18446744073709551615', '0'],
      float32: ['1.5', 'NaN', '-0', 'Infinity', null],
      float64: ['0.1', '-Infinity', '1e+300', '5e-324', null],
      time: ['1709251200000000', '-1', null],
      string: ['', 'NA', 'a,b', null],
      factor: ['rain', 'sun', null],
    };
    for (const type of INSTRUMENT_TYPES) {
      const values = valuesFromCells(type, samples[type]);
      expect(samples[type].map((_, i) => cellText(type, values, i))).toEqual(samples[type]);
    }
  });

  it('refuses what a type cannot hold, naming the row', () => {
    const bad: [InstrumentType, unknown][] = [
      ['int8', '128'],
      ['int8', '-128'],
      ['uint8', null],
      ['uint64', '-1'],
      ['int32', '1.5'],
      ['int32', true],
      ['bool', 'yes'],
      ['float64', '1,5'],
      ['string', 5],
      ['time', 1.5],
    ];
    for (const [type, cell] of bad) {
      let err: unknown;
      try {
        valuesFromCells(type, [cell as string | null]);
      } catch (e) {
        err = e;
      }
      expect([type, (err as KeeprError | undefined)?.code, (err as KeeprError | undefined)?.details]).toEqual([type, 'INSTRUMENT_VALUES_INVALID', { row: 0, what: 'value' }]);
    }
  });

  it('writes JSON cells: 64-bit as strings, non-finite floats as strings, NA as null', () => {
    const f = valuesFromCells('float64', [1.5, 'NaN', null, '-0']);
    expect([0, 1, 2, 3].map((i) => cellJson('float64', f, i))).toEqual([1.5, 'NaN', null, '-0']);
    const t = valuesFromCells('time', ['2024-03-01', null]);
    expect([cellJson('time', t, 0), cellJson('time', t, 0, 'ms'), cellJson('time', t, 0, 'iso'), cellJson('time', t, 1)]).toEqual(['1709251200000000', 1709251200000, '2024-03-01T00:00:00.000000Z', null]);
    expect(cellJson('uint64', valuesFromCells('uint64', ['18446744073709551615']), 0)).toBe('18446744073709551615');
  });

  it('keeps a NaN payload apart from the NA payload', () => {
    const values = new Float64Array(2);
    new Uint32Array(values.buffer).set([0x1234, 0x7ff80000]);
    setNA('float64', values, 1);
    expect([isNAAt('float64', values, 0), isNAAt('float64', values, 1)]).toEqual([false, true]);
    expect(cellJson('float64', values, 0)).toBe('NaN');
  });
});

describe('the instrument block', () => {
  it('carries times, binary keys and values bit for bit', () => {
    const values = emptyValues('float64', 3);
    new Uint32Array(values.buffer).set([0xdead, 0x7ff80001, 0, 0x80000000]);
    setNA('float64', values, 2);
    const frame = decodeFrame(encodeFrame({ times: BigInt64Array.of(1n, -5n, 9n) }, [['value', valuesBlock('float64', values)]]).bytes);
    expect(frame.times).toEqual(BigInt64Array.of(1n, -5n, 9n));
    expect(bits(frame.items.get('value')!.values() as Float64Array)).toBe(bits(values));
    const keyed = decodeFrame(encodeFrame({ keys: ['a', Uint8Array.of(0xff, 0), new Uint8Array(0)] }, []).bytes);
    expect(keyed.keys).toEqual([Uint8Array.of(0x61), Uint8Array.of(0xff, 0), new Uint8Array(0)]);
    expect(decodeFrame(encodeFrame({ keys: ['a', 'b'] }, []).bytes).keys).toEqual(['a', 'b']);
  });

  it('refuses random and truncated bytes with HTTP_BODY_MALFORMED', () => {
    const good = encodeFrame({ times: BigInt64Array.of(1n, 2n) }, [['value', valuesBlock('int32', Int32Array.of(1, 2))]]).bytes;
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: good.length - 1 }).map((n) => good.subarray(0, n))), (bytes) => {
        expect(codeOf(() => decodeFrame(bytes))).toBe('HTTP_BODY_MALFORMED');
      }),
    );
  });
});
