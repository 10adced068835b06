/**
 * Who serves the store: the facts `/v1/stats` adds as `server` (pid, process start, versions,
 * host), so an operator can match the processes in the engine's reader table with this one.
 */
import { hostname } from 'node:os';
import { KEEPR_VERSION } from '../util/package-version.js';

/** The `server` field of `/v1/stats`. */
export interface ServerFacts {
  readonly pid: number;
  /** When this process started, ISO 8601 UTC with ms. */
  readonly startedAt: string;
  /** Seconds since then. */
  readonly uptimeSeconds: number;
  /** keepr's version. */
  readonly version: string;
  /** Node.js's version (`process.version`). */
  readonly node: string;
  /** The host name; admin only, like the data directory. */
  readonly host?: string;
}

/** The facts of this process now; `withHost` adds the host name. */
export function serverFacts(withHost: boolean): ServerFacts {
  const uptime = process.uptime();
  const facts = {
    pid: process.pid,
    startedAt: new Date(Math.round(performance.timeOrigin)).toISOString(),
    uptimeSeconds: Math.floor(uptime),
    version: KEEPR_VERSION,
    node: process.version,
  };
  return withHost ? { ...facts, host: hostname() } : facts;
}
