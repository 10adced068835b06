/** Instruments: time series and keyed columns stored as compressed chunks (docs/instruments.md). */
export * from './instrument-types.js';
export { TimeSeries } from './time-series.js';
export { KeyedColumn } from './keyed-column.js';
export { INSTRUMENT_NS, type Instrument } from './open-instrument.js';
export { CHUNK_POINTS } from './chunk.js';
