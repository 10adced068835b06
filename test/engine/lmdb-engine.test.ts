import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, EngineEntry } from '../../src/engine/engine.js';
import { LmdbEngine, type LmdbEngineConfig } from '../../src/engine/lmdb/index.js';
import { isKeeprError, type KeeprError } from '../../src/errors.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { runEngineConformance } from '../../src/testing/index.js';

// The default write path (commit log, sync) and the write cache.
const VARIANTS: readonly [string, Omit<LmdbEngineConfig, 'path'>][] = [
  ['lmdb', {}],
  ['lmdb write-cache', { durability: 'write-cache' }],
];
for (const [name, config] of VARIANTS) {
  runEngineConformance({
    name,
    factory: () => new LmdbEngine({ path: makeTmpDir('keepr-lmdb-'), ...config }),
    reopen: (closed) => {
      if (!(closed instanceof LmdbEngine)) throw new Error('reopen expects an LmdbEngine');
      return new LmdbEngine(closed.config);
    },
  });
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/lmdb-child.ts', import.meta.url));
const hex = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('hex'));
const key = (text: string): Uint8Array => Buffer.from(text);

/** lmdb-js renews its read transaction once per timer turn; give it one before reading another process's commit. */
const nextReadTurn = (): Promise<void> => delay(10);

async function dumpAll(engine: Engine): Promise<string[]> {
  const out: string[] = [];
  for (const ns of await engine.listNamespaces()) {
    const entries: EngineEntry[] = [...engine.rangeSync(ns)];
    for (const entry of entries) out.push(`${ns}:${hex(entry.key)!}=${hex(entry.value)!}`);
  }
  return out;
}

/** A child process with the same store open, driven over IPC. */
class Child {
  readonly #process: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #next = 0;

  private constructor(child: ChildProcess) {
    this.#process = child;
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  }

  static async start(path: string): Promise<Child> {
    const child = fork(CHILD, [path], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => {
        resolve();
      });
      child.once('exit', (code) => {
        reject(new Error(`child exited early with ${String(code)}`));
      });
    });
    return new Child(child);
  }

  request(op: string, ns?: string, k?: string, value?: string): Promise<unknown> {
    const id = this.#next++;
    const done = new Promise<unknown>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    this.#process.send({ id, op, ns, key: k === undefined ? undefined : Buffer.from(k).toString('hex'), value });
    return done;
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.#process.once('exit', resolve));
    await this.request('close');
    return exited;
  }

  kill(): void {
    if (this.#process.exitCode === null) this.#process.kill();
  }
}

describe('LmdbEngine', () => {
  const engines: Engine[] = [];
  const children: Child[] = [];
  const openEngine = async (config: LmdbEngineConfig): Promise<LmdbEngine> => {
    const engine = new LmdbEngine(config);
    engines.push(engine);
    await engine.open();
    return engine;
  };
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill();
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  it('keeps its data in <path>/keepr.mdb across close and reopen', async () => {
    const path = join(makeTmpDir('keepr-lmdb-'), 'store');
    const engine = await openEngine({ path });
    await engine.createNamespace('a');
    await engine.put('a', key('k'), key('v'));
    await engine.close();
    expect(readdirSync(path).sort()).toEqual(['keepr.mdb', 'keepr.mdb-lock', 'wal']);
    // A clean close syncs LMDB and removes this writer's commit log: only its checkpoint stays
    // (until another writer's covers it), beside the open lock.
    const wal = readdirSync(join(path, 'wal')).sort();
    expect(wal.filter((name) => !name.startsWith('lock.mdb'))).toEqual([expect.stringMatching(/^closed\./)]);
    expect(readdirSync(join(path, 'wal', wal.find((name) => name.startsWith('closed.'))!))).toEqual(['checkpoint']);
    const again = await openEngine({ path });
    expect(hex(again.getSync('a', key('k')))).toBe(hex(key('v')));
    expect(again.supports).toMatchObject({ persistent: true, syncReads: true, multiProcess: true, hotBackup: true, maxKeyBytes: 1024 });
  });

  it('rejects bad configs with OPTION_INVALID', () => {
    const bad: unknown[] = [undefined, {}, { path: '' }, { path: 'x', mapSize: -1 }, { path: 'x', mapSize: 1.5 }, { path: 'x', durability: 'yes' }, { path: 'x', commitLog: 1 }, { path: 'x', flushDelayMs: 0 }, { path: 'x', cache: true }];
    for (const config of bad) {
      expect(() => new LmdbEngine(config as LmdbEngineConfig), JSON.stringify(config)).toThrow(
        expect.objectContaining({ code: 'OPTION_INVALID' }) as Error,
      );
    }
  });

  it('fails to open with ENGINE_FAILURE when the path is a file', async () => {
    const file = join(makeTmpDir('keepr-lmdb-'), 'not-a-dir');
    writeFileSync(file, 'x');
    const engine = new LmdbEngine({ path: file });
    engines.push(engine);
    const error: unknown = await engine.open().catch((err: unknown) => err);
    expect(isKeeprError(error, 'ENGINE_FAILURE')).toBe(true);
    expect(engine.status).toBe('closed');
  });

  /** Opens an engine on `path`, expecting ENGINE_FAILURE, and gives the error. */
  async function openFails(path: string): Promise<KeeprError> {
    const engine = new LmdbEngine({ path });
    engines.push(engine);
    const error: unknown = await engine.open().catch((err: unknown) => err);
    if (!isKeeprError(error, 'ENGINE_FAILURE')) throw new Error(`expected ENGINE_FAILURE, got ${String(error)}`);
    return error;
  }

  it('names the path and the cause when the path is under a regular file (ENOTDIR)', async () => {
    const file = join(makeTmpDir('keepr-lmdb-'), 'README.md');
    writeFileSync(file, 'x');
    const path = join(file, 'sub');
    const error = await openFails(path);
    expect(error.message).toContain(`cannot open the LMDB store in ${path}: ENOTDIR: `);
    expect(error.details).toEqual({ path, cause: 'ENOTDIR' });
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    // The path itself a file: the same cause, named too.
    const direct = await openFails(file);
    expect(direct.message).toContain(`cannot open the LMDB store in ${file}: ENOTDIR: `);
    expect(direct.details).toEqual({ path: file, cause: 'ENOTDIR' });
  });

  it('names the path and the cause for a name too long and for a data file that is a directory', async () => {
    const base = makeTmpDir('keepr-lmdb-');
    const long = join(base, 'x'.repeat(300));
    const tooLong = await openFails(long);
    expect(tooLong.message).toContain(`cannot open the LMDB store in ${long}: ENAMETOOLONG: `);
    expect(tooLong.details).toEqual({ path: long, cause: 'ENAMETOOLONG' });
    const dir = join(base, 'store');
    mkdirSync(join(dir, 'keepr.mdb'), { recursive: true });
    const isDir = await openFails(dir);
    expect(isDir.message).toContain(`cannot open the LMDB store in ${dir}: EISDIR: `);
    expect(isDir.details).toEqual({ path: dir, cause: 'EISDIR' });
  });

  it.skipIf(process.getuid?.() === 0)('names the path and the cause for a directory without permission (EACCES)', async () => {
    const locked = join(makeTmpDir('keepr-lmdb-'), 'locked');
    mkdirSync(locked, { mode: 0o500 });
    try {
      const error = await openFails(join(locked, 'db'));
      expect(error.message).toContain(`cannot open the LMDB store in ${join(locked, 'db')}: EACCES: `);
      expect(error.details).toEqual({ path: join(locked, 'db'), cause: 'EACCES' });
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('shares the store with a second process, both ways', async () => {
    const path = makeTmpDir('keepr-lmdb-');
    const engine = await openEngine({ path });
    await engine.createNamespace('shared');
    await engine.createNamespace('doomed');
    await engine.put('shared', key('from-parent'), key('p1'));
    expect(engine.getSync('doomed', key('x'))).toBeUndefined();

    const child = await Child.start(path);
    children.push(child);
    expect(await child.request('get', 'shared', 'from-parent')).toBe(hex(key('p1')));
    await child.request('create', 'child-made');
    await child.request('put', 'child-made', 'k', hex(key('c1')));
    await child.request('put', 'shared', 'from-child', hex(key('c2')));

    await nextReadTurn();
    expect(hex(engine.getSync('shared', key('from-child')))).toBe(hex(key('c2')));
    // Never seen here before: the cache misses and the registry is read again.
    expect(hex(engine.getSync('child-made', key('k')))).toBe(hex(key('c1')));
    expect(await engine.listNamespaces()).toEqual(['child-made', 'doomed', 'shared']);

    await engine.put('shared', key('later'), key('p2'));
    await nextReadTurn();
    expect(await child.request('get', 'shared', 'later')).toBe(hex(key('p2')));

    // Drops by the other process reach this process's cached namespace ids.
    expect(await child.request('drop', 'doomed')).toBe(true);
    expect(await child.request('drop', 'shared')).toBe(true);
    await child.request('create', 'shared');
    await child.request('put', 'shared', 'fresh', hex(key('c3')));
    await nextReadTurn();
    expect(engine.getSync('shared', key('from-parent'))).toBeUndefined();
    expect(hex(engine.getSync('shared', key('fresh')))).toBe(hex(key('c3')));
    expect(() => engine.getSync('doomed', key('x'))).toThrow(expect.objectContaining({ code: 'NAMESPACE_NOT_FOUND' }) as Error);
    await engine.put('shared', key('after'), key('p3'));
    await nextReadTurn();
    expect(await child.request('get', 'shared', 'after')).toBe(hex(key('p3')));

    expect(await child.stop()).toBe(0);
    expect(await dumpAll(engine)).toEqual([
      `child-made:${hex(key('k'))!}=${hex(key('c1'))!}`,
      `shared:${hex(key('after'))!}=${hex(key('p3'))!}`,
      `shared:${hex(key('fresh'))!}=${hex(key('c3'))!}`,
    ]);
  }, 30_000);

  it('makes a hot backup that opens with the same contents', async () => {
    const root = makeTmpDir('keepr-lmdb-');
    const engine = await openEngine({ path: join(root, 'live') });
    for (const ns of ['a', 'b', 'c']) await engine.createNamespace(ns);
    await engine.write(
      Array.from({ length: 3000 }, (_, i) => ({ op: 'put' as const, namespace: ['a', 'b', 'c'][i % 3]!, key: key(`k${i}`), value: new Uint8Array(64).fill(i & 0xff) })),
    );
    await engine.dropNamespace('c');
    const before = await dumpAll(engine);
    // Writes racing the backup land in the copy wholly or not at all.
    const racing = Array.from({ length: 20 }, (_, i) => engine.put('a', key(`race${i}`), key('r')));
    await engine.backup(join(root, 'copy'));
    await Promise.all(racing);
    expect(existsSync(join(root, 'copy', 'keepr.mdb'))).toBe(true);
    const copy = await openEngine({ path: join(root, 'copy') });
    const copied = await dumpAll(copy);
    const after = await dumpAll(engine);
    expect(copied.filter((line) => !line.includes(hex(key('race'))!))).toEqual(before);
    expect(copied.every((line) => after.includes(line))).toBe(true);
    expect(await copy.listNamespaces()).toEqual(['a', 'b']);
    // The copy is a full store: it takes writes and namespaces of its own.
    await copy.createNamespace('d');
    await copy.put('a', key('only-in-copy'), key('x'));
    expect(engine.getSync('a', key('only-in-copy'))).toBeUndefined();
    const again: unknown = await engine.backup(join(root, 'copy')).catch((err: unknown) => err);
    expect(isKeeprError(again, 'ARGUMENT_INVALID')).toBe(true);
  });

  it('lets two engines of one process share a directory', async () => {
    const path = makeTmpDir('keepr-lmdb-');
    const first = await openEngine({ path });
    await first.createNamespace('n');
    await first.put('n', key('a'), key('1'));
    const second = await openEngine({ path });
    expect(hex(second.getSync('n', key('a')))).toBe(hex(key('1')));
    await second.put('n', key('b'), key('2'));
    await second.close();
    // Closing one leaves the shared environment open for the other.
    expect(hex(first.getSync('n', key('b')))).toBe(hex(key('2')));
    await first.put('n', key('c'), key('3'));
    expect(hex(first.getSync('n', key('c')))).toBe(hex(key('3')));
  });

  it('compresses large values when it saves space, readable under any setting', async () => {
    const sizes: number[] = [];
    const compressible = Buffer.alloc(64 * 1024, 'keepr block ');
    const random = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
    for (const compression of [false, { threshold: 1024 }] as const) {
      const path = makeTmpDir('keepr-lmdb-');
      const engine = await openEngine({ path, compression });
      await engine.createNamespace('n');
      for (let i = 0; i < 50; i++) await engine.put('n', key(`c${i}`), compressible);
      await engine.put('n', key('r'), random);
      await engine.close();
      sizes.push(statSync(join(path, 'keepr.mdb')).size);
      // Reopen with the other setting: values written either way read back byte for byte.
      const again = await openEngine({ path, compression: compression === false ? { threshold: 64 } : false });
      expect(Buffer.compare(Buffer.from(again.getSync('n', key('c7'))!), compressible)).toBe(0);
      expect(hex(again.getSync('n', key('r')))).toBe(hex(random));
    }
    expect(sizes[1]!).toBeLessThan(sizes[0]! / 4);
  });

  it('lets writes reuse the pages large writes freed once a checkpoint moved on (the file stays near live + one write)', async () => {
    const engine = await openEngine({ path: makeTmpDir('keepr-lmdb-') });
    await engine.createNamespace('n');
    const rewrite = (round: number): Promise<unknown> =>
      engine.write(Array.from({ length: 2000 }, (_, i) => ({ op: 'put' as const, namespace: 'n', key: key(`k${String(i).padStart(5, '0')}`), value: Buffer.alloc(400, round) })));
    await rewrite(0);
    const live = (await engine.stats()).byteLength;
    // Every round copies every leaf page. Pages freed since the last checkpoint stay pinned (a
    // power cut may send recovery back to it); a checkpoint after each round frees them, and
    // the small transaction after each large one lets LMDB reuse them one round sooner.
    for (let round = 1; round <= 12; round++) {
      await rewrite(round);
      await engine.checkpoint();
    }
    const grown = (await engine.stats()).byteLength;
    expect(grown / live).toBeLessThan(2.5);
    expect(Buffer.from(engine.getSync('n', key('k01999'))!)).toEqual(Buffer.alloc(400, 12));
  });

  it('reports file size and lmdb counters in stats', async () => {
    const engine = await openEngine({ path: makeTmpDir('keepr-lmdb-') });
    await engine.createNamespace('a');
    await engine.createNamespace('b');
    await engine.write(Array.from({ length: 50 }, (_, i) => ({ op: 'put' as const, namespace: 'a', key: key(`k${i}`), value: key('v') })));
    const stats = await engine.stats();
    expect(stats).toMatchObject({ engine: 'lmdb', path: engine.config.path, namespaces: 2 });
    expect(stats.byteLength).toBe(statSync(engine.file).size);
    expect(stats.extra['dataEntries']).toBe(50);
    expect(stats.extra['pageSize']).toBeGreaterThan(0);
    expect(stats.extra['entryCount']).toBeGreaterThan(50);
  });
});
