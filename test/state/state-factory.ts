/** Fresh stores and states for state tests, on every persistent engine, closed when the test ends. */
import type { VersionedState } from '../../src/state/index.js';
import type { Store } from '../../src/store/index.js';
import { storeTarget, type EngineName, type StoreTarget } from '../helpers/store-targets.js';

export { PERSISTENT_ENGINES as STATE_ENGINES } from '../helpers/store-targets.js';

/** A fresh store on `target` (a fresh LMDB folder unless told) with a state `name` in it. */
export async function freshState(name = 'chain', target: StoreTarget | EngineName = 'lmdb'): Promise<{ store: Store; state: VersionedState; target: StoreTarget }> {
  const where = typeof target === 'string' ? storeTarget(target) : target;
  const store = await where.open();
  return { store, state: await store.state(name), target: where };
}
