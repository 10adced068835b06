/**
 * The public Store: the block layer (sources, volatiles, cache) with the data kinds built on it
 * (versioned state). It lives above both so that the block layer never imports a data kind.
 */
import { KeeprError } from '../errors.js';
import { BlockStore, assertName } from '../keepr/index.js';
import { STATE_NS, listStates, openState, stateNotFound, type StateOptions } from '../state/open-state.js';
import type { VersionedState } from '../state/versioned-state.js';
import { alignInstruments } from '../instrument/align.js';
import { checkInstrumentOptions } from '../instrument/instrument-values.js';
import { INSTRUMENT_NS, checkKind, instrumentNotFound, listInstruments, openInstrument, readInstrumentMeta, type Instrument } from '../instrument/open-instrument.js';
import type { AlignOptions, AlignedRows, InstrumentInfo, InstrumentOptions, InstrumentsApi } from '../instrument/instrument-types.js';
import type { KeyedColumn } from '../instrument/keyed-column.js';
import type { TimeSeries } from '../instrument/time-series.js';

/** An opened keepr database: sources of blocks, volatile containers, versioned states and instruments. */
export class Store extends BlockStore implements InstrumentsApi {
  readonly #states = new Map<string, Promise<VersionedState>>();
  readonly #instruments = new Map<string, Promise<Instrument>>();

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

  /**
   * The instrument `name` (a time series or a keyed column), created with `options.type` on
   * first use unless `create: false` (then `INSTRUMENT_NOT_FOUND`). One instance per name and
   * store, so its writes run in order.
   */
  instrument(name: string, options: InstrumentOptions & { index: 'time' }): Promise<TimeSeries>;
  instrument(name: string, options: InstrumentOptions & { index: 'key' }): Promise<KeyedColumn>;
  instrument(name: string, options?: InstrumentOptions): Promise<Instrument>;
  async instrument(name: string, options: InstrumentOptions = {}): Promise<Instrument> {
    assertName(name, 'instrument');
    checkInstrumentOptions(options);
    this.assertOpen();
    const cached = this.#instruments.get(name);
    if (cached !== undefined) {
      const instrument = await cached;
      if (options.create === false && (await readInstrumentMeta(this.engine, name)) === undefined) throw instrumentNotFound(name);
      checkKind(name, { format: 1, type: instrument.type, index: instrument.index }, options);
      return instrument;
    }
    const opening = openInstrument(this.engine, name, options);
    this.#instruments.set(name, opening);
    // A failed open is not remembered: the next call tries again.
    opening.catch(() => {
      if (this.#instruments.get(name) === opening) this.#instruments.delete(name);
    });
    return opening;
  }

  /** Facts about every instrument, sorted by name. */
  async instruments(): Promise<InstrumentInfo[]> {
    const infos: InstrumentInfo[] = [];
    for (const name of await listInstruments(this.engine)) {
      try {
        infos.push(await (await this.instrument(name, { create: false })).info());
      } catch (err) {
        // A namespace whose metadata is not written yet (creation cut short) is no instrument.
        if (!(err instanceof KeeprError && err.code === 'INSTRUMENT_NOT_FOUND')) throw err;
      }
    }
    return infos;
  }

  /** Deletes an instrument with all its chunks; false when it did not exist. */
  async dropInstrument(name: string): Promise<boolean> {
    assertName(name, 'instrument');
    this.#instruments.delete(name);
    return this.engine.dropNamespace(INSTRUMENT_NS + name);
  }

  /** Several instruments of one index kind read as columns of one table (docs/instruments.md). */
  async align(names: readonly string[], options: AlignOptions = {}): Promise<AlignedRows> {
    const list: unknown = names;
    if (!Array.isArray(list)) throw new KeeprError('ARGUMENT_INVALID', 'align takes an array of instrument names');
    const instruments = await Promise.all(names.map((n) => this.instrument(n, { create: false })));
    return alignInstruments(instruments, options);
  }

  /** Closes the store: pending writes finish, volatiles are dropped. Idempotent. */
  override async close(): Promise<void> {
    this.#states.clear();
    this.#instruments.clear();
    await super.close();
  }
}
