/**
 * Shared pieces of the engine conformance suite: options, per-test engine bookkeeping, byte
 * helpers and assertions. Only the public engine contract is used, so any engine can run it.
 */
import { expect, it } from 'vitest';
import type { Engine, EngineEntry, EngineSnapshot, RangeOptions } from '../../engine/engine.js';
import { isKeeprError, type ErrorCode } from '../../errors.js';
import { compareBytes } from '../../util/bytes.js';

/** Makes a fresh, unopened engine (in a fresh temp dir for engines on disk). */
export type EngineFactory = () => Engine | Promise<Engine>;

/** Tests an engine cannot pass, listed by test name with the reason; they show as skipped. */
export interface ConformanceSkip {
  readonly reason: string;
  readonly tests: readonly string[];
}

/** What {@link runEngineConformance} needs to know about an engine. */
export interface ConformanceOptions {
  /** Shown in the suite name. */
  readonly name: string;
  /** A fresh, unopened engine on fresh storage, each call. Call only while a test runs. */
  readonly factory: EngineFactory;
  /** A new, unopened engine over the same storage as `closed` (required for persistent engines). */
  readonly reopen?: (closed: Engine) => Engine | Promise<Engine>;
  /** Tests to skip, with reasons. */
  readonly skip?: readonly ConformanceSkip[];
}

/** Either an engine or a snapshot: the read surface both share. */
export type Reader = Engine | EngineSnapshot;

/** How a range is read: through `range` or `rangeSync`. */
export type RangeMode = 'async' | 'sync';

/** Per-suite state: engines made by the running test and the registered test names. */
export class ConformanceContext {
  /** The suite options. */
  readonly options: ConformanceOptions;
  readonly #engines: Engine[] = [];
  readonly #names = new Set<string>();
  readonly #skips = new Map<string, string>();

  /** Context for one `runEngineConformance` call. */
  constructor(options: ConformanceOptions) {
    this.options = options;
    for (const skip of options.skip ?? []) {
      for (const test of skip.tests) this.#skips.set(test, skip.reason);
    }
  }

  /** A fresh unopened engine, closed after the test. */
  async make(): Promise<Engine> {
    const engine = await this.options.factory();
    this.#engines.push(engine);
    return engine;
  }

  /** A fresh open engine, closed after the test. */
  async fresh(): Promise<Engine> {
    const engine = await this.make();
    await engine.open();
    return engine;
  }

  /** A new open engine over the storage of `closed` (a closed engine), or undefined without a hook. */
  async reopen(closed: Engine): Promise<Engine | undefined> {
    if (this.options.reopen === undefined) return undefined;
    const engine = await this.options.reopen(closed);
    this.#engines.push(engine);
    await engine.open();
    return engine;
  }

  /** Closes every engine the test made; for `afterEach`. */
  async closeAll(): Promise<void> {
    const engines = this.#engines.splice(0);
    await Promise.all(engines.map((engine) => engine.close()));
  }

  /** Registers a test, or a visibly skipped one when the options list it. Names are unique. */
  test(name: string, fn: () => Promise<void>, timeout?: number): void {
    if (this.#names.has(name)) throw new Error(`duplicate conformance test name: ${name}`);
    this.#names.add(name);
    const reason = this.#skips.get(name);
    if (reason === undefined) it(name, fn, timeout);
    else it.skip(`${name} [skipped: ${reason}]`, fn);
  }

  /** Registers a failing test when a skip entry names no test, so skips cannot rot silently. */
  checkSkips(): void {
    const unknown = [...this.#skips.keys()].filter((name) => !this.#names.has(name));
    const empty = (this.options.skip ?? []).filter((skip) => skip.reason.trim() === '' || skip.tests.length === 0);
    it('skip entries name existing tests and give reasons', () => {
      expect(unknown, 'skip entries naming unknown tests').toEqual([]);
      expect(empty, 'skip entries without a reason or tests').toEqual([]);
    });
  }
}

/** Bytes from numbers. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** UTF-8 bytes of a string. */
export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** Lower-case hex of some bytes, for readable assertions. */
export function hex(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

/** Keys of entries as hex strings. */
export function keysOf(entries: readonly EngineEntry[]): string[] {
  return entries.map((entry) => hex(entry.key)!);
}

/** Collects an async iterable. */
export async function collect(entries: AsyncIterable<EngineEntry>): Promise<EngineEntry[]> {
  const out: EngineEntry[] = [];
  for await (const entry of entries) out.push(entry);
  return out;
}

/** The range read modes a reader offers: `sync` only where `supports.syncReads`. */
export function modesOf(reader: Reader): RangeMode[] {
  return reader.supports.syncReads ? ['async', 'sync'] : ['async'];
}

/** Reads a whole range in the given mode. */
export async function readRange(reader: Reader, namespace: string, options: RangeOptions | undefined, mode: RangeMode): Promise<EngineEntry[]> {
  return mode === 'async' ? collect(reader.range(namespace, options)) : [...reader.rangeSync(namespace, options)];
}

/** Expects `action` to throw or reject with a keepr error whose code is one of `codes`. */
export async function expectCode(action: () => unknown, ...codes: ErrorCode[]): Promise<void> {
  let outcome: { readonly error: unknown } | undefined;
  try {
    await action();
  } catch (error) {
    outcome = { error };
  }
  expect(outcome, `expected a ${codes.join(' or ')} error`).toBeDefined();
  const error = outcome?.error;
  expect(isKeeprError(error), `expected a KeeprError, got ${String(error)}`).toBe(true);
  if (isKeeprError(error)) expect(codes).toContain(error.code);
}

/** Sorts byte strings the way every engine must order keys. */
export function sortBytes(values: readonly Uint8Array[]): Uint8Array[] {
  return [...values].sort(compareBytes);
}

/**
 * Reference semantics of a range over sorted keys: what every engine must return. Used by the
 * range tables and the model-based test.
 */
export function expectedRange(sortedKeys: readonly Uint8Array[], options: RangeOptions): Uint8Array[] {
  const { prefix, gt, gte, lt, lte, reverse = false, limit = Infinity } = options;
  const selected = sortedKeys.filter((key) => {
    if (prefix !== undefined && (key.length < prefix.length || compareBytes(key.subarray(0, prefix.length), prefix) !== 0)) return false;
    if (gt !== undefined && compareBytes(key, gt) <= 0) return false;
    if (gte !== undefined && compareBytes(key, gte) < 0) return false;
    if (lt !== undefined && compareBytes(key, lt) >= 0) return false;
    if (lte !== undefined && compareBytes(key, lte) > 0) return false;
    return true;
  });
  if (reverse) selected.reverse();
  return selected.slice(0, limit);
}

/** Describes range options for failure messages. */
export function describeRange(options: RangeOptions): string {
  const parts = Object.entries(options).map(([name, value]) => `${name}=${value instanceof Uint8Array ? hex(value)! : String(value)}`);
  return `{${parts.join(', ')}}`;
}
