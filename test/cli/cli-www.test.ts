import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { serverFixture } from '../server/server-fixture.js';
import { ensureBuilt, fails, keepr, ok, startServer } from './helpers.js';

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

describe('keepr put for the web', () => {
  it('gives a block put into the web source its URL, refuses another, and serve publishes it', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    files(tmp, { 'page.html': '<h1>page</h1>', 'about.html': '<h1>about</h1>' });
    ok(['put', 'www', 'page.html', join(tmp, 'page.html'), '--dir', dir]);
    ok(['put', 'www', 'about/index.html', join(tmp, 'about.html'), '--web-url', '/about/index.html', '--dir', dir]);
    expect(Block.decode(ok(['get', 'www', 'page.html', '--dir', dir])).url).toBe('/page.html');
    fails(['put', 'www', 'x.html', join(tmp, 'page.html'), '--web-url', '/elsewhere.html', '--dir', dir], 1, 'WEB_URL_MISMATCH');
    fails(['put', 'www', 'n', '--from', 'json', '--dir', dir], 1, 'WEB_URL_MISMATCH', { input: '1' });
    fails(['put', 'www', 'n', '--from', 'json', '--web-url', '/n', '--dir', dir], 1, 'ARGUMENT_INVALID', { input: '1' });
    fails(['put', 'site', 'x.html', join(tmp, 'page.html'), '--web-url', 'x.html', '--dir', dir], 1, 'ARGUMENT_INVALID');
    // KEEPR_WEB names the published source for put and serve alike.
    ok(['put', 'pub', 'k.html', join(tmp, 'page.html'), '--dir', dir], { env: { KEEPR_WEB: 'pub' } });
    expect(Block.decode(ok(['get', 'pub', 'k.html', '--dir', dir])).url).toBe('/k.html');
    const server = await startServer(dir);
    try {
      const res = await fetch(`${server.url}/page.html`);
      expect([res.status, await res.text()]).toEqual([200, '<h1>page</h1>']);
      const moved = await fetch(`${server.url}/about`, { redirect: 'manual' });
      expect([moved.status, moved.headers.get('location')]).toEqual([301, '/about/']);
      expect(await (await fetch(`${server.url}/about/`)).text()).toBe('<h1>about</h1>');
    } finally {
      await server.stop();
    }
  });

  it('warns when a --web-url goes into a source serve does not publish', () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const res = keepr(['put', 'site', 'index.html', '--web-url', '/index.html', '--dir', dir], { input: '<h1>x</h1>' });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^keepr: note: keepr serve publishes source www, not site; /);
    expect(Block.decode(ok(['get', 'site', 'index.html', '--dir', dir])).url).toBe('/index.html');
  });

  it('stores a .json file as a JSON document, the same block an HTTP PUT of application/json stores', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const text = '{"name": "ana"}\n';
    files(tmp, { 'ana.json': text });
    const cli = JSON.parse(ok(['put', 'docs', 'ana.json', join(tmp, 'ana.json'), '--json', '--dir', dir]).toString()) as { hash: string; type: string };
    const { app } = await serverFixture({}, 'memory');
    const http = await app.inject({ method: 'PUT', url: '/v1/sources/docs/blocks/ana.json', headers: { 'content-type': 'application/json' }, payload: text });
    expect(http.json<{ hash: string; type: string }>()).toMatchObject({ hash: cli.hash, type: 'bytes' });
    expect(ok(['get', 'docs', 'ana.json', '--raw', '--dir', dir]).toString()).toBe(text);
    // --from json still reads a block description.
    expect(JSON.parse(ok(['put', 'docs', 'n', '--from', 'json', '--json', '--dir', dir], { input: '[1,2]' }).toString())).toMatchObject({ type: 'float64', shape: [2] });
  });
});
