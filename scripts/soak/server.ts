/** The `keepr serve` child process: start, wait for /healthz, SIGKILL, restart, memory samples. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { HttpClient } from './http.js';

/** Memory of a process in KiB, from /proc/<pid>/status and smaps_rollup. */
export interface MemorySample {
  /** VmRSS: counts a file page once per mapping that holds it. */
  readonly rssKiB: number;
  /** RssAnon: heap, stacks, buffers. */
  readonly anonKiB: number;
  /** Pss: each resident page once (lmdb-js keeps superseded maps of the data file, which VmRSS counts again). */
  readonly pssKiB: number;
}

function statusField(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]);
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

/** One `node dist/cli/main.js serve` at a time on a fixed directory and port. */
export class ServerProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);
  #expectExit = false;
  #ready = false;
  readonly #health: HttpClient;
  /** The last lines the servers wrote to stderr (they log at warn). */
  readonly stderrTail: string[] = [];
  stderrLines = 0;

  constructor(
    readonly cli: string,
    readonly dir: string,
    readonly port: number,
    /** Called when a server exits without being asked to (a crash). */
    readonly onUnexpectedExit: (code: number | null, signal: NodeJS.Signals | null) => void,
  ) {
    this.#health = new HttpClient(port, 1, 2000);
  }

  /** The running server's pid, if any. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /** Starts a server and resolves with the milliseconds until /healthz answered 200. */
  async start(timeoutMs = 60_000): Promise<number> {
    const started = performance.now();
    const child = spawn(process.execPath, [this.cli, 'serve', '--host', '127.0.0.1', '--port', String(this.port), '--dir', this.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    this.#expectExit = false;
    this.#ready = false;
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) this.#log(`[pid ${child.pid ?? '?'}] ${line}`);
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.#expectExit) this.onUnexpectedExit(code, signal);
        resolve(code);
      });
    });
    while (performance.now() - started < timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before /healthz answered:\n${this.stderrTail.slice(-20).join('\n')}`);
      }
      if (await this.#health.healthy()) {
        this.#ready = true;
        return performance.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`server not healthy after ${timeoutMs} ms`);
  }

  #log(line: string): void {
    this.stderrLines++;
    this.stderrTail.push(line);
    if (this.stderrTail.length > 200) this.stderrTail.shift();
  }

  /** SIGKILLs the server and waits until it is gone (its port is free again then). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#expectExit = true;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERMs the server (a clean shutdown) and resolves with its exit code. */
  async stop(): Promise<number | null> {
    const child = this.#child;
    if (child === undefined || this.pid === undefined) return null;
    this.#expectExit = true;
    child.kill('SIGTERM');
    return this.#exited;
  }

  /** VmRSS, RssAnon and Pss of the running server once it answered /healthz, else undefined. */
  memory(): MemorySample | undefined {
    const pid = this.pid;
    if (pid === undefined || !this.#ready) return undefined;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'latin1');
      const rssKiB = statusField(status, 'VmRSS');
      if (rssKiB === undefined) return undefined;
      const pssKiB = statusField(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'), 'Pss') ?? rssKiB;
      return { rssKiB, anonKiB: statusField(status, 'RssAnon') ?? rssKiB, pssKiB };
    } catch {
      return undefined;
    }
  }
}
