import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { LevelEngine, levelEngine, levelFiles, type LevelEngineOptions } from '../../src/engine/level/index.js';
import { open } from '../../src/store/index.js';
import { runEngineConformance } from '../../src/testing/index.js';
import { codeOf, codeOfAsync } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

// The default write path (synced group commit) and the write cache.
const VARIANTS: readonly [string, LevelEngineOptions][] = [
  ['level', {}],
  ['level write-cache', { durability: 'write-cache' }],
];
for (const [name, options] of VARIANTS) {
  runEngineConformance({
    name,
    factory: () => new LevelEngine({ path: makeTmpDir('keepr-level-'), ...options }),
    reopen: (closed) => {
      if (!(closed instanceof LevelEngine)) throw new Error('reopen expects a LevelEngine');
      return new LevelEngine(closed.config);
    },
  });
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/level-child.ts', import.meta.url));
const bytes = (text: string): Uint8Array => Buffer.from(text);
const hex = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('hex'));

/** Every entry of a LevelDB folder as `hex key=hex value`, read by a plain classic-level. */
async function plainDump(dir: string): Promise<string[]> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
  await db.open();
  try {
    return (await db.iterator().all()).map(([key, value]) => `${key.toString('hex')}=${value.toString('hex')}`);
  } finally {
    await db.close();
  }
}

/** A child process (fixtures/level-child.ts) and the JSON lines it printed. */
class Child {
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly #waiters: (() => void)[] = [];
  readonly exited: Promise<void>;

  constructor(dir: string, mode: string) {
    this.process = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, mode], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', () => {
        resolve();
      });
    });
  }

  /** Resolves once `count` lines were printed (rejects when the child exits first). */
  async until(count: number): Promise<void> {
    while (this.lines.length < count) {
      const more = new Promise<void>((resolve) => this.#waiters.push(resolve));
      const exit = this.exited.then(() => {
        if (this.lines.length < count) throw new Error(`child exited after ${this.lines.length} lines`);
      });
      await Promise.race([more, exit]);
    }
  }

  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.exited;
  }
}

describe('LevelEngine', () => {
  const engines: Engine[] = [];
  const children: Child[] = [];
  const openEngine = async (path: string, options: LevelEngineOptions = {}): Promise<LevelEngine> => {
    const engine = levelEngine(path, options);
    engines.push(engine);
    await engine.open();
    return engine;
  };
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  it('declares a persistent, single-process engine with hot backup and no synchronous reads', () => {
    const engine = levelEngine(makeTmpDir('keepr-level-'));
    expect(engine.name).toBe('level');
    expect(engine.durability).toBe('sync');
    expect(engine.supports).toEqual({ persistent: true, syncReads: false, multiProcess: false, hotBackup: true, maxKeyBytes: 1024 });
  });

  it('refuses bad options with OPTION_INVALID', () => {
    const path = makeTmpDir('keepr-level-');
    const bad: unknown[] = [
      { durability: 'transient' },
      { durability: 'fast' },
      { flushDelayMs: 0 },
      { flushDelayMs: 1.5 },
      { cacheSize: -1 },
      { writeBufferSize: '4MB' },
      { compression: 'snappy' },
      { mapSize: 1 },
    ];
    for (const options of bad) expect(codeOf(() => levelEngine(path, options as LevelEngineOptions)), JSON.stringify(options)).toBe('OPTION_INVALID');
    expect(codeOf(() => new LevelEngine({ path: '' }))).toBe('OPTION_INVALID');
    expect(codeOf(() => new LevelEngine(null as unknown as { path: string }))).toBe('OPTION_INVALID');
  });

  it('stores entries as is: a plain classic-level reads the documented keys and the exact block bytes', async () => {
    const dir = makeTmpDir('keepr-level-');
    const store = await open({ engine: levelEngine(dir) });
    const source = await store.source('x');
    const small = Block.from([[1, 2], [3, 4]], { type: 'int32' });
    const large = Block.from(new Float64Array(10_000).map((_, i) => i / 3));
    await source.put('k1', small);
    await source.put(Uint8Array.of(0xff, 0x00), large);
    await store.close();
    const entry = (key: Uint8Array, value: Uint8Array): string => `${hex(key)!}=${hex(value) ?? ''}`;
    const prefix = (name: string): Buffer => Buffer.concat([Buffer.from(name, 'latin1'), Buffer.of(0)]);
    expect(await plainDump(dir)).toEqual([
      entry(Buffer.of(0x00, 0x00), bytes('keepr-level 1')),
      entry(Buffer.concat([Buffer.of(0x00, 0x01), bytes('src:x')]), new Uint8Array(0)),
      entry(Buffer.concat([prefix('src:x'), bytes('k1')]), small.bytes),
      entry(Buffer.concat([prefix('src:x'), Buffer.of(0xff, 0x00)]), large.bytes),
    ]);
    // The owner file is gone after a clean close.
    expect(existsSync(join(dir, 'keepr-owner.json'))).toBe(false);
  });

  it('refuses a LevelDB that keepr did not write with STORE_CORRUPT', async () => {
    const dir = makeTmpDir('keepr-level-');
    const db = new ClassicLevel(dir);
    await db.open();
    await db.put('someone', 'else');
    await db.close();
    expect(await codeOfAsync(() => levelEngine(dir).open())).toBe('STORE_CORRUPT');
  });

  it('a second open in this process gets STORE_LOCKED naming this process', async () => {
    const dir = makeTmpDir('keepr-level-');
    await openEngine(dir);
    const owner = JSON.parse(readFileSync(join(dir, 'keepr-owner.json'), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(process.pid);
    const second = levelEngine(dir);
    const err = await second.open().then(
      () => undefined,
      (e: unknown) => e as { code: string; details: Record<string, unknown> },
    );
    expect(err?.code).toBe('STORE_LOCKED');
    expect(err?.details['pid']).toBe(process.pid);
    expect(second.status).toBe('closed');
    // Another process asking who uses the store is told this one.
    expect(await levelFiles.users(dir)).toEqual([]);
  });

  it('another process gets STORE_LOCKED naming the holder, and opens once the holder is gone', async () => {
    const dir = makeTmpDir('keepr-level-');
    const engine = await openEngine(dir);
    await engine.createNamespace('n');
    const child = new Child(dir, 'open');
    children.push(child);
    await child.until(1);
    expect(child.lines[0]).toMatchObject({ code: 'STORE_LOCKED', details: { pid: process.pid } });
    await engine.close();

    const holder = new Child(dir, 'hold');
    children.push(holder);
    await holder.until(1);
    const pid = holder.lines[0]!['pid'] as number;
    expect(await levelFiles.users(dir)).toEqual([pid]);
    const err = await levelEngine(dir)
      .open()
      .then(
        () => undefined,
        (e: unknown) => e as { code: string; details: Record<string, unknown>; message: string },
      );
    expect(err?.code).toBe('STORE_LOCKED');
    expect(err?.details['pid']).toBe(pid);
    expect(err?.message).toContain(String(pid));
    // A killed holder leaves its owner file behind; the lock dies with it, and the file is stale.
    await holder.kill();
    expect(await levelFiles.users(dir)).toEqual([]);
    const again = await openEngine(dir);
    expect(await again.listNamespaces()).toEqual(['n']);
  });

  it('sync durability: a process killed mid-work loses no acknowledged write', async () => {
    const dir = makeTmpDir('keepr-level-');
    const child = new Child(dir, 'write');
    children.push(child);
    // Ready, then 200 acknowledged puts from four concurrent writers.
    await child.until(201);
    await child.kill();
    const acked = child.lines.flatMap((line) => (typeof line['acked'] === 'string' ? [line['acked']] : []));
    expect(acked.length).toBeGreaterThanOrEqual(200);
    const engine = await openEngine(dir);
    const values = await engine.getMany('d', acked.map(bytes));
    const missing = acked.filter((_, i) => values[i] === undefined);
    expect(missing).toEqual([]);
  }, 60_000);

  it('writes issued together share one LevelDB batch', async () => {
    const engine = await openEngine(makeTmpDir('keepr-level-'));
    await engine.createNamespace('g');
    const before = (await engine.stats()).extra;
    await Promise.all(Array.from({ length: 100 }, (_, i) => engine.put('g', Uint8Array.of(i), Uint8Array.of(i))));
    const after = (await engine.stats()).extra;
    expect(after['writes']! - before['writes']!).toBe(100);
    expect(after['batches']! - before['batches']!).toBe(1);
    expect(await engine.getMany('g', [Uint8Array.of(0), Uint8Array.of(99)])).toEqual([Uint8Array.of(0), Uint8Array.of(99)]);
  });

  it('write-cache: writes are acknowledged unsynced and flushed() syncs them', async () => {
    const dir = makeTmpDir('keepr-level-');
    // A delay no test waits for: only flushed() and close() sync.
    const engine = await openEngine(dir, { durability: 'write-cache', flushDelayMs: 3_600_000 });
    expect(engine.durability).toBe('write-cache');
    await engine.createNamespace('c');
    await engine.put('c', bytes('a'), bytes('1'));
    expect((await engine.stats()).extra['flushes']).toBe(0);
    await engine.flushed();
    expect((await engine.stats()).extra['flushes']).toBe(1);
    // Nothing new: nothing to sync.
    await engine.flushed();
    expect((await engine.stats()).extra['flushes']).toBe(1);
    await engine.put('c', bytes('b'), bytes('2'));
    await engine.close();
    const again = await openEngine(dir);
    expect((await again.getMany('c', [bytes('a'), bytes('b')])).map(hex)).toEqual([hex(bytes('1')), hex(bytes('2'))]);
  });

  it('write-cache: the background flush syncs within flushDelayMs', async () => {
    const engine = await openEngine(makeTmpDir('keepr-level-'), { durability: 'write-cache', flushDelayMs: 5 });
    await engine.createNamespace('c');
    await engine.put('c', bytes('a'), bytes('1'));
    // Polled, not timed: the flush happens when it happens; the test only waits for it.
    while ((await engine.stats()).extra['flushes'] === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await engine.stats()).extra['flushes']).toBeGreaterThanOrEqual(1);
  });

  it('backs up while open: the copy is a plain LevelDB store folder levelEngine opens', async () => {
    const engine = await openEngine(makeTmpDir('keepr-level-'));
    await engine.createNamespace('a');
    await engine.createNamespace('b');
    await engine.write(Array.from({ length: 3000 }, (_, i) => ({ op: 'put' as const, namespace: i % 2 === 0 ? 'a' : 'b', key: Uint8Array.of(i >> 8, i & 0xff), value: new Uint8Array(100).fill(i & 0xff) })));
    const target = join(makeTmpDir('keepr-level-backup-'), 'copy');
    // Writes during the backup land in the store, not in the copy (it is one snapshot).
    const during = engine.put('a', bytes('late'), bytes('x'));
    await engine.backup(target);
    await during;
    expect(readdirSync(target)).toContain('CURRENT');
    expect(await codeOfAsync(() => engine.backup(target))).toBe('ARGUMENT_INVALID');
    const copy = await openEngine(target);
    expect(await copy.listNamespaces()).toEqual(['a', 'b']);
    let count = 0;
    let late = 0;
    for await (const entry of copy.range('a')) {
      // The late put may or may not have landed before the backup's snapshot: either is fine.
      if (hex(entry.key) === hex(bytes('late'))) late++;
      else expect(entry.value).toEqual(new Uint8Array(100).fill(entry.value[0]!));
      count++;
    }
    expect(count).toBe(1500 + late);
    expect(hex(await engine.get('a', bytes('late')))).toBe(hex(bytes('x')));
  });

  it('dropping a namespace leaves no entry of it in LevelDB', async () => {
    const dir = makeTmpDir('keepr-level-');
    const engine = await openEngine(dir);
    await engine.createNamespace('gone');
    await engine.createNamespace('gone2');
    await engine.write(Array.from({ length: 2500 }, (_, i) => ({ op: 'put' as const, namespace: 'gone', key: Uint8Array.of(i >> 8, i & 0xff), value: Uint8Array.of(1) })));
    await engine.put('gone2', Uint8Array.of(1), Uint8Array.of(2));
    expect(await engine.dropNamespace('gone')).toBe(true);
    await engine.close();
    const keys = (await plainDump(dir)).map((line) => Buffer.from(line.split('=')[0]!, 'hex').toString('latin1'));
    expect(keys).toEqual(['\x00\x00', '\x00\x01gone2', 'gone2\x00\x01']);
  });

  it('levelFiles: size, engineFor, install and salvage', async () => {
    const dir = makeTmpDir('keepr-level-');
    expect(await levelFiles.size(dir)).toBeUndefined();
    expect(await levelFiles.check(dir)).toBeUndefined();
    const engine = await openEngine(dir);
    await engine.createNamespace('n');
    await engine.put('n', bytes('k'), new Uint8Array(5000));
    expect(await levelFiles.size(dir)).toBeGreaterThan(5000);
    expect(await codeOfAsync(() => levelFiles.salvage(dir))).toBe('STORE_LOCKED');
    const staged = join(makeTmpDir('keepr-level-stage-'), 'staged');
    await engine.backup(staged);
    await engine.put('n', bytes('after'), bytes('1'));
    await engine.close();

    await levelFiles.install(staged, dir);
    const installed = levelFiles.engineFor(dir);
    expect(installed.name).toBe('level');
    engines.push(installed);
    await installed.open();
    expect(await installed.has('n', bytes('k'))).toBe(true);
    expect(await installed.has('n', bytes('after'))).toBe(false);
    await installed.close();

    const report = await levelFiles.salvage(dir);
    // Repair turns the log (the put after the backup's data was staged is not in it) into a table.
    expect(report).toMatchObject({ dropped: 0, damaged: [], movedTo: join(dir, 'lost') });
    expect(report.replayed).toBeGreaterThanOrEqual(0);
    const repaired = await openEngine(dir);
    expect(await repaired.has('n', bytes('k'))).toBe(true);
    expect(levelFiles.describeCheck({ ok: true, stable: true, problems: [], problemsCapped: false })).toContain('all good');
  });
});
