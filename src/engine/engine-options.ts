/** Option checks every engine factory shares: one error shape (`OPTION_INVALID` naming the option). */
import { KeeprError } from '../errors.js';

/** The `OPTION_INVALID` error for `option`. */
export function optionError(option: string, message: string): KeeprError {
  return new KeeprError('OPTION_INVALID', message, { details: { option } });
}

/** A positive safe integer (at most `max`), or `fallback` when undefined. */
export function positiveOption(value: unknown, option: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw optionError(option, max === Number.MAX_SAFE_INTEGER ? `${option} must be a positive integer` : `${option} must be an integer from 1 to ${max}`);
  }
  return value;
}

/** Checks that `config` is an object holding only `known` keys (`engine` names the engine in messages). */
export function checkConfigKeys(config: unknown, known: ReadonlySet<string>, engine: string, first = 'path'): asserts config is object {
  if (typeof config !== 'object' || config === null) throw optionError(first, `${engine} engine config must be an object`);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw optionError(key, `unknown ${engine} engine option ${key}`);
  }
}

/** A disk engine's durability: `sync` (default) or `write-cache`; `transient` points to the memory engine. */
export function diskDurability(value: unknown, engine: string): 'sync' | 'write-cache' {
  const mode = value ?? 'sync';
  if (mode === 'transient') throw optionError('durability', `the ${engine} engine keeps data on disk; a transient store is memoryEngine() from keepr/memory`);
  if (mode !== 'sync' && mode !== 'write-cache') throw optionError('durability', 'durability must be sync or write-cache');
  return mode;
}
