// The instrument behaviour suite on every engine, embedded.
import { storeTarget, PERSISTENT_ENGINES } from '../helpers/store-targets.js';
import { instrumentSuite } from './instrument-suite.js';

for (const engine of ['memory', ...PERSISTENT_ENGINES] as const) {
  instrumentSuite(engine, () => storeTarget(engine).open(), { runs: engine === 'memory' ? 40 : engine === 'postgres' ? 6 : 12 });
}
