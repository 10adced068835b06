/**
 * Graceful shutdown for `keepr serve`: on the first SIGINT or SIGTERM the server stops taking
 * connections, lets requests in flight finish, then the store closes clean. A second signal or
 * the grace period cuts the remaining connections, and the store still closes.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';

/** Options of {@link serveUntilSignal}. */
export interface ServeUntilSignalOptions {
  /** Signals that start the shutdown (default SIGINT and SIGTERM). */
  readonly signals?: readonly NodeJS.Signals[];
  /** Longest wait for requests in flight before their connections are cut (default 10 s). */
  readonly graceMs?: number;
  /** Called when the shutdown starts, with the signal (to log it). */
  readonly onSignal?: (signal: NodeJS.Signals) => void;
}

/** Default grace period for requests in flight. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** The first of `signals` to arrive; `cancel` removes the listeners without waiting. */
function nextSignal(signals: readonly NodeJS.Signals[]): { readonly signal: Promise<NodeJS.Signals>; readonly cancel: () => void } {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const cancel = (): void => {
    for (const s of signals) process.off(s, stop);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    stop = (received) => {
      cancel();
      resolve(received);
    };
    for (const s of signals) process.on(s, stop);
  });
  return { signal, cancel };
}

/**
 * Closes `app` then `store` gracefully; the two-step order matters, so no request reaches a
 * closed store. Requests in flight finish unless `graceMs` passes first.
 */
export async function shutdown(app: FastifyInstance, store: Store, graceMs = SHUTDOWN_GRACE_MS, cut?: Promise<unknown>): Promise<void> {
  const force = (): void => {
    app.server.closeAllConnections();
  };
  const timer = setTimeout(force, graceMs);
  timer.unref();
  // A keep-alive connection whose last request just finished would otherwise hold the close
  // until its keep-alive timeout; close such connections as soon as they go idle.
  const sweep = setInterval(() => {
    app.server.closeIdleConnections();
  }, 50);
  sweep.unref();
  void cut?.then(force);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
    clearInterval(sweep);
    await store.close();
  }
}

/**
 * Waits for SIGINT or SIGTERM, then shuts down as {@link shutdown} does; a second signal cuts
 * the connections still open. Resolves with the signal once the store is closed.
 */
export async function serveUntilSignal(app: FastifyInstance, store: Store, options: ServeUntilSignalOptions = {}): Promise<NodeJS.Signals> {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const signal = await nextSignal(signals).signal;
  options.onSignal?.(signal);
  const second = nextSignal(signals);
  try {
    await shutdown(app, store, options.graceMs ?? SHUTDOWN_GRACE_MS, second.signal);
  } finally {
    second.cancel();
  }
  return signal;
}
