/**
 * Graceful shutdown, end to end: a real server in a child process, a PUT whose body is still
 * arriving when SIGTERM lands; the request must complete and its block be stored, new
 * connections refused, and the store closed clean before the process exits 0.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { open } from '../../src/store/index.js';
import { buildServer, shutdown } from '../../src/server/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const child = fileURLToPath(new URL('./fixtures/serve-child.ts', import.meta.url));

interface ChildMessage {
  readonly port?: number;
  readonly shuttingDown?: string;
  readonly signal?: string;
  readonly storeOpen?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown', () => {
  it('lets a request in flight finish, refuses new ones, and closes the store on SIGTERM', async () => {
    const dir = makeTmpDir();
    const proc = fork(child, [dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const messages: ChildMessage[] = [];
    const waitFor = (test: (m: ChildMessage) => boolean): Promise<ChildMessage> =>
      new Promise((resolve, reject) => {
        const seen = messages.find(test);
        if (seen !== undefined) {
          resolve(seen);
          return;
        }
        const onMessage = (m: ChildMessage): void => {
          if (!test(m)) return;
          proc.off('message', onMessage);
          resolve(m);
        };
        proc.on('message', onMessage);
        proc.once('exit', (code) => {
          reject(new Error(`child exited with ${String(code)} before the awaited message`));
        });
      });
    proc.on('message', (m: ChildMessage) => messages.push(m));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    const { port } = (await waitFor((m) => m.port !== undefined)) as { port: number };

    // The slow request: headers and half the body now, the rest after the signal.
    const body = Buffer.from('0123456789');
    let answer = '';
    const response = new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/v1/sources/s/blocks/slow', headers: { 'content-type': 'text/plain', 'content-length': body.length } }, (res) => {
        res.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      req.write(body.subarray(0, 5));
      void sleep(1000).then(() => req.end(body.subarray(5)));
    });
    await sleep(300);
    proc.kill('SIGTERM');
    await waitFor((m) => m.shuttingDown === 'SIGTERM');
    await sleep(100);
    // The listener is closed: a new connection is refused while the old request still runs.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(messages.some((m) => m.signal !== undefined)).toBe(false);

    expect(await response).toBe(201);
    expect(JSON.parse(answer)).toMatchObject({ source: 's', key: 'slow' });
    expect(await waitFor((m) => m.signal !== undefined)).toEqual({ signal: 'SIGTERM', storeOpen: false });
    expect(await exited).toBe(0);

    const store = await open(dir);
    try {
      const block = await (await store.source('s')).get('slow');
      expect(Buffer.from(block!.data()).toString()).toBe('0123456789');
    } finally {
      await store.close();
    }
  });

  it('cuts a request that outlasts the grace period, and still closes the store', async () => {
    const store = await open(makeTmpDir());
    const app = buildServer(store, { metrics: 'no-defaults' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    // Shut down only once the server has the request (on a busy machine 100 ms was not always enough).
    const arrived = new Promise<void>((resolve) => app.server.once('request', () => {
      resolve();
    }));
    // A body that never finishes arriving.
    const failed = new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/v1/sources/s/blocks/never', headers: { 'content-length': 100 } }, () => {
        resolve('answered');
      });
      req.on('error', (err) => {
        resolve(err.message);
      });
      req.write('only a little');
    });
    await arrived;
    await sleep(50);
    const started = Date.now();
    await shutdown(app, store, 200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(store.isOpen).toBe(false);
    expect(await failed).toMatch(/socket hang up|ECONNRESET/);
  });
});
