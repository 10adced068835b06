/** The console as blocks: installing (idempotent, upgrading, refusing an unbuilt folder), serving at /console/, and GET /v1/whoami. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONSOLE_SOURCE, installConsole } from '../../src/server/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { serverFixture } from './server-fixture.js';

const READ = 'read-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';

/** A built console folder with the given files. */
function consoleFolder(files: Record<string, string>): string {
  const dir = join(makeTmpDir(), 'console');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const FILES = { 'index.html': '<!DOCTYPE html><title>c</title>', 'console.js': `export const x = ${'1+'.repeat(4000)}1;`, 'console.css': 'body{}' };

describe('installConsole', () => {
  it('writes every file once, then nothing, then only what changed, deleting what is gone', async () => {
    const { store } = await serverFixture({}, 'memory');
    const dir = consoleFolder(FILES);
    expect(await installConsole(store, dir)).toMatchObject({ files: 3, written: 3, deleted: 0 });
    expect(await installConsole(store, dir)).toMatchObject({ files: 3, written: 0, deleted: 0 });
    const source = await store.source(CONSOLE_SOURCE);
    const index = await source.get('console/index.html');
    expect([index?.url, index?.mime]).toEqual(['/console/index.html', 'text/html; charset=utf-8']);
    writeFileSync(join(dir, 'console.js'), 'export const x = 2;');
    rmSync(join(dir, 'console.css'));
    expect(await installConsole(store, dir)).toMatchObject({ files: 2, written: 1, deleted: 1 });
    expect((await source.list()).items.map((item) => item.key)).toEqual(['console/console.js', 'console/index.html']);
  });

  it('refuses a folder that is missing or has no index.html, writing nothing', async () => {
    const { store } = await serverFixture({}, 'memory');
    expect(await codeOfAsync(installConsole(store, join(makeTmpDir(), 'nope')))).toBe('CONSOLE_NOT_BUILT');
    expect(await codeOfAsync(installConsole(store, consoleFolder({ 'console.js': '' })))).toBe('CONSOLE_NOT_BUILT');
    expect(await store.sources()).not.toContain(CONSOLE_SOURCE);
  });
});

describe('GET /console/', () => {
  it('serves the console without a token, with its CSP, ETag and compression, and /console redirects', async () => {
    const { store, app } = await serverFixture({ tokens: [{ token: READ, role: 'read' }] }, 'memory');
    await installConsole(store, consoleFolder(FILES));
    const page = await app.inject({ method: 'GET', url: '/console/' });
    expect([page.statusCode, page.headers['content-type'], page.body]).toEqual([200, 'text/html; charset=utf-8', FILES['index.html']]);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('script-src');
    const etag = String(page.headers.etag);
    expect((await app.inject({ method: 'GET', url: '/console/', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    const js = await app.inject({ method: 'GET', url: '/console/console.js', headers: { 'accept-encoding': 'br' } });
    expect([js.headers['content-type'], js.headers['content-encoding']]).toEqual(['text/javascript; charset=utf-8', 'br']);
    expect(brotliDecompressSync(js.rawPayload).toString()).toBe(FILES['console.js']);
    const moved = await app.inject({ method: 'GET', url: '/console' });
    expect([moved.statusCode, moved.headers.location]).toEqual([301, '/console/']);
    // The data still needs the token.
    expect((await app.inject({ method: 'GET', url: '/v1/sources' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/console/missing.js' })).json()).toMatchObject({ code: 'HTTP_ROUTE_NOT_FOUND' });
  });

  it('is not there with console: false, nor before it is installed', async () => {
    const off = await serverFixture({ console: false }, 'memory');
    await installConsole(off.store, consoleFolder(FILES));
    expect((await off.app.inject({ method: 'GET', url: '/console/' })).statusCode).toBe(404);
    const fresh = await serverFixture({}, 'memory');
    expect((await fresh.app.inject({ method: 'GET', url: '/console/' })).json()).toMatchObject({ code: 'HTTP_ROUTE_NOT_FOUND' });
  });

  it('serves only console files from keepr.console, not the web source', async () => {
    const { store, app } = await serverFixture({}, 'memory');
    await installConsole(store, consoleFolder(FILES));
    // The console source's files are not web resources of www, and www's are not the console's.
    expect((await app.inject({ method: 'GET', url: '/index.html' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/console/' })).statusCode).toBe(405);
  });
});

describe('GET /v1/whoami', () => {
  it('tells the role of the token: admin on an open server, null without a token, 401 for an unknown one', async () => {
    const open = await serverFixture({}, 'memory');
    expect((await open.app.inject({ method: 'GET', url: '/v1/whoami' })).json()).toEqual({ role: 'admin', auth: false });
    const { app } = await serverFixture({ tokens: [{ token: READ, role: 'read' }, { token: ADMIN, role: 'admin' }] }, 'memory');
    const who = async (token?: string): Promise<unknown> => (await app.inject({ method: 'GET', url: '/v1/whoami', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })).json();
    expect(await who()).toEqual({ role: null, auth: true });
    expect(await who(READ)).toEqual({ role: 'read', auth: true });
    expect(await who(ADMIN)).toEqual({ role: 'admin', auth: true });
    expect(await who('x'.repeat(20))).toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
  });
});
