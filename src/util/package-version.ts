/** The version of the keepr package, read once from its package.json. */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    // src/util and dist/util both sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** keepr's version (`0.0.0` when its package.json cannot be read). */
export const KEEPR_VERSION = readVersion();
