/**
 * W0 disk: the rate of durable 4 KiB overwrites of one block of a preallocated file, the
 * physical limit for durable single writes. `disk.fdatasync` uses writeSync + fdatasyncSync;
 * `disk.filehandle` the promise API (FileHandle.write + datasync), which goes through libuv's
 * thread pool like an async engine does.
 */
import { closeSync, fdatasyncSync, openSync, readSync, writeSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Latencies, nowUs } from '../lib/stats.js';
import type { CaseContext, CaseResult, WorkloadDef } from './types.js';

const PAGE = 4096;
const FILE_BYTES = 1024 * 1024;

function preallocate(path: string): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.alloc(FILE_BYTES));
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readBack(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const out = Buffer.alloc(PAGE);
    readSync(fd, out, 0, PAGE, 0);
    return out;
  } finally {
    closeSync(fd);
  }
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const path = join(ctx.dir, 'fsync.bin');
  preallocate(path);
  const page = Buffer.alloc(PAGE, 0xa5);
  const lat = new Latencies(ctx.sizes.w0Ops);
  const limitUs = ctx.sizes.w0MaxSeconds * 1e6;
  let ops = 0;
  const started = nowUs();
  if (contender === 'disk.fdatasync') {
    const fd = openSync(path, 'r+');
    try {
      while (ops < ctx.sizes.w0Ops && nowUs() - started < limitUs) {
        page.writeUInt32LE(ops, 0);
        const t = nowUs();
        writeSync(fd, page, 0, PAGE, 0);
        fdatasyncSync(fd);
        lat.add(nowUs() - t);
        ops++;
      }
    } finally {
      closeSync(fd);
    }
  } else if (contender === 'disk.filehandle') {
    const fh = await openFile(path, 'r+');
    try {
      while (ops < ctx.sizes.w0Ops && nowUs() - started < limitUs) {
        page.writeUInt32LE(ops, 0);
        const t = nowUs();
        await fh.write(page, 0, PAGE, 0);
        await fh.datasync();
        lat.add(nowUs() - t);
        ops++;
      }
    } finally {
      await fh.close();
    }
  } else {
    throw new Error(`unknown W0 contender ${contender}`);
  }
  const seconds = (nowUs() - started) / 1e6;
  ctx.mem.freeze();
  if (!readBack(path).equals(page)) throw new Error('W0: the block read back differs from the last one written');
  return { ops, seconds, ...lat.summary(), phase: ctx.phase, blockBytes: PAGE, verified: 'last block read back byte for byte' };
}

export const w0: WorkloadDef = {
  id: 'w0',
  title: 'W0 disk: 4 KiB overwrite + fdatasync of one block (the durable-write limit)',
  contenders: () => [
    { id: 'disk.fdatasync', peers: [] },
    { id: 'disk.filehandle', peers: [] },
  ],
  run,
};
