/**
 * The routes the server declared, collected by Fastify's `onRoute` hook as each `app.get/put/…`
 * call registers one. A route is declared once, there: 405 answers (which methods a path has,
 * for `Allow`), CORS preflights and the OpenAPI document (@fastify/swagger reads the same
 * declarations, `schema.operationId` included) all follow from it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { KeeprError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** For a catch-all route: the paths it really serves; other paths it answers as not routed. */
    servesPath?: (path: string) => boolean;
  }
}

/** One declared route (a GET's automatic HEAD route is one too). */
export interface RouteEntry {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Fastify's URL pattern (`:param`, trailing `*`). */
  readonly url: string;
  /** `schema.operationId` (undefined for HEAD and hidden routes, which OpenAPI leaves out). */
  readonly operationId: string | undefined;
  /** Left out of the API description and of `Allow` (the CORS preflight route). */
  readonly hidden: boolean;
}

/** Order of methods in `Allow`. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface PathGroup {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
  servesPath: ((path: string) => boolean) | undefined;
}

/** The regular expression a Fastify URL pattern matches raw request paths with. */
export function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

function byMethodOrder(a: string, b: string): number {
  const rank = (m: string): number => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The routes of one server, as they were declared. */
export class RouteTable {
  readonly #routes: RouteEntry[] = [];
  readonly #servesPath = new Map<string, (path: string) => boolean>();
  #groups: Map<string, PathGroup> | undefined;

  /** Starts collecting the routes of `app`; call it before any route is declared. */
  static collect(app: FastifyInstance): RouteTable {
    const table = new RouteTable();
    app.addHook('onRoute', (route) => {
      table.#add(route);
    });
    return table;
  }

  /** Every route declared so far, in declaration order. */
  get routes(): readonly RouteEntry[] {
    return this.#routes;
  }

  #add(route: RouteOptions): void {
    const schema = route.schema as { operationId?: unknown; hide?: unknown } | undefined;
    const hidden = schema?.hide === true;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    const id = schema?.operationId;
    const operationId = typeof id === 'string' && !hidden ? id : undefined;
    for (const method of methods) this.#routes.push({ method, url: route.url, operationId: method === 'HEAD' ? undefined : operationId, hidden });
    const servesPath = route.config?.servesPath;
    if (servesPath !== undefined) this.#servesPath.set(route.url, servesPath);
    this.#groups = undefined;
  }

  #pathGroups(): Map<string, PathGroup> {
    if (this.#groups !== undefined) return this.#groups;
    const groups = new Map<string, PathGroup>();
    for (const route of this.#routes) {
      if (route.hidden) continue;
      let group = groups.get(route.url);
      if (group === undefined) {
        group = { pattern: routePattern(route.url), methods: new Set(), servesPath: this.#servesPath.get(route.url) };
        groups.set(route.url, group);
      }
      group.methods.add(route.method);
    }
    this.#groups = groups;
    return groups;
  }

  /** The methods some route declares for this raw request path, in `Allow` order; undefined when none. */
  allowedMethods(path: string): readonly string[] | undefined {
    const methods = new Set<string>();
    for (const group of this.#pathGroups().values()) {
      if (!group.pattern.test(path) || group.servesPath?.(path) === false) continue;
      for (const method of group.methods) methods.add(method);
    }
    return methods.size === 0 ? undefined : [...methods].sort(byMethodOrder);
  }

  /** `HTTP_METHOD_NOT_ALLOWED` (with `Allow`) when the path exists for other methods, else undefined. */
  methodNotAllowed(method: string, path: string): KeeprError | undefined {
    const allowed = this.allowedMethods(path);
    if (allowed === undefined || allowed.includes(method)) return undefined;
    const allow = allowed.join(', ');
    return new KeeprError('HTTP_METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allow}`, { details: { allow } });
  }
}
