// The store commands on the LevelDB engine (--engine level): write, read, verify, backup while
// closed and restore, copy between LMDB and LevelDB, and the lock a second process meets.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { levelEngine } from '../../src/engine/level/index.js';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

describe('keepr --engine level', () => {
  it('puts, lists, gets, verifies, backs up and restores a LevelDB store', () => {
    const root = makeTmpDir();
    const dir = join(root, 'lv');
    const level = ['--engine', 'level', '--dir', dir];
    ok(['put', ...level, 'docs', 'a', '/etc/hostname']);
    expect(ok(['ls', ...level, 'docs']).toString()).toBe('a\n');
    expect(ok(['get', ...level, 'docs', 'a'])).toEqual(ok(['get', ...level, 'docs', 'a']));
    expect(ok(['verify', ...level]).toString()).toContain('all good');
    // The LMDB default does not see the LevelDB store, and says so.
    fails(['ls', '--dir', dir], 1, 'OPTION_INVALID');
    ok(['backup', ...level, join(root, 'bk')]);
    ok(['restore', '--engine', 'level', '--dir', join(root, 'back'), join(root, 'bk')]);
    expect(ok(['ls', '--engine', 'level', '--dir', join(root, 'back'), 'docs']).toString()).toBe('a\n');
  });

  it('copies LMDB to LevelDB and back, verified', () => {
    const root = makeTmpDir();
    ok(['put', '--dir', join(root, 'm'), 's', 'k', '/etc/hostname']);
    expect(ok(['copy', '--from', join(root, 'm'), '--to', `level:${join(root, 'lv')}`]).toString()).toContain('all match');
    expect(ok(['copy', '--from', `level:${join(root, 'lv')}`, '--to', join(root, 'm2')]).toString()).toContain('all match');
  });

  it('meets STORE_LOCKED while another process has the store open', async () => {
    const dir = makeTmpDir();
    const store = await open({ engine: levelEngine(dir) });
    try {
      await (await store.source('s')).put('k', (await import('../../src/block/index.js')).Block.from(1));
      const result = fails(['ls', '--engine', 'level', '--dir', dir], 5, 'STORE_LOCKED');
      expect(result.stderr).toContain(String(process.pid));
    } finally {
      await store.close();
    }
  });
});
