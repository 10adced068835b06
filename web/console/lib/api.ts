/**
 * The console's one door to the server: same-origin fetches of the HTTP API with the bearer
 * token kept in this tab's session storage, and failures as {@link ApiError} carrying the
 * server's `{ code, message }`.
 */

/** Roles of the server, least to most powerful (docs/http-api.md#access-tokens). */
export type Role = 'metrics' | 'read' | 'write' | 'admin';

const TOKEN_KEY = 'keepr.console.token';

/** A failed API call: the HTTP status and the server's stable error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The token this tab uses, if any. */
export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Keeps `token` for this tab (session storage); undefined forgets it. */
export function setToken(token: string | undefined): void {
  if (token === undefined || token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Options of one call: a JSON-able `json` body or a raw `body`, and what to accept. */
export interface CallOptions {
  readonly method?: string;
  readonly json?: unknown;
  readonly body?: BodyInit;
  readonly contentType?: string;
  readonly accept?: string;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

/** Encodes each segment of a key or name for a path (keys may hold `/`, kept as separators). */
export function pathOf(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Calls the API; resolves with the response when it is 2xx, else rejects with an {@link ApiError}. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...options.headers };
  const token = getToken();
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.contentType !== undefined) {
    headers['content-type'] = options.contentType;
  }
  const response = await fetch(path, { method: options.method ?? 'GET', headers, body: body ?? null, signal: options.signal ?? null });
  if (response.ok) return response;
  let code = `HTTP_${response.status}`;
  let message = `${response.status} ${response.statusText}`;
  let details: unknown;
  try {
    const error = (await response.json()) as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof error.code === 'string') code = error.code;
    if (typeof error.message === 'string') message = error.message;
    details = error.details;
  } catch {
    // Not JSON: keep the status line.
  }
  const failure = new ApiError(response.status, code, message, details);
  if (response.status === 401) window.dispatchEvent(new CustomEvent('keepr:unauthorized', { detail: failure }));
  throw failure;
}

/** Calls the API and parses its JSON answer. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  return (await (await call(path, options)).json()) as T;
}

/** What the server makes of this tab's token. */
export interface WhoAmI {
  /** The token's role; `admin` when the server has no tokens; null without a (known) token. */
  readonly role: Role | null;
  /** True when the server checks tokens. */
  readonly auth: boolean;
}

/** The role of this tab's token (GET /v1/whoami). */
export function whoami(): Promise<WhoAmI> {
  return api<WhoAmI>('/v1/whoami');
}

const RANK: Record<Role, number> = { metrics: 0, read: 1, write: 2, admin: 3 };

/** True when `role` allows what `needed` allows. */
export function allows(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

/** Saves `data` as a download named `name` (exports fetched with the token). */
export function download(data: Blob, name: string): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
