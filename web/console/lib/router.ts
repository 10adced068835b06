/**
 * Hash routes (`#/sources/web/blocks/a/b`): the console is one page served from blocks, so its
 * own paths never reach the server. Patterns name parameters with `:name` (one segment) and
 * `*name` (the rest, slashes included); each segment is percent-decoded once.
 */
import type { Role } from './api.js';

/** What a view gets to draw itself. */
export interface ViewContext {
  /** The element the view owns (emptied before each render). */
  readonly root: HTMLElement;
  /** Values of the route's `:name` and `*name` parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The query after `?` in the hash. */
  readonly query: URLSearchParams;
  /** Aborted when the user leaves the view: pass it to fetches and stop timers on it. */
  readonly signal: AbortSignal;
  /** The role of this tab's token (`admin` on a server without tokens, null without a token). */
  readonly role: Role | null;
  /** Call once the view's figures are on screen: marks its time to first paint. */
  ready(): void;
}

/** One view at one path pattern. */
export interface Route {
  /** `/sources/:source/blocks/*key` */
  readonly path: string;
  /** The nav section it belongs to (`sources`, `instruments`, `states`, `ops`). */
  readonly section: string;
  /** A stable name for the view (tests and paint marks use it). */
  readonly name: string;
  render(ctx: ViewContext): Promise<void>;
}

/** A route matched against a hash path, with its parameters. */
export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/** The first route whose pattern matches `path`, or undefined. */
export function match(routes: readonly Route[], path: string): Match | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  for (const route of routes) {
    const pattern = route.path.split('/').filter((p) => p !== '');
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const want = pattern[i]!;
      if (want.startsWith('*')) {
        const rest = parts.slice(i);
        if (rest.length === 0) ok = false;
        else params[want.slice(1)] = rest.map(decodeURIComponent).join('/');
        return ok ? { route, params } : undefined;
      }
      const got = parts[i];
      if (got === undefined) ok = false;
      else if (want.startsWith(':')) params[want.slice(1)] = decodeURIComponent(got);
      else if (want !== got) ok = false;
    }
    if (ok && parts.length === pattern.length) return { route, params };
  }
  return undefined;
}

/** A hash link to a path built from segments, each encoded (keys keep their `/`). */
export function link(...segments: string[]): string {
  return `#/${segments.map((s) => s.split('/').map(encodeURIComponent).join('/')).join('/')}`;
}
