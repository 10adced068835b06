import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, ok, startServer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** Writes files (relative path -> content) under `root`. */
function files(root: string, entries: Record<string, string>): void {
  for (const [path, content] of Object.entries(entries)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

describe('keepr load-www', () => {
  it('uploads a site with MIME types, url and filename attributes, skipping hidden files; serve publishes it', async () => {
    const tmp = makeTmpDir();
    const site = join(tmp, 'site');
    const dir = join(tmp, 'db');
    files(site, {
      'index.html': '<h1>home</h1>',
      'css/site.css': 'h1{}',
      'js/app.mjs': 'export {};',
      'js/app.mjs.map': '{}',
      'img/logo.svg': '<svg/>',
      'img/photo.png': 'png',
      'fonts/x.woff2': 'w',
      'data/blob.bin2': 'b',
      'docs/über uns.txt': 'hallo',
      '.env': 'SECRET=1',
      '.git/config': 'x',
    });
    // A link inside the folder is followed (uploaded under the link's path).
    symlinkSync(join(site, 'index.html'), join(site, 'home.html'));

    const report = JSON.parse(ok(['load-www', site, '--json', '--dir', dir]).toString()) as { source: string; files: number; skipped: string[] };
    expect(report).toMatchObject({ source: 'www', files: 10, skipped: ['.env', '.git'] });
    const keys = ok(['ls', 'www', '--dir', dir]).toString().trim().split('\n');
    expect(keys).toEqual(['css/site.css', 'data/blob.bin2', 'docs/über uns.txt', 'fonts/x.woff2', 'home.html', 'img/logo.svg', 'img/photo.png', 'index.html', 'js/app.mjs', 'js/app.mjs.map']);
    const expectations: [string, string][] = [
      ['index.html', 'text/html; charset=utf-8'],
      ['css/site.css', 'text/css; charset=utf-8'],
      ['js/app.mjs', 'text/javascript; charset=utf-8'],
      ['js/app.mjs.map', 'application/json; charset=utf-8'],
      ['img/logo.svg', 'image/svg+xml; charset=utf-8'],
      ['img/photo.png', 'image/png'],
      ['fonts/x.woff2', 'font/woff2'],
      ['data/blob.bin2', 'application/octet-stream'],
      ['docs/über uns.txt', 'text/plain; charset=utf-8'],
    ];
    for (const [key, mime] of expectations) {
      const block = Block.decode(ok(['get', 'www', key, '--dir', dir]));
      expect.soft(block.mime, key).toBe(mime);
      expect.soft(block.url, key).toBe(`/${key}`);
      expect.soft(block.attribute('filename'), key).toBe(key.split('/').pop());
    }
    expect(ok(['get', 'www', 'home.html', '--raw', '--dir', dir]).toString()).toBe('<h1>home</h1>');

    // keepr serve publishes the web source at the url attributes.
    const server = await startServer(dir);
    try {
      const home = await fetch(`${server.url}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await home.text()).toBe('<h1>home</h1>');
      const text = await fetch(`${server.url}/docs/%C3%BCber%20uns.txt`);
      expect(await text.text()).toBe('hallo');
      expect((await fetch(`${server.url}/.env`)).status).toBe(404);
    } finally {
      await server.stop();
    }

    // Hidden files on request, another source, and pruning of files gone from the folder.
    rmSync(join(site, 'css'), { recursive: true });
    const again = JSON.parse(ok(['load-www', site, '--hidden', '--prune', '--json', '--dir', dir]).toString()) as { files: number; pruned: number };
    expect(again).toMatchObject({ files: 11, pruned: 1 });
    const now = ok(['ls', 'www', '--dir', dir]).toString().trim().split('\n');
    expect(now.filter((k) => k.startsWith('.'))).toEqual(['.env', '.git/config']);
    expect(now.filter((k) => k.startsWith('css/'))).toEqual([]);
    expect(ok(['load-www', site, '--source', 'site2', '--dir', dir]).toString()).toMatch(/^uploaded 9 files \(.*\) to source site2, skipped 2\n$/);
  });

  it('refuses links that leave the folder and writes nothing', () => {
    const tmp = makeTmpDir();
    const site = join(tmp, 'site');
    const dir = join(tmp, 'db');
    files(site, { 'index.html': 'x', 'sub/a.txt': 'a' });
    writeFileSync(join(tmp, 'secret.txt'), 'secret');
    ok(['put', 'other', 'k', '--dir', dir], { input: 'x' });
    symlinkSync(join(tmp, 'secret.txt'), join(site, 'sub', 'leak.txt'));
    fails(['load-www', site, '--dir', dir], 1, 'PATH_OUTSIDE_ROOT');
    rmSync(join(site, 'sub', 'leak.txt'));
    symlinkSync(tmp, join(site, 'up'));
    fails(['load-www', site, '--dir', dir], 1, 'PATH_OUTSIDE_ROOT');
    expect(ok(['ls', '--dir', dir]).toString()).toBe('other\n');
    fails(['load-www', join(tmp, 'nope'), '--dir', dir], 1, 'ARGUMENT_INVALID');
    fails(['load-www', site, '--source', 'bad name', '--dir', dir], 1, 'NAME_INVALID');
  });
});
