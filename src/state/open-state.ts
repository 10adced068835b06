/** Opens a named versioned state of a store (engine namespace `state:<name>`). */
import { KeeprError } from '../errors.js';
import type { Store } from '../keepr/store.js';
import { assertName } from '../keepr/names.js';
import { META_KEY } from './state-records.js';
import { readMeta } from './state-meta.js';
import { VersionedState } from './versioned-state.js';

/** Engine namespace prefix of states. */
export const STATE_NS = 'state:';

/** Opens (creating on first use) the versioned state `name` of a store. */
export async function openState(store: Store, name: string): Promise<VersionedState> {
  assertName(name, 'state');
  if (!store.isOpen) throw new KeeprError('STORE_CLOSED', 'the store is closed');
  const namespace = STATE_NS + name;
  await store.engine.createNamespace(namespace);
  const meta = readMeta(await store.engine.get(namespace, META_KEY));
  return new VersionedState(store.engine, name, namespace, meta);
}

/** Names of the states a store holds. */
export async function listStates(store: Store): Promise<string[]> {
  return (await store.engine.listNamespaces()).filter((ns) => ns.startsWith(STATE_NS)).map((ns) => ns.slice(STATE_NS.length));
}
