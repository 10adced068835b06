/**
 * The public Store: the block layer (sources, volatiles, cache) with the data kinds built on it
 * (versioned state). It lives above both so that the block layer never imports a data kind.
 */
import { BlockStore, assertName } from '../keepr/index.js';
import { STATE_NS, listStates, openState, stateNotFound, type StateOptions } from '../state/open-state.js';
import type { VersionedState } from '../state/versioned-state.js';

/** An opened keepr database: sources of blocks, volatile containers and versioned states. */
export class Store extends BlockStore {
  readonly #states = new Map<string, Promise<VersionedState>>();

  /**
   * The versioned state `name`, created on first use unless `create: false` (then
   * `STATE_NOT_FOUND`). One instance per name and store, so its commits run in order.
   */
  async state(name: string, options: StateOptions = {}): Promise<VersionedState> {
    assertName(name, 'state');
    this.assertOpen();
    let opening = this.#states.get(name);
    if (opening === undefined) {
      opening = openState(this.engine, name, options);
      this.#states.set(name, opening);
      // A failed open is not remembered: the next call tries again.
      opening.catch(() => {
        if (this.#states.get(name) === opening) this.#states.delete(name);
      });
    } else if (options.create === false && !(await this.hasState(name))) {
      throw stateNotFound(name);
    }
    return opening;
  }

  /** True when the state exists. */
  async hasState(name: string): Promise<boolean> {
    assertName(name, 'state');
    return this.engine.hasNamespace(STATE_NS + name);
  }

  /** Names of all versioned states, sorted. */
  async states(): Promise<string[]> {
    return listStates(this.engine);
  }

  /** Deletes a state with all its heights; false when it did not exist. */
  async dropState(name: string): Promise<boolean> {
    assertName(name, 'state');
    this.#states.delete(name);
    return this.engine.dropNamespace(STATE_NS + name);
  }

  /** Closes the store: pending writes finish, volatiles are dropped. Idempotent. */
  override async close(): Promise<void> {
    this.#states.clear();
    await super.close();
  }
}
