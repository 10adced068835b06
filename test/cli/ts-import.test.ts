import { describe, expect, it } from 'vitest';
import { importCsv, parseTypeSpec, seriesName } from '../../src/cli/lib/ts-import.js';
import { memoryEngine } from '../../src/engine/memory/index.js';
import { open } from '../../src/store/index.js';
import { codeOf, codeOfAsync } from '../helpers/error-code.js';

describe('keepr ts import, the library part', () => {
  it('writes each column in batches, reporting progress over rows × columns', async () => {
    const store = await open({ engine: memoryEngine() });
    try {
      const calls: [number, number][] = [];
      const text = 'when,a,b\n3,1,x\n1,2,\n2,NA,"z"\n';
      const result = await importCsv(store, text, { types: parseTypeSpec('int32,b=string'), prefix: 'p-', batch: 2, onProgress: (done, total) => calls.push([done, total]) });
      expect(result).toEqual({ rows: 3, series: [{ column: 'a', name: 'p-a', type: 'int32', points: 3 }, { column: 'b', name: 'p-b', type: 'string', points: 3 }] });
      expect(calls).toEqual([[2, 6], [3, 6], [5, 6], [6, 6]]);
      const a = await store.instrument('p-a', { index: 'time', create: false });
      expect(await a.read()).toEqual({ times: BigInt64Array.of(1n, 2n, 3n), values: Int32Array.of(2, -0x80000000, 1) });
      const b = await store.instrument('p-b', { index: 'time', create: false });
      expect((await b.read()).values).toEqual([null, 'z', 'x']);
    } finally {
      await store.close();
    }
  });

  it('checks everything before the first write', async () => {
    const store = await open({ engine: memoryEngine() });
    try {
      const types = parseTypeSpec(undefined);
      expect(await codeOfAsync(importCsv(store, '', { types, batch: 10 }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(importCsv(store, 't,a\n1,1\n2,x\n', { types, batch: 1 }))).toBe('INSTRUMENT_VALUES_INVALID');
      expect(await codeOfAsync(importCsv(store, 't,a\n1,1\n2\n', { types, batch: 1 }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(importCsv(store, 't,a\n1,1\nsoon,2\n', { types, batch: 1 }))).toBe('INSTRUMENT_VALUES_INVALID');
      expect(await codeOfAsync(importCsv(store, 't,a b,a_b\n1,1,2\n', { types, batch: 1 }))).toBe('ARGUMENT_INVALID');
      expect(await codeOfAsync(importCsv(store, 't,a\n1,1\n', { types, columns: ['c'], batch: 1 }))).toBe('ARGUMENT_INVALID');
      await store.instrument('a', { type: 'int8', index: 'key' });
      expect(await codeOfAsync(importCsv(store, 't,a,b\n1,1,2\n', { types, batch: 1 }))).toBe('INSTRUMENT_KIND_MISMATCH');
      expect((await store.instruments()).map((i) => [i.name, i.points])).toEqual([['a', 0]]);
    } finally {
      await store.close();
    }
  });

  it('reads --type and names instruments after columns', () => {
    expect(parseTypeSpec('float32,w=factor,x=time')).toEqual({ all: 'float32', byColumn: new Map([['w', 'factor'], ['x', 'time']]) });
    expect(codeOf(() => parseTypeSpec('double'))).toBe('ARGUMENT_INVALID');
    expect(seriesName('', 'adjusted CO2')).toBe('adjusted_CO2');
    expect(codeOf(() => seriesName('', '-x'))).toBe('NAME_INVALID');
  });
});
