/**
 * A damaged commit log from the command line: every command refuses the store naming the
 * segment and offset (exit 4), `keepr salvage` opens it keeping what comes before the damage, and
 * the store is usable again afterwards.
 */
import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { listSegments } from '../../src/engine/lmdb/log-segments.js';
import { listWriters } from '../../src/engine/lmdb/writer-registry.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

const WRITER = fileURLToPath(new URL('../engine/fixtures/lmdb-writer.ts', import.meta.url));

/** A store whose writer made 30 puts (after no checkpoint) and was killed. */
async function killedStore(): Promise<string> {
  const dir = makeTmpDir('keepr-salvage-');
  const child = fork(WRITER, [dir, JSON.stringify({ checkpointMs: 3_600_000 }), '0', '30'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve) => {
    child.on('message', (msg: { idle?: boolean }) => {
      if (msg.idle === true) resolve();
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return dir;
}

describe('keepr salvage', () => {
  it('opens a store with a damaged log that every other command refuses, keeping what precedes the damage', async () => {
    const dir = await killedStore();
    const writer = listWriters(join(dir, 'wal')).find((w) => !w.closed)!;
    const [segment] = listSegments(join(dir, 'wal', writer.name));
    const bytes = readFileSync(segment!.path);
    // The frame of the 11th put (after the namespace's creation and ten puts).
    let at = 0;
    for (let i = 0; i < 11; i++) at += 16 + bytes.readUInt32LE(at + 4);
    const fd = openSync(segment!.path, 'r+');
    writeSync(fd, Buffer.from([bytes[at + 30]! ^ 0x01]), 0, 1, at + 30);
    closeSync(fd);

    for (const args of [['ls', 'n'], ['verify']]) {
      const res = fails([...args, '--dir', dir], 4, 'STORE_CORRUPT');
      expect(res.stderr).toContain(segment!.path);
      expect(res.stderr).toContain(`offset ${at}`);
    }
    const salvaged = ok(['salvage', '--dir', dir]).toString();
    expect(salvaged).toContain(`DAMAGED\t${segment!.path}\toffset ${at}\tchecksum mismatch`);
    expect(salvaged).toMatch(/salvaged: 11 log records replayed, \d+ not applied/);
    const json = JSON.parse(ok(['salvage', '--json', '--dir', dir]).toString()) as { damaged: unknown[] };
    expect(json.damaged).toEqual([]);
    expect(keepr(['verify', '--dir', dir]).code).toBe(0);
  }, 120_000);
});
