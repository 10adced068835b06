/** The public store: `open()` and `Store`, the block layer with the data kinds on top. */
export { open, type OpenEngineOptions, type OpenOptions } from './open.js';
export { Store } from './store.js';
