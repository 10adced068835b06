/** `keepr console install` and the console `keepr serve` installs and publishes at /console/. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, ok, startServer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

describe('keepr console', () => {
  it('installs the built console once; a second install writes nothing', () => {
    const dir = join(makeTmpDir(), 'db');
    const first = JSON.parse(ok(['console', 'install', '--json', '--dir', dir]).toString()) as { files: number; written: number; deleted: number };
    expect(first.files).toBeGreaterThanOrEqual(3);
    expect(first).toMatchObject({ written: first.files, deleted: 0 });
    expect(JSON.parse(ok(['console', 'install', '--json', '--dir', dir]).toString())).toMatchObject({ files: first.files, written: 0, deleted: 0 });
    expect(ok(['ls', 'keepr.console', '--dir', dir]).toString()).toContain('console/index.html');
  });

  it('is installed and served by keepr serve, which prints its URL; --no-console leaves it out', async () => {
    const dir = join(makeTmpDir(), 'db');
    const server = await startServer(dir);
    try {
      expect(server.stdout()).toContain(`console at ${server.url}/console/`);
      const page = await fetch(`${server.url}/console/`);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('<script type="module" src="console.js"></script>');
      const script = await fetch(`${server.url}/console/console.js`);
      expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    } finally {
      await server.stop();
    }
    const bare = await startServer(join(makeTmpDir(), 'db'), ['--no-console']);
    try {
      expect(bare.stdout()).not.toContain('console at');
      expect((await fetch(`${bare.url}/console/`)).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });
});
