/** Fresh stores and states for state tests, closed when the test ends. */
import { onTestFinished } from 'vitest';
import { open, type Store } from '../../src/store/index.js';
import type { VersionedState } from '../../src/state/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** A fresh LMDB store with a state `name` in it. */
export async function freshState(name = 'chain', dir = makeTmpDir()): Promise<{ store: Store; state: VersionedState; dir: string }> {
  const store = await open(dir);
  onTestFinished(() => store.close());
  return { store, state: await store.state(name), dir };
}
