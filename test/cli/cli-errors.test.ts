import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli/commands/common.js';
import { KeeprError } from '../../src/errors.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** A stack trace line, which no error output may hold. */
const STACK = /^\s+at /m;

/** A regular file in a fresh directory, for `--dir` paths that run through it. */
function regularFile(): string {
  const file = join(makeTmpDir(), 'README.md');
  writeFileSync(file, '# readme\n');
  return file;
}

describe('keepr CLI errors that name their cause', () => {
  it('ls --dir under a regular file: ENGINE_FAILURE naming the path and ENOTDIR, exit 3', () => {
    const dir = join(regularFile(), 'sub');
    const res = keepr(['ls', '--dir', dir]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^keepr: ENGINE_FAILURE: cannot open the LMDB store in .*: ENOTDIR: not a directory, mkdir '.*'\n$/);
    expect(res.stderr).toContain(dir);
    expect(res.stderr).not.toMatch(STACK);
    expect(res.stdout.length).toBe(0);
  });

  it('ls --dir under a regular file --json: one JSON line with details.path and details.cause', () => {
    const dir = join(regularFile(), 'sub');
    const res = keepr(['ls', '--dir', dir, '--json']);
    expect(res.code).toBe(3);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]!) as { code: string; message: string; details: Record<string, unknown> };
    expect(body.code).toBe('ENGINE_FAILURE');
    expect(body.message).toContain(`cannot open the LMDB store in ${dir}: ENOTDIR`);
    expect(body.details).toEqual({ path: dir, cause: 'ENOTDIR' });
  });

  it('put --dir that is an existing file: the path and ENOTDIR, and the file is left alone', () => {
    const file = regularFile();
    const input = join(makeTmpDir(), 'a.txt');
    writeFileSync(input, 'hello');
    const res = keepr(['put', 'docs', 'a', input, '--dir', file]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^keepr: ENGINE_FAILURE: cannot open the LMDB store in .*: ENOTDIR: /);
    expect(res.stderr).toContain(file);
    expect(res.stderr).not.toMatch(STACK);
  });

  it('a --dir whose name is too long, and a keepr.mdb that is a directory: the path and the cause', () => {
    const base = makeTmpDir();
    const long = join(base, 'x'.repeat(300));
    const tooLong = keepr(['put', 'docs', 'a', '-', '--dir', long], { input: 'x' });
    expect(tooLong.code).toBe(3);
    expect(tooLong.stderr).toMatch(/^keepr: ENGINE_FAILURE: cannot open the LMDB store in .*: ENAMETOOLONG: /);
    const dir = join(base, 'store');
    mkdirSync(join(dir, 'keepr.mdb'), { recursive: true });
    const json = keepr(['ls', '--dir', dir, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stderr) as unknown).toMatchObject({ code: 'ENGINE_FAILURE', details: { path: dir, cause: 'EISDIR' } });
  });

  it.skipIf(process.getuid?.() === 0)('a --dir in a directory without permission: EACCES named', () => {
    const locked = join(makeTmpDir(), 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const res = keepr(['ls', '--dir', join(locked, 'db'), '--json']);
    expect(res.code).toBe(3);
    expect(JSON.parse(res.stderr) as unknown).toMatchObject({ code: 'ENGINE_FAILURE', details: { path: join(locked, 'db'), cause: 'EACCES' } });
  });

  it('a --dir that does not exist stays OPTION_INVALID for read-only commands (exit 1, nothing created)', () => {
    const dir = join(makeTmpDir(), 'nope');
    const res = keepr(['ls', '--dir', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^keepr: OPTION_INVALID: no keepr store at /);
  });
});

describe('keepr CLI error paths: one `keepr: CODE: message` line and the documented exit code', () => {
  it('bad output and input paths are ARGUMENT_INVALID (exit 1), naming the path, never INTERNAL', () => {
    const base = makeTmpDir();
    const dir = join(base, 'db');
    const file = regularFile();
    const folder = join(base, 'folder');
    mkdirSync(folder);
    ok(['put', 's', 'k', '-', '--dir', dir], { input: 'hello' });
    const cases: [string[], string][] = [
      [['get', 's', 'k', '-o', join(file, 'x')], 'ENOTDIR'],
      [['get', 's', 'k', '-o', folder], 'EISDIR'],
      [['get', 's', 'k', '-o', join(base, 'no', 'x')], 'ENOENT'],
      [['dump', join(file, 'x')], 'ENOTDIR'],
      [['backup', join(file, 'b')], 'ENOTDIR'],
      [['load', folder], 'it is a directory'],
      [['load', folder, '--stream'], 'it is a directory'],
      [['put', 's', 'k2', folder], 'EISDIR'],
    ];
    for (const [args, cause] of cases) {
      const res = fails([...args, '--dir', dir], 1, 'ARGUMENT_INVALID');
      expect(res.stderr.split('\n'), args.join(' ')).toHaveLength(2);
      expect(res.stderr, args.join(' ')).toContain(cause);
      expect(res.stderr, args.join(' ')).not.toMatch(STACK);
    }
    expect(existsSync(join(file, 'x'))).toBe(false);
  });

  it('the --json error line of a bad output path carries details.path and details.cause', () => {
    const dir = join(makeTmpDir(), 'db');
    ok(['put', 's', 'k', '-', '--dir', dir], { input: 'hello' });
    const out = join(regularFile(), 'x');
    const res = keepr(['get', 's', 'k', '--json', '-o', out, '--dir', dir]);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stderr) as unknown).toMatchObject({ code: 'ARGUMENT_INVALID', details: { path: out, cause: 'ENOTDIR' } });
  });

  it('not-found, usage and refusal errors keep their exit codes without a stack trace', () => {
    const dir = join(makeTmpDir(), 'db');
    ok(['put', 's', 'k', '-', '--dir', dir], { input: 'hello' });
    const cases: [string[], number, string][] = [
      [['get', 's', 'nope'], 2, 'BLOCK_NOT_FOUND'],
      [['stat', 'nope'], 2, 'SOURCE_NOT_FOUND'],
      [['state', 'ls', 'nope'], 2, 'STATE_NOT_FOUND'],
      [['ls', 's', '--cursor', 'zzz'], 1, 'CURSOR_INVALID'],
      [['bogus'], 1, 'ARGUMENT_INVALID'],
      [['restore', join(makeTmpDir(), 'none')], 1, 'ARGUMENT_INVALID'],
      [['backup', dir], 1, 'ARGUMENT_INVALID'],
    ];
    for (const [args, exit, code] of cases) {
      const res = fails([...args, '--dir', dir], exit, code);
      expect(res.stderr, args.join(' ')).not.toMatch(STACK);
    }
  });
});

describe('reportError', () => {
  /** Runs reportError with stderr captured. */
  function report(err: unknown, json: boolean): { exit: number; text: string } {
    let text = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    });
    try {
      return { exit: reportError(err, json), text };
    } finally {
      spy.mockRestore();
    }
  }

  it('adds a cause the message does not tell, in text and in JSON details', () => {
    const cause = Object.assign(new Error('EACCES: permission denied, open \'/x\''), { code: 'EACCES' });
    const err = new KeeprError('ENGINE_FAILURE', 'cannot open memory engine', { cause });
    expect(report(err, false)).toEqual({ exit: 3, text: "keepr: ENGINE_FAILURE: cannot open memory engine (cause: EACCES: permission denied, open '/x')\n" });
    const json = report(err, true);
    expect(JSON.parse(json.text) as unknown).toEqual({ code: 'ENGINE_FAILURE', message: 'cannot open memory engine', details: { cause: 'EACCES' } });
  });

  it('does not repeat a cause the message already tells, and turns other errors into INTERNAL without a stack', () => {
    const cause = Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR' });
    const err = new KeeprError('ARGUMENT_INVALID', 'cannot read x: ENOTDIR: not a directory', { cause, details: { path: 'x' } });
    expect(report(err, false).text).toBe('keepr: ARGUMENT_INVALID: cannot read x: ENOTDIR: not a directory\n');
    expect(JSON.parse(report(err, true).text) as unknown).toEqual({ code: 'ARGUMENT_INVALID', message: 'cannot read x: ENOTDIR: not a directory', details: { path: 'x' } });
    const internal = report(new TypeError('boom'), false);
    expect(internal).toEqual({ exit: 3, text: 'keepr: INTERNAL: boom\n' });
  });
});
