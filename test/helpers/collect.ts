/** Reads an async iterable to its end, for tests that compare whole listings. */

/** Every item of `items`, in order. */
export async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
