/** A small keep-alive HTTP client for the soak test; it only ever talks to 127.0.0.1. */
import http from 'node:http';

/** A complete answer. */
export interface Reply {
  readonly status: number;
  readonly body: Buffer;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ENOTCONN']);

/** True when `err` says the connection failed or dropped (the server was killed), not that it answered. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

/** Requests over a pool of keep-alive sockets to one port on 127.0.0.1. */
export class HttpClient {
  readonly #agent: http.Agent;

  constructor(
    readonly port: number,
    sockets: number,
    readonly timeoutMs = 30_000,
  ) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /** Sends one request; rejects on connection errors (see {@link isConnectionError}) and timeouts. */
  request(method: string, path: string, body?: Uint8Array | string, headers: Record<string, string> = {}, pooled = true): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: pooled ? this.#agent : false, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => {
        req.destroy(Object.assign(new Error(`${method} ${path}: no answer in ${this.timeoutMs} ms`), { code: 'SOAK_TIMEOUT' }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** True when GET /healthz answers 200 on a fresh connection. */
  async healthy(): Promise<boolean> {
    try {
      return (await this.request('GET', '/healthz', undefined, {}, false)).status === 200;
    } catch {
      return false;
    }
  }

  /** Closes every pooled socket. */
  close(): void {
    this.#agent.destroy();
  }
}
