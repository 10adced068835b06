/** Captures the `code` of whatever a call throws, so tests assert on codes, never on messages. */
import type { ErrorCode } from '../../src/errors.js';

/** The code thrown by `fn`, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: ErrorCode }).code;
  }
  return undefined;
}

/** The code a promise (or an async function) rejects with, or undefined when it resolves. */
export async function codeOfAsync(work: Promise<unknown> | (() => unknown)): Promise<ErrorCode | undefined> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    return (err as { code?: ErrorCode }).code;
  }
  return undefined;
}
