/** Options of the in-memory engine. */
import { KeeprError } from '../../errors.js';

/** Options of {@link MemoryEngine}; all optional. */
export interface MemoryEngineConfig {
  /** Entries per B+tree node (4 to 1024, default 64): a tuning knob, not a limit. */
  readonly nodeSize?: number;
}

/** Config with defaults applied. */
export interface ResolvedMemoryEngineConfig {
  readonly nodeSize: number;
}

const KNOWN_OPTIONS = new Set(['nodeSize']);

/** Validates a memory engine config (throws `OPTION_INVALID`) and applies defaults. */
export function resolveMemoryEngineConfig(config: MemoryEngineConfig = {}): ResolvedMemoryEngineConfig {
  if (typeof config !== 'object' || (config as unknown) === null) {
    throw new KeeprError('OPTION_INVALID', 'memory engine config must be an object');
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_OPTIONS.has(key)) throw new KeeprError('OPTION_INVALID', `unknown memory engine option ${key}`, { details: { option: key } });
  }
  const { nodeSize = 64 } = config;
  if (!Number.isInteger(nodeSize) || nodeSize < 4 || nodeSize > 1024) {
    throw new KeeprError('OPTION_INVALID', 'nodeSize must be an integer from 4 to 1024', { details: { option: 'nodeSize' } });
  }
  return { nodeSize };
}
