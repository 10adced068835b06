/**
 * Access control: bearer tokens with roles, checked in one `onRequest` hook, before the body is
 * read: a refused request costs no body reading or parsing. Roles are ordered (`metrics` <
 * `read` < `write` < `admin`), each route names the least role it needs (and, where that depends
 * on the URL or the store, how to tell), and a request's role is resolved once, from a hash of
 * its token, so the lookup costs the same whatever the token and leaks nothing about the stored
 * ones through timing.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { FastifyContextConfig, FastifyRequest } from 'fastify';
import { KeeprError } from '../errors.js';
import { isArray, isObject } from '../util/guards.js';

/** What a token may do: scrape metrics; read; also write blocks, batches, volatiles; also create and drop sources. */
export type Role = 'metrics' | 'read' | 'write' | 'admin';

/** One access token and its role. */
export interface TokenConfig {
  readonly token: string;
  readonly role: Role;
}

/** Roles from least to most powerful; a role allows everything the ones before it allow. */
export const ROLES: readonly Role[] = ['metrics', 'read', 'write', 'admin'];

/** Shortest token accepted: 16 characters, so a token cannot be guessed by trying. */
export const MIN_TOKEN_LENGTH = 16;

/** RFC 6750 `b64token` characters; also keeps `role:token,role:token` unambiguous. */
const TOKEN_RULE = /^[A-Za-z0-9._~+/=-]+$/;

/** Environment variable read by {@link loadTokens}: `role:token,role:token`. */
export const TOKENS_ENV = 'KEEPR_TOKENS';

function rank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when `role` allows what `needed` allows. */
export function roleAllows(role: Role, needed: Role): boolean {
  return rank(role) >= rank(needed);
}

function invalid(message: string): KeeprError {
  return new KeeprError('OPTION_INVALID', message, { details: { option: 'tokens' } });
}

/** Validates token entries: known roles, b64token text of at least 16 characters, no duplicates. */
export function checkTokens(tokens: unknown): readonly TokenConfig[] {
  if (!isArray(tokens)) throw invalid('tokens must be an array of { token, role }');
  const seen = new Set<string>();
  return tokens.map((entry, i) => {
    if (!isObject(entry)) throw invalid(`token ${i} must be an object { token, role }`);
    const { token, role } = entry as Record<string, unknown>;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw invalid(`token ${i}: role must be one of ${ROLES.join(', ')}`);
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || !TOKEN_RULE.test(token)) {
      throw invalid(`token ${i}: a token is at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ + / = -`);
    }
    if (seen.has(token)) throw invalid(`token ${i} is listed twice`);
    seen.add(token);
    return { token, role: role as Role };
  });
}

/** Parses `role:token,role:token` (the `KEEPR_TOKENS` format). */
export function parseTokenList(text: string): readonly TokenConfig[] {
  const entries = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon < 0) throw invalid(`${TOKENS_ENV} entries are role:token, not ${JSON.stringify(part.slice(0, 12))}…`);
      return { role: part.slice(0, colon), token: part.slice(colon + 1) };
    });
  return checkTokens(entries);
}

/**
 * Tokens for {@link buildServer}: from `file` when given (JSON: an array of `{ token, role }` or
 * `{ "tokens": [...] }`), else from `KEEPR_TOKENS` (`role:token,role:token`), else none.
 */
export function loadTokens(file?: string, env: NodeJS.ProcessEnv = process.env): readonly TokenConfig[] {
  if (file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new KeeprError('OPTION_INVALID', `cannot read tokens file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, details: { option: 'tokens' } });
    }
    return checkTokens(isObject(parsed) && !isArray(parsed) ? (parsed as Record<string, unknown>)['tokens'] : parsed);
  }
  const text = env[TOKENS_ENV];
  return text === undefined || text.trim() === '' ? [] : parseTokenList(text);
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Refuses (`SERVER_BIND_REFUSED`) to serve beyond loopback without tokens: an open server on a
 * network address would give anyone who can reach it every right over the store.
 */
export function assertBindAllowed(host: string, tokens: readonly TokenConfig[] | undefined): void {
  if ((tokens?.length ?? 0) > 0 || isLoopback(host)) return;
  throw new KeeprError('SERVER_BIND_REFUSED', `refusing to listen on ${host} without access tokens: give tokens (--tokens or ${TOKENS_ENV}) or listen on 127.0.0.1`, {
    details: { host },
  });
}

/** What to tell the operator at start about access control, or undefined when tokens are on. */
export function bindNotice(host: string, tokens: readonly TokenConfig[] | undefined): string | undefined {
  if ((tokens?.length ?? 0) > 0) return undefined;
  return `no access tokens: serving on loopback (${host}) only, and every local client has every right`;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role a route needs; routes without one are open (health, OpenAPI, web resources). */
    role?: Role;
    /**
     * The role one request of the route needs when it can be more than `role`, told from its URL,
     * headers or the store (a volatile method that writes, a block PUT that creates its source).
     */
    roleOf?: (request: FastifyRequest) => Role | Promise<Role>;
  }
  interface FastifyRequest {
    /** The caller's role: from its token, or `admin` when the server has no tokens. */
    keeprRole: Role;
  }
}

function digest(token: string): string {
  return hash('sha256', token, 'base64');
}

/** Throws `AUTH_FORBIDDEN` unless the request's role allows `needed` (for checks inside handlers). */
export function requireRole(request: FastifyRequest, needed: Role, what: string): void {
  if (!roleAllows(request.keeprRole, needed)) {
    throw new KeeprError('AUTH_FORBIDDEN', `${what} needs the ${needed} role; this token has ${request.keeprRole}`, { details: { role: request.keeprRole, needed } });
  }
}

function forbidden(role: Role, needed: Role): KeeprError {
  return new KeeprError('AUTH_FORBIDDEN', `this request needs the ${needed} role; this token has ${role}`, { details: { role, needed } });
}

/** The route's `roleOf` check, for a role that passed the route's least role; never rejects. */
async function checkRoleOf(request: FastifyRequest, role: Role, roleOf: (request: FastifyRequest) => Role | Promise<Role>): Promise<Error | undefined> {
  try {
    const needed = await roleOf(request);
    return roleAllows(role, needed) ? undefined : forbidden(role, needed);
  } catch (err) {
    // A store that cannot answer (closed) fails the request like any handler would.
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** What a token check gives: the error to answer with, or undefined; a promise (that never rejects) when the route asks the store. */
export type AuthResult = Error | undefined | Promise<Error | undefined>;

/** The parts of a route's config a token check reads. */
export type RouteAccess = Pick<FastifyContextConfig, 'role' | 'roleOf'>;

/** The role one connection's last accepted Authorization header resolved to. */
interface KnownHeader {
  readonly header: string;
  readonly role: Role;
}

/**
 * The token check of a server with `tokens` (undefined when it has none): for a request and its
 * route's config, the error to answer with, or undefined after setting `request.keeprRole`.
 *
 * A keep-alive client sends the same Authorization header on every request of a connection, so
 * each connection remembers the last header it had accepted and its role: a request whose header
 * is that same string skips the hash and the lookup. Comparing a header with the one the same
 * connection sent before tells its sender nothing it did not know (it sent both), and an
 * unknown header is always resolved from its hash, so the lookup still leaks nothing about the
 * stored tokens through timing.
 */
export function authenticator(tokens: readonly TokenConfig[]): ((request: FastifyRequest, route: RouteAccess) => AuthResult) | undefined {
  if (tokens.length === 0) return undefined;
  const identify = tokenIdentifier(tokens);
  const known = new WeakMap<object, KnownHeader>();
  return (request, route) => {
    const { role: needed, roleOf } = route;
    // Open routes and unknown paths (answered 404 by the not-found handler) need no token.
    if (needed === undefined) return undefined;
    const header = request.headers.authorization;
    const socket = request.raw.socket;
    const last = known.get(socket);
    let role: Role;
    if (last !== undefined && header === last.header) {
      role = last.role;
    } else {
      const found = identify(header);
      if (found instanceof KeeprError) return found;
      role = found;
      if (header !== undefined) known.set(socket, { header, role });
    }
    request.keeprRole = role;
    if (!roleAllows(role, needed)) return forbidden(role, needed);
    // An admin may do anything: no need to ask (and maybe wait for) the route.
    return roleOf === undefined || role === 'admin' ? undefined : checkRoleOf(request, role, roleOf);
  };
}

/**
 * The role of an Authorization header on a server with `tokens`: `AUTH_REQUIRED` without one,
 * `AUTH_TOKEN_INVALID` for a malformed header or an unknown token.
 */
export function tokenIdentifier(tokens: readonly TokenConfig[]): (header: string | undefined) => Role | KeeprError {
  const roles = new Map(checkTokens(tokens).map(({ token, role }) => [digest(token), role]));
  return (header) => {
    if (header === undefined || header.trim() === '') return new KeeprError('AUTH_REQUIRED', 'this server needs a token: send Authorization: Bearer <token>');
    const m = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header);
    const role = m === null ? undefined : roles.get(digest(m[1]!));
    if (role !== undefined) return role;
    return new KeeprError('AUTH_TOKEN_INVALID', m === null ? 'the Authorization header must be Bearer <token>' : 'the token is not one this server knows');
  };
}
