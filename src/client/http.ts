/**
 * The client's one way to the server: the global fetch (undici, keep-alive by default), the
 * bearer token, and error answers turned back into the KeeprError the server reported. Every
 * answer body is read or cancelled, so its connection returns to the pool.
 */
import { KeeprError, isErrorCode, type ErrorCode } from '../errors.js';

/** Options of a request. */
export interface RequestOptions {
  readonly body?: Uint8Array | string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** Codes for error answers that carry no keepr code (a proxy, or a server that is not keepr). */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: 'AUTH_REQUIRED',
  403: 'AUTH_FORBIDDEN',
  404: 'HTTP_ROUTE_NOT_FOUND',
  405: 'HTTP_METHOD_NOT_ALLOWED',
  406: 'HTTP_NOT_ACCEPTABLE',
  413: 'HTTP_BODY_TOO_LARGE',
  415: 'HTTP_CONTENT_TYPE_UNSUPPORTED',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The KeeprError an error answer describes: its JSON body, else its `Keepr-Error-Code` header, else its status. */
export async function errorFromResponse(res: Response): Promise<KeeprError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && isErrorCode(body['code'])) {
    const message = typeof body['message'] === 'string' ? body['message'] : `${res.status} ${res.statusText}`;
    const details = isRecord(body['details']) ? body['details'] : undefined;
    return new KeeprError(body['code'], message, details === undefined ? {} : { details });
  }
  const header = res.headers.get('keepr-error-code');
  if (isErrorCode(header)) return new KeeprError(header, `${res.status} ${res.statusText}`);
  const code = BY_STATUS[res.status] ?? (res.status >= 500 ? 'HTTP_UNREACHABLE' : 'HTTP_REQUEST_INVALID');
  return new KeeprError(code, `the server answered ${res.status} ${res.statusText}${text === '' ? '' : `: ${text.slice(0, 200)}`}`, { details: { status: res.status } });
}

/** The HTTP transport of one client. */
export class Transport {
  /** Base URL, without a trailing slash. */
  readonly base: string;
  readonly #auth: string | undefined;
  readonly #timeoutMs: number | undefined;
  #closed = false;

  constructor(base: string, token: string | undefined, timeoutMs: number | undefined) {
    this.base = base;
    this.#auth = token === undefined ? undefined : `Bearer ${token}`;
    this.#timeoutMs = timeoutMs;
  }

  /** True until {@link close}. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Refuses further requests (`STORE_CLOSED`). */
  close(): void {
    this.#closed = true;
  }

  /** Throws `STORE_CLOSED` once closed. */
  assertOpen(): void {
    if (this.#closed) throw new KeeprError('STORE_CLOSED', 'the client is closed', { details: { status: 'closed' } });
  }

  /** Sends a request; a 2xx answer resolves (body unread), any other rejects with its KeeprError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    this.assertOpen();
    let url = this.base + path;
    if (options.query !== undefined) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(options.query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      if (qs !== '') url += `?${qs}`;
    }
    const headers: Record<string, string> = { ...options.headers };
    if (this.#auth !== undefined) headers['authorization'] = this.#auth;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(this.#timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(this.#timeoutMs) }),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new KeeprError('HTTP_UNREACHABLE', `${method} ${url} failed: ${cause}`, { cause: err, details: { url } });
    }
    if (res.ok) return res;
    throw await errorFromResponse(res);
  }

  /** A request whose 2xx answer is JSON. */
  async json(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const res = await this.request(method, path, { ...options, headers: { accept: 'application/json', ...options.headers } });
    if (res.status === 204) return undefined;
    try {
      return await res.json();
    } catch (err) {
      throw new KeeprError('HTTP_UNREACHABLE', `${method} ${path}: the answer is not JSON`, { cause: err });
    }
  }

  /** A request whose 2xx answer is bytes. */
  async bytes(method: string, path: string, options: RequestOptions = {}): Promise<Uint8Array> {
    const res = await this.request(method, path, options);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** A request whose answer only matters by status; the body is discarded. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<number> {
    const res = await this.request(method, path, options);
    await res.body?.cancel();
    return res.status;
  }
}

/** `true` for a KeeprError with one of `codes`. */
export function hasCode(err: unknown, ...codes: ErrorCode[]): err is KeeprError {
  return err instanceof KeeprError && codes.includes(err.code);
}
