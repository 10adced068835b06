import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { levelFiles } from '../../src/engine/level/index.js';
import { OWNER_FILE, lockedError, readOwner, removeOwner, writeOwner } from '../../src/engine/level/level-owner.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe('the level engine owner file', () => {
  it('round-trips this process and is removed only by it', () => {
    const dir = makeTmpDir('keepr-level-owner-');
    writeOwner(dir);
    expect(readOwner(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid + 1, host: hostname(), since: 'x' }));
    removeOwner(dir);
    expect(readOwner(dir)?.pid).toBe(process.pid + 1);
  });

  it('any bytes in the owner file read as an owner or as none, never as an error', async () => {
    const dir = makeTmpDir('keepr-level-owner-');
    const owner = fc.record({ pid: fc.oneof(fc.integer(), fc.double(), fc.string()), host: fc.oneof(fc.string(), fc.constant(hostname()), fc.integer()), since: fc.oneof(fc.string(), fc.boolean()) }, { requiredKeys: [] });
    const content = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      owner.map((o) => Buffer.from(JSON.stringify(o))),
      owner.map((o) => Buffer.from(JSON.stringify(o)).subarray(0, 10)),
    );
    await fc.assert(
      fc.asyncProperty(content, async (bytes) => {
        writeFileSync(join(dir, OWNER_FILE), bytes);
        const read = readOwner(dir);
        if (read !== undefined) {
          expect(Number.isSafeInteger(read.pid) && read.pid > 0).toBe(true);
          expect(typeof read.host).toBe('string');
        }
        const users = await levelFiles.users(dir);
        expect(users.every((pid) => Number.isSafeInteger(pid) && pid !== process.pid)).toBe(true);
        const err = lockedError(dir, new Error('locked'));
        expect(err.code).toBe('STORE_LOCKED');
      }),
      { numRuns: 200 },
    );
  });
});
