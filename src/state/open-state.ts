/** Opening, listing and dropping the named versioned states of a store (namespaces `state:<name>`). */
import type { Engine } from '../engine/engine.js';
import { KeeprError } from '../errors.js';
import { assertName } from '../keepr/names.js';
import { META_KEY } from './state-records.js';
import { readMeta } from './state-meta.js';
import { VersionedState } from './versioned-state.js';

/** Engine namespace prefix of states. */
export const STATE_NS = 'state:';

/** Options of `store.state()`. */
export interface StateOptions {
  /** Create the state when it does not exist (default true); else `STATE_NOT_FOUND`. */
  readonly create?: boolean;
}

/** @internal Opens the versioned state `name` of an engine; `store.state(name)` is the public way. */
export async function openState(engine: Engine, name: string, options: StateOptions = {}): Promise<VersionedState> {
  assertName(name, 'state');
  const namespace = STATE_NS + name;
  if (options.create === false) {
    if (!(await engine.hasNamespace(namespace))) throw stateNotFound(name);
  } else {
    await engine.createNamespace(namespace);
  }
  const meta = readMeta(await engine.get(namespace, META_KEY));
  return new VersionedState(engine, name, namespace, meta);
}

/** Names of the states an engine holds. */
export async function listStates(engine: Engine): Promise<string[]> {
  return (await engine.listNamespaces()).filter((ns) => ns.startsWith(STATE_NS)).map((ns) => ns.slice(STATE_NS.length));
}

/** The error for a missing state. */
export function stateNotFound(name: string): KeeprError {
  return new KeeprError('STATE_NOT_FOUND', `state ${JSON.stringify(name)} does not exist`, { details: { state: name } });
}
