/** Adapters that give synchronous engine reads their asynchronous form. */

/** Runs `fn` now and wraps its result or throw in a promise. */
export function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(fn());
  });
}

/**
 * An async iterable over the sync iterable `open()` makes on the first step; errors become
 * rejections, and `return()` (a `break` in `for await`) reaches the sync iterator.
 */
export function toAsync<T>(open: () => Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
      let iterator: Iterator<T, undefined> | undefined;
      return {
        next: () => settle(() => (iterator ??= open()[Symbol.iterator]() as Iterator<T, undefined>).next()),
        return: () =>
          settle((): IteratorResult<T, undefined> => {
            iterator?.return?.();
            return { done: true, value: undefined };
          }),
      };
    },
  };
}
