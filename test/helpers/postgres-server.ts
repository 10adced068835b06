/**
 * A throwaway PostgreSQL server for tests: Debian's server binaries (`initdb` + `pg_ctl`) on a
 * loopback port in a temporary folder, run as user `postgres` when the tests run as root (initdb
 * refuses root). `npm test` starts one for the whole run (test/global-setup.ts); fault tests
 * start their own so they can stop and restart it without disturbing other tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A running test server. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** The data folder (removed by `stop()`). */
  readonly dataDir: string;
  /** Stops the server: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  halt(mode: 'immediate' | 'fast'): void;
  /** Starts a halted server again on the same port and folder. */
  start(): void;
  /** Stops the server for good and removes its folder. */
  stop(): void;
}

/** Options of {@link startPostgres}. */
export interface StartOptions {
  /** Durable commits (default false: `fsync=off` for speed, fine where no OS crash is simulated). */
  readonly fsync?: boolean;
  /** `max_connections` (default 300). */
  readonly maxConnections?: number;
  /** `full_page_writes` (default false: off for speed; the bench turns it on, PostgreSQL's default). */
  readonly fullPageWrites?: boolean;
}

/** Where Debian keeps the newest installed server's binaries, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = majors.at(-1);
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

/** Starts a fresh server; throws with a clear message when PostgreSQL is not installed. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === undefined) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: install the Debian package `postgresql` (.ci/run does) or set KEEPR_PG_URL');
  }
  const asRoot = userInfo().uid === 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'keepr-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dataDir, uid, gid);
  }
  const run = (tool: string, args: string[]): void => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dataDir });
    if (result.status !== 0) {
      throw new Error(`${tool} ${args.join(' ')} failed (${String(result.status)}): ${result.stderr}${result.stdout}`);
    }
  };
  const pgdata = join(dataDir, 'data');
  run('initdb', ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dataDir}`,
    '-c listen_addresses=127.0.0.1',
    `-c max_connections=${options.maxConnections ?? 300}`,
    `-c fsync=${options.fsync === true ? 'on' : 'off'}`,
    `-c full_page_writes=${options.fullPageWrites === true ? 'on' : 'off'}`,
  ].join(' ');
  const start = (): void => {
    run('pg_ctl', ['-D', pgdata, '-l', join(dataDir, 'log'), '-w', '-t', '60', '-o', settings, 'start']);
  };
  start();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    halt(mode) {
      run('pg_ctl', ['-D', pgdata, '-m', mode, '-w', 'stop']);
    },
    start,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', pgdata, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
