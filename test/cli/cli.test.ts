import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block, decodeNpy, encodeNpy } from '../../src/block/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, keepr, keeprAsync, ok, startServer } from './helpers.js';

beforeAll(() => {
  // The tests run the built binary, so build it once from the current sources.
  ensureBuilt();
}, 120_000);

describe('keepr CLI', () => {
  it('puts a file and gets back the exact block, the raw content and the JSON view', () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const file = join(tmp, 'logo.png');
    const content = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    writeFileSync(file, content);

    const hash = ok(['put', 'files', 'img/logo.png', file, '--dir', dir]).toString().trim();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);

    const bytes = ok(['get', 'files', 'img/logo.png', '--dir', dir]);
    const block = Block.decode(bytes);
    expect(block.hashHex).toBe(hash);
    expect(block.mime).toBe('image/png');
    expect(Buffer.compare(block.data(), content)).toBe(0);

    const out = join(tmp, 'out.bin');
    ok(['get', 'files', 'img/logo.png', '--raw', '-o', out, '--dir', dir]);
    expect(Buffer.compare(readFileSync(out), content)).toBe(0);

    const view = JSON.parse(ok(['get', 'files', 'img/logo.png', '--json', '--dir', dir]).toString()) as { type: string; hash: string; attributes: Record<string, string> };
    expect(view).toMatchObject({ type: 'bytes', hash, attributes: { mime: 'image/png' } });

    // --type overrides the guess; stdin works when the file is omitted.
    ok(['put', 'files', 'note', '--type', 'text/x-note', '--dir', dir], { input: 'hi' });
    expect(Block.decode(ok(['get', 'files', 'note', '--dir', dir])).mime).toBe('text/x-note');
  });

  it('puts JSON and binary blocks, lists, stats and removes', () => {
    const dir = join(makeTmpDir(), 'db');
    const json = '{"type":"int64","shape":[2],"data":["1","-2"]}';
    const hash = ok(['put', 'nums', 'a/1', '-', '--from', 'json', '--dir', dir], { input: json }).toString().trim();
    const view = JSON.parse(ok(['get', 'nums', 'a/1', '--json', '--dir', dir]).toString()) as unknown;
    expect(view).toEqual({ type: 'int64', shape: [2], data: ['1', '-2'], hash });

    const block = Block.from([[1, 2], [3, 4]]);
    const blockHash = ok(['put', 'nums', 'a/2', '--block', '--dir', dir], { input: block.bytes }).toString().trim();
    expect(blockHash).toBe(block.hashHex);
    ok(['put', 'other', 'x', '--dir', dir], { input: 'x' });

    expect(ok(['ls', '--dir', dir]).toString()).toBe('nums\nother\n');
    expect(JSON.parse(ok(['ls', '--json', '--dir', dir]).toString())).toEqual({ sources: ['nums', 'other'] });
    expect(ok(['ls', 'nums', '--dir', dir]).toString()).toBe('a/1\na/2\n');
    const page = JSON.parse(ok(['ls', 'nums', '--prefix', 'a/', '--limit', '1', '--json', '--dir', dir]).toString()) as { items: { key: string }[]; cursor: string };
    expect(page.items.map((i) => i.key)).toEqual(['a/1']);
    const rest = JSON.parse(ok(['ls', 'nums', '--cursor', page.cursor, '--json', '--dir', dir]).toString()) as { items: { key: string }[]; cursor: null };
    expect(rest).toMatchObject({ items: [{ key: 'a/2', hash: block.hashHex }], cursor: null });

    const stats = JSON.parse(ok(['stat', 'nums', '--json', '--dir', dir]).toString()) as unknown;
    expect(stats).toEqual({ source: 'nums', blocks: 2, byteLength: Block.decode(ok(['get', 'nums', 'a/1', '--dir', dir])).byteLength + block.byteLength });
    const storeStats = JSON.parse(ok(['stat', '--json', '--dir', dir]).toString()) as { sources: number; engine: { engine: string } };
    expect(storeStats).toMatchObject({ sources: 2, engine: { engine: 'lmdb' } });
    expect(ok(['stat', '--dir', dir]).toString()).toMatch(/sources\s+2/);

    ok(['rm', 'nums', 'a/1', '--dir', dir]);
    expect(ok(['ls', 'nums', '--dir', dir], { env: { KEEPR_DIR: '/nonexistent' } }).toString()).toBe('a/2\n');
    expect(ok(['ls', 'nums'], { env: { KEEPR_DIR: dir } }).toString()).toBe('a/2\n');
  });

  it('reports errors as keepr: CODE: message with exit 1 (bad input) or 2 (not found)', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    ok(['put', 's', 'k', '--dir', dir], { input: 'x' });
    const cases: [string[], string | undefined, number, string][] = [
      [['get', 's', 'missing', '--dir', dir], undefined, 2, 'BLOCK_NOT_FOUND'],
      [['get', 'ghost', 'k', '--dir', dir], undefined, 2, 'SOURCE_NOT_FOUND'],
      [['rm', 's', 'missing', '--dir', dir], undefined, 2, 'BLOCK_NOT_FOUND'],
      [['ls', 'ghost', '--dir', dir], undefined, 2, 'SOURCE_NOT_FOUND'],
      [['put', 's', 'j', '--from', 'json', '--dir', dir], '{"type":', 1, 'BLOCK_JSON_INVALID'],
      [['put', 's', 'j', '--from', 'json', '--dir', dir], '{"type":"nope","data":1}', 1, 'BLOCK_TYPE_UNKNOWN'],
      [['put', 's', 'n', '--npy', '--dir', dir], 'not a npy file', 1, 'NPY_MALFORMED'],
      [['put', 's', 'n', '--from', 'yaml', '--dir', dir], 'x', 1, 'ARGUMENT_INVALID'],
      [['put', 's', 'n', '--from', 'json', '--type', 'text/plain', '--dir', dir], '1', 1, 'ARGUMENT_INVALID'],
      [['get', 's', 'k', '--npy', '--json', '--dir', dir], undefined, 1, 'ARGUMENT_INVALID'],
      [['put', 's', 'b', '--block', '--dir', dir], 'not a block', 1, 'BLOCK_MALFORMED'],
      [['put', 'bad!name', 'k', '--dir', dir], 'x', 1, 'NAME_INVALID'],
      [['put', 's', 'a//b', '--dir', dir], 'x', 1, 'NAME_INVALID'],
      [['put', 's', 'k', join(tmp, 'no-such-file'), '--dir', dir], undefined, 1, 'ARGUMENT_INVALID'],
      [['get', 's', 'k', '--raw', '--json', '--dir', dir], undefined, 1, 'ARGUMENT_INVALID'],
      [['get', 's', '--dir', dir], undefined, 1, 'ARGUMENT_INVALID'],
      [['ls', 's', '--limit', 'many', '--dir', dir], undefined, 1, 'ARGUMENT_INVALID'],
      [['ls', '--dir', join(tmp, 'typo')], undefined, 1, 'OPTION_INVALID'],
      [['frobnicate'], undefined, 1, 'ARGUMENT_INVALID'],
      [['serve', '--port', '99999', '--dir', dir], undefined, 1, 'ARGUMENT_INVALID'],
    ];
    // Independent runs: in parallel, to keep the suite quick.
    const results = await Promise.all(cases.map(([args, input]) => keeprAsync(args, input === undefined ? {} : { input })));
    cases.forEach(([args, , code, errorCode], i) => {
      expect.soft(results[i]!.code, args.join(' ')).toBe(code);
      expect.soft(results[i]!.stderr, args.join(' ')).toMatch(new RegExp(`^keepr: ${errorCode}: `));
    });
    // Nothing above changed the store; a read of a mistyped --dir created nothing.
    expect(ok(['ls', '--dir', dir]).toString()).toBe('s\n');
    expect(ok(['ls', 's', '--dir', dir]).toString()).toBe('k\n');
    expect(keepr(['ls', '--dir', join(tmp, 'typo')]).code).toBe(1);
  });

  it('serves the store over HTTP while another process writes to it, and stops cleanly on SIGTERM', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    // --dir wins over KEEPR_DIR.
    const server = await startServer(dir, [], { KEEPR_DIR: join(tmp, 'not-this-one') });
    try {
      const block = Block.tuple({ t: Block.from([1.5, 2.5]), name: Block.from('live') });
      const file = join(tmp, 'block.bin');
      writeFileSync(file, block.bytes);
      expect(ok(['put', 'live', 'x/y', file, '--block', '--dir', dir]).toString().trim()).toBe(block.hashHex);

      const res = await fetch(`${server.url}/v1/sources/live/blocks/x/y`);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${block.hashHex}"`);
      expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), block.bytes)).toBe(0);
      const missing = await fetch(`${server.url}/v1/sources/live/blocks/nope`);
      expect(await missing.json()).toMatchObject({ code: 'BLOCK_NOT_FOUND' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stderr()).not.toMatch(/keepr: [A-Z_]+: /);
  }, 40_000);

  it('serves with access tokens from a file or KEEPR_TOKENS, and refuses an open network bind', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const token = 'write-token-0123456789';
    const tokens = join(tmp, 'tokens.json');
    writeFileSync(tokens, JSON.stringify([{ token, role: 'write' }]));
    const server = await startServer(dir, ['--tokens', tokens]);
    try {
      const anonymous = await fetch(`${server.url}/v1/sources`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
      const allowed = await fetch(`${server.url}/v1/sources`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const fromEnv = await startServer(dir, ['--json'], { KEEPR_TOKENS: `read:${token}` });
    try {
      expect(JSON.parse(fromEnv.stdout())).toEqual({ dir, engine: 'lmdb', store: dir, url: fromEnv.url, console: `${fromEnv.url}/console/`, tokens: 1, web: 'www', durability: 'sync' });
      const res = await fetch(`${fromEnv.url}/v1/sources`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const denied = await fetch(`${fromEnv.url}/v1/sources/s/blocks/k`, { method: 'PUT', body: 'x', headers: { authorization: `Bearer ${token}` } });
      expect(denied.status).toBe(403);
    } finally {
      expect(await fromEnv.stop()).toBe(0);
    }
    const refused = await Promise.all([
      keeprAsync(['serve', '--host', '0.0.0.0', '--port', '0', '--dir', join(tmp, 'open')]),
      keeprAsync(['serve', '--tokens', join(tmp, 'missing.json'), '--port', '0', '--dir', join(tmp, 'open')]),
      keeprAsync(['serve', '--port', '0', '--dir', join(tmp, 'open')], { env: { KEEPR_TOKENS: 'root:short' } }),
    ]);
    expect(refused.map((r) => [r.code, /^keepr: ([A-Z_]+):/.exec(r.stderr)?.[1]])).toEqual([
      [1, 'SERVER_BIND_REFUSED'],
      [1, 'OPTION_INVALID'],
      [1, 'OPTION_INVALID'],
    ]);
    // A refused start opens no store.
    expect(keepr(['ls', '--dir', join(tmp, 'open')]).code).toBe(1);
  }, 40_000);

  it('answers browsers of the --cors / KEEPR_CORS origins only, and refuses an origin that is not exact', async () => {
    const tmp = makeTmpDir();
    for (const [args, env] of [[['--cors', 'https://app.example, https://b.example'], {}], [[], { KEEPR_CORS: 'https://app.example' }]] as const) {
      const server = await startServer(join(tmp, 'db'), args, env);
      try {
        const preflight = async (origin: string): Promise<Response> =>
          fetch(`${server.url}/v1/sources`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
        const ok = await preflight('https://app.example');
        expect(ok.status).toBe(204);
        expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
        expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        expect(await server.stop()).toBe(0);
      }
    }
    const refused = await keeprAsync(['serve', '--cors', '*', '--port', '0', '--dir', join(tmp, 'bad')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^keepr: OPTION_INVALID: .*/);
  }, 40_000);

  it('serves with the durability of --durability or KEEPR_DURABILITY (default sync), and refuses an unknown one', async () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const stats = async (url: string): Promise<{ durability: string; engine: { engine: string } }> => (await fetch(`${url}/v1/stats`)).json() as Promise<{ durability: string; engine: { engine: string } }>;
    const runs: [string[], Record<string, string>, string, string][] = [
      [[], {}, 'sync', 'lmdb'],
      [['--durability', 'write-cache', '--json'], {}, 'write-cache', 'lmdb'],
      [[], { KEEPR_DURABILITY: 'write-cache' }, 'write-cache', 'lmdb'],
      // The flag wins over the variable; transient keeps nothing on disk (the memory engine).
      [['--durability', 'transient'], { KEEPR_DURABILITY: 'sync' }, 'transient', 'memory'],
    ];
    for (const [args, env, durability, engine] of runs) {
      const server = await startServer(dir, args, env);
      try {
        expect(await stats(server.url), args.join(' ') || JSON.stringify(env)).toMatchObject({ durability, engine: { engine } });
        if (args.includes('--json')) expect(JSON.parse(server.stdout())).toMatchObject({ dir, durability });
      } finally {
        expect(await server.stop()).toBe(0);
      }
    }
    const refused = await Promise.all([
      keeprAsync(['serve', '--durability', 'fast', '--port', '0', '--dir', join(tmp, 'bad')]),
      keeprAsync(['serve', '--port', '0', '--dir', join(tmp, 'bad')], { env: { KEEPR_DURABILITY: 'none' } }),
    ]);
    for (const res of refused) {
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^keepr: ARGUMENT_INVALID: .*durability.*(fast|none).*sync, write-cache, transient/);
    }
    // A refused start opens no store.
    expect(keepr(['ls', '--dir', join(tmp, 'bad')]).code).toBe(1);
  }, 60_000);

  it('puts .npy files as typed blocks and gets them back as .npy', () => {
    const tmp = makeTmpDir();
    const dir = join(tmp, 'db');
    const matrix = Block.create({ type: 'int16', shape: [2, 3], data: [1, -2, 3, -4, 5, -6] });
    const file = join(tmp, 'm.npy');
    writeFileSync(file, encodeNpy(matrix));
    // The .npy extension picks the format; --json prints a summary.
    const put = JSON.parse(ok(['put', 'arrays', 'm', file, '--json', '--dir', dir]).toString()) as Record<string, unknown>;
    expect(put).toEqual({ source: 'arrays', key: 'm', hash: matrix.hashHex, type: 'int16', shape: [2, 3], byteLength: matrix.byteLength });
    const out = join(tmp, 'out.npy');
    ok(['get', 'arrays', 'm', '--npy', '-o', out, '--dir', dir]);
    expect(decodeNpy(readFileSync(out)).equals(matrix)).toBe(true);
    // From stdin with --npy; --type keeps a .npy file as a file block.
    expect(ok(['put', 'arrays', 'piped', '--npy', '--dir', dir], { input: readFileSync(file) }).toString().trim()).toBe(matrix.hashHex);
    ok(['put', 'files', 'm.npy', file, '--type', 'application/x-npy', '--dir', dir]);
    const kept = Block.decode(ok(['get', 'files', 'm.npy', '--dir', dir]));
    expect(kept.type).toBe('bytes');
    expect(kept.mime).toBe('application/x-npy');
  });

  it('has --help for every command and a usage error for bad flags', async () => {
    const help = ok(['--help']).toString();
    const commands = ['serve', 'put', 'get', 'ls', 'rm', 'stat', 'backup', 'restore', 'dump', 'load', 'verify', 'compact', 'load-www'];
    const helps = await Promise.all(commands.map((command) => keeprAsync([command, '--help'])));
    for (const [i, command] of commands.entries()) {
      expect(help).toContain(`  ${command} `);
      expect(helps[i]!.code).toBe(0);
      const own = helps[i]!.stdout.toString();
      expect.soft(own, command).toMatch(new RegExp(`^Usage: keepr ${command} `));
      expect.soft(own, command).toContain('--dir');
      if (command !== 'serve') expect.soft(own, command).toContain('--json');
    }
    expect(help).toMatch(/4 {2}integrity check failed/);
    const res = keepr(['dump', '--no-such-flag']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^keepr: ARGUMENT_INVALID: unknown option/);
  });

  it('reports errors as a JSON line on stderr for --json commands', () => {
    const res = keepr(['get', 's', 'k', '--json', '--dir', join(makeTmpDir(), 'nothing')]);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stderr)).toMatchObject({ code: 'OPTION_INVALID' });
  });
});
