/**
 * A full disk, end to end: `keepr serve` under a shim that makes the store's disk full on
 * command. Writes answer 507 STORE_FULL and store nothing, /healthz says the store cannot write,
 * reads go on, and once space is freed the same server takes writes again, with no restart.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from '../helpers/c-shim.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, startServer } from '../cli/helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

const SHIM = fileURLToPath(new URL('../helpers/fault/disk-full.c', import.meta.url));

async function put(url: string, key: string, bytes: Buffer): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/v1/sources/s/blocks/${key}`, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
  return { status: res.status, body: await res.text() };
}

async function status(url: string, path: string): Promise<number> {
  return (await fetch(`${url}${path}`)).status;
}

describe('a full disk', () => {
  it('refuses writes with 507 STORE_FULL, stores none of them, and recovers by itself when space returns', async () => {
    const tmp = makeTmpDir('keepr-full-');
    const dir = join(tmp, 'store');
    const flag = join(tmp, 'disk-is-full');
    const env = { LD_PRELOAD: buildShim('disk-full', [SHIM]), DISK_FULL_ROOT: dir, DISK_FULL_FLAG: flag };
    const server = await startServer(dir, [], env);
    try {
      const block = (n: number): Buffer => Buffer.alloc(6000, n);
      for (let i = 0; i < 5; i++) expect((await put(server.url, `before-${i}`, block(i))).status).toBe(201);
      writeFileSync(flag, '');
      // Writes into pages LMDB has free may still fit; keep writing until the disk is full.
      const refused: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await put(server.url, `full-${i}`, block(100 + i));
        if (res.status === 201) continue;
        expect(res.status).toBe(507);
        expect(JSON.parse(res.body)).toMatchObject({ code: 'STORE_FULL' });
        refused.push(`full-${i}`);
      }
      expect(refused.length).toBeGreaterThan(20);
      expect(await status(server.url, '/healthz')).toBe(507);
      // Reads go on; the refused writes are not there.
      expect(await status(server.url, '/v1/sources/s/blocks/before-0')).toBe(200);
      for (const key of refused) expect(await status(server.url, `/v1/sources/s/blocks/${key}`)).toBe(404);

      rmSync(flag);
      expect(await status(server.url, '/healthz')).toBe(200);
      expect((await put(server.url, 'after', block(200))).status).toBe(201);
      expect(await server.stop()).toBe(0);

      // After a restart (no shim), the refused writes are still absent and the rest is there.
      const again = await startServer(dir);
      try {
        for (const key of refused) expect(await status(again.url, `/v1/sources/s/blocks/${key}`)).toBe(404);
        expect(await status(again.url, '/v1/sources/s/blocks/after')).toBe(200);
        expect(await status(again.url, '/v1/sources/s/blocks/before-4')).toBe(200);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(flag, { force: true });
      if (server.child.exitCode === null) await server.stop();
    }
  }, 120_000);
});
