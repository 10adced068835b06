import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KeeprError, isErrorCode, isKeeprError } from '../src/errors.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);

describe('error registry', () => {
  it('docs/errors.md lists exactly the registered codes, with their statuses', () => {
    expect(rows.map(([code]) => code).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, status] of rows) expect(status).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES].status);
  });

  it('lists each code once', () => {
    expect(new Set(rows.map(([code]) => code)).size).toBe(rows.length);
  });

  it('names codes in upper snake case with 4xx or 5xx statuses and a description', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(info.status).toBeGreaterThanOrEqual(400);
      expect(info.status).toBeLessThan(600);
      expect(info.description.length).toBeGreaterThan(10);
    }
  });

  it('builds errors that carry code, status, cause and details', () => {
    const cause = new Error('disk');
    const err = new KeeprError('ENGINE_FAILURE', 'boom', { cause, details: { op: 'put' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('ENGINE_FAILURE');
    expect(err.status).toBe(500);
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({ code: 'ENGINE_FAILURE', message: 'boom', details: { op: 'put' } });
    expect(isKeeprError(err, 'ENGINE_FAILURE')).toBe(true);
    expect(isKeeprError(err, 'INTERNAL')).toBe(false);
    expect(isKeeprError(cause)).toBe(false);
    expect(isErrorCode('BLOCK_MALFORMED')).toBe(true);
    expect(isErrorCode('NOPE')).toBe(false);
  });
});
