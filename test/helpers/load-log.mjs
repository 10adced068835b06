// Registers a module loader hook that appends the URL of every module loaded to the file named
// by KEEPR_LOADED_LOG: `node --import ./test/helpers/load-log.mjs …` (test/entries.test.ts).
import { register } from 'node:module';

register('./load-log-hooks.mjs', import.meta.url);
