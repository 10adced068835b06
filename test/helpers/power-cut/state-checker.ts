/**
 * Parent side of check-child.ts: one child checks state after state; when a state kills it
 * (a signal, an exit) or hangs it, that state gets the matching result and the next state goes
 * to a spare child, started in advance so a death costs no start-up time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreOptions as OpenOptions } from '../open-store.js';
import type { CheckAnswer, CheckRequest } from './check-child.js';
import { buildShim } from './shim-build.js';
import type { CheckResult } from './verdict.js';

const CHILD = fileURLToPath(new URL('./check-child.ts', import.meta.url));

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  stderr: string;
  exited: boolean;
  /** Called when the child exits while it checks a state. */
  onDeath: ((result: CheckResult) => void) | undefined;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ');
}

/** Checks state directories in reused child processes. */
export class StateChecker {
  readonly #options: OpenOptions;
  readonly #timeoutMs: number;
  #active: Worker | undefined;
  #spare: Worker | undefined;
  #next = 0;
  #bootDir: string | undefined;
  /** Children started so far. */
  started = 0;

  /** `options` are passed to open(); a state that takes longer than `timeoutMs` counts as a hang. */
  constructor(options: OpenOptions, timeoutMs = 5000) {
    this.#options = options;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * The children run "after a reboot": the shim (recording nothing here) shows them a boot id of
   * their own, as LMDB keys its trust in an unsynced meta page to the boot id.
   */
  #env(): NodeJS.ProcessEnv {
    this.#bootDir ??= mkdtempSync(join(tmpdir(), 'keepr-power-cut-boot-'));
    const bootId = join(this.#bootDir, 'boot_id');
    writeFileSync(bootId, `${randomUUID()}\n`);
    return { ...process.env, LD_PRELOAD: buildShim(), IOTRACE_BOOT_ID: bootId, IOTRACE_ROOT: '', IOTRACE_OUT: '', IOTRACE_MARKERS: '' };
  }

  #spawn(): Worker {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: this.#env() });
    this.started++;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => {
        resolve();
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`power-cut checker child exited before it was ready (${signal ?? code}): ${worker.stderr}`));
      });
    });
    ready.catch(() => undefined); // a spare that dies unused is only replaced
    const worker: Worker = { child, ready, stderr: '', exited: false, onDeath: undefined };
    child.stderr?.on('data', (chunk: Buffer) => {
      worker.stderr = (worker.stderr + chunk.toString()).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      worker.exited = true;
      worker.onDeath?.(signal !== null ? { died: 'signal', detail: `${signal}: ${tail(worker.stderr)}` } : { died: 'exit', detail: `exit code ${code}: ${tail(worker.stderr)}` });
    });
    return worker;
  }

  /** The worker for the next state (promoting the spare), with a new spare starting. */
  #worker(): Worker {
    if (this.#active?.exited === true) this.#active = undefined;
    if (this.#active === undefined) {
      this.#active = this.#spare !== undefined && !this.#spare.exited ? this.#spare : this.#spawn();
      this.#spare = undefined;
    }
    if (this.#spare === undefined || this.#spare.exited) this.#spare = this.#spawn();
    return this.#active;
  }

  /** Starts the children now (they take about a second to load keepr). */
  warm(): void {
    this.#worker();
  }

  /** Checks one state directory. */
  async check(dir: string): Promise<CheckResult> {
    const worker = this.#worker();
    await worker.ready;
    const id = this.#next++;
    return new Promise<CheckResult>((resolve) => {
      let done = false;
      const finish = (result: CheckResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        worker.child.off('message', onMessage);
        worker.onDeath = undefined;
        resolve(result);
      };
      const onMessage = (msg: CheckAnswer | { ready: true }): void => {
        if ('id' in msg && msg.id === id) finish({ passes: msg.passes });
      };
      const timer = setTimeout(() => {
        finish({ died: 'hang', detail: `no answer within ${this.#timeoutMs} ms` });
        worker.child.kill('SIGKILL');
      }, this.#timeoutMs);
      worker.onDeath = finish;
      worker.child.on('message', onMessage);
      const request: CheckRequest = { id, dir, options: this.#options };
      worker.child.send(request);
    });
  }

  /** Stops the children. */
  async close(): Promise<void> {
    if (this.#bootDir !== undefined) rmSync(this.#bootDir, { recursive: true, force: true });
    this.#bootDir = undefined;
    const workers = [this.#active, this.#spare].filter((w): w is Worker => w !== undefined && !w.exited);
    this.#active = undefined;
    this.#spare = undefined;
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.child.once('exit', () => {
              resolve();
            });
            w.child.kill('SIGKILL');
          }),
      ),
    );
  }
}
